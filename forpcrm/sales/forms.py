"""Forms of the sales pages (they only collect input; the services validate and write)."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from forpcrm.core.money import AMOUNT_ERROR_MESSAGES
from forpcrm.customers.forms import add_custom_fields, custom_data, custom_initial
from forpcrm.customers.models import Customer
from forpcrm.customfields.models import Entity
from forpcrm.org.access import departments_in_scope, has_perm, scope_for, subordinate_ids
from forpcrm.org.models import Action, DataScope, Module, User

from .models import Opportunity, Pipeline, Stage


def may_transfer(user: User) -> bool:
    """Whether the user may give opportunities to other users (the rule the services apply)."""
    return user.is_superuser or has_perm(user, Module.OPPORTUNITIES, Action.TRANSFER)


def owner_choices(user: User, *, current_owner_id: int | None = None):
    """The users an opportunity may be given to by ``user``: himself, plus — with the transfer right —
    the active users his opportunities scope covers; the current owner stays selectable."""
    allowed = Q(pk=user.pk)
    if current_owner_id:
        allowed |= Q(pk=current_owner_id)
    scope = scope_for(user, Module.OPPORTUNITIES)
    if may_transfer(user) and scope is not None:
        if scope == DataScope.ALL:
            allowed = Q()
        else:
            if scope == DataScope.OWN_AND_SUBORDINATES and subordinate_ids(user):
                allowed |= Q(pk__in=sorted(subordinate_ids(user)))
            departments = departments_in_scope(user, scope)
            if departments:
                allowed |= Q(department_id__in=sorted(departments))
    return User.objects.filter(allowed, is_active=True).order_by("display_name", "username", "id")


class OpportunityForm(forms.Form):
    name = forms.CharField(label=_("opportunity name"), max_length=200)
    customer = forms.ModelChoiceField(label=_("customer"), queryset=Customer.objects.none())
    pipeline = forms.ModelChoiceField(label=_("pipeline"), queryset=Pipeline.objects.filter(is_active=True))
    stage = forms.ModelChoiceField(label=_("stage"), queryset=Stage.objects.select_related("pipeline"))
    amount = forms.DecimalField(label=_("amount"), max_digits=18, decimal_places=2, error_messages=AMOUNT_ERROR_MESSAGES, required=False, min_value=0)
    currency = forms.CharField(label=_("currency"), max_length=3, initial="CNY")
    probability = forms.IntegerField(label=_("win probability (%)"), required=False, min_value=0, max_value=100,
                                     help_text=_("Leave empty to use the stage's probability."))
    expected_close_date = forms.DateField(label=_("expected close date"), required=False,
                                          widget=forms.DateInput(attrs={"type": "date"}))
    source = forms.CharField(label=_("source"), max_length=60, required=False)
    competitors = forms.CharField(label=_("competitors"), max_length=255, required=False)
    tags = forms.CharField(label=_("tags"), required=False, help_text=_("Separated by commas."))
    description = forms.CharField(label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.ModelChoiceField(label=_("owner"), queryset=User.objects.filter(is_active=True), required=False)

    def __init__(self, *args, user, instance: Opportunity | None = None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name, "customer": instance.customer_id, "pipeline": instance.pipeline_id,
                "stage": instance.stage_id, "amount": instance.amount, "currency": instance.currency,
                "probability": instance.probability if instance.probability_overridden else None,
                "expected_close_date": instance.expected_close_date, "source": instance.source,
                "competitors": instance.competitors, "tags": ", ".join(instance.tags or []),
                "description": instance.description, "owner": instance.owner_id,
                **custom_initial(Entity.OPPORTUNITY, instance.custom),
            }
        super().__init__(*args, **kwargs)
        self.custom_names = add_custom_fields(self, Entity.OPPORTUNITY)
        self.fields["customer"].queryset = Customer.objects.visible_to(user).order_by("name")
        owner = self.fields["owner"]
        owner.queryset = owner_choices(user, current_owner_id=instance.owner_id if instance is not None else None)
        if not may_transfer(user):
            owner.error_messages["invalid_choice"] = _("You may not give opportunities to other users.")
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-select" if isinstance(field.widget, forms.Select)
                                          else "form-control")
        self.fields["stage"].label_from_instance = lambda s: f"{s.pipeline.name} › {s.name} ({s.probability}%)"

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.custom_names}
        if self.custom_names:
            data["custom"] = custom_data(self, self.custom_names)
        data["tags"] = [t.strip() for t in (data.get("tags") or "").replace("，", ",").split(",") if t.strip()]
        if data.get("amount") is None:
            data["amount"] = 0
        if data.get("owner") is None:
            data.pop("owner", None)
        return data


class BulkForm(forms.Form):
    """The bulk action of the opportunity list: move stage, give to another owner, or add tags."""

    ACTIONS = (("stage", _("Move to stage")), ("owner", _("Assign owner")), ("tags", _("Add tags")))

    action = forms.ChoiceField(label=_("bulk action"), choices=ACTIONS)
    ids = forms.TypedMultipleChoiceField(label=_("selected opportunities"), coerce=int, choices=())
    stage = forms.ModelChoiceField(label=_("stage"), queryset=Stage.objects.select_related("pipeline"), required=False)
    reason = forms.CharField(label=_("won / lost reason"), max_length=255, required=False)
    owner = forms.ModelChoiceField(label=_("owner"), queryset=User.objects.filter(is_active=True), required=False)
    tags = forms.CharField(label=_("tags"), required=False, help_text=_("Separated by commas."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else self.data.get("ids", [])
        self.fields["ids"].choices = [(v, v) for v in raw if str(v).isdigit()]

    def clean(self):
        data = super().clean()
        needed = {"stage": "stage", "owner": "owner", "tags": "tags"}.get(data.get("action") or "")
        if needed and not data.get(needed):
            self.add_error(needed, _("This field is required."))
        if data.get("action") == "tags":
            data["tag_list"] = [t.strip() for t in (data.get("tags") or "").replace("，", ",").split(",") if t.strip()]
        return data


class LostForm(forms.Form):
    reason = forms.CharField(label=_("why was it lost?"), max_length=255)
