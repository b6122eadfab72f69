"""Forms of the customer and contact pages. They parse input; services validate the rules and write."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from forpcrm.customfields import registry
from forpcrm.customfields.models import Entity, FieldType, PicklistKind, PicklistOption
from forpcrm.org.models import User

from .models import Customer, CustomerStatus, Gender


def style(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple | forms.RadioSelect)):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select | forms.SelectMultiple | forms.NullBooleanSelect):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")
        if isinstance(widget, forms.DateInput):
            widget.input_type = "text"
            widget.attrs.setdefault("data-date", "date")
        elif isinstance(widget, forms.DateTimeInput):
            widget.input_type = "text"
            widget.attrs.setdefault("data-date", "datetime")


def picklist_choices(kind: str, current: str | None = None) -> list[tuple[str, str]]:
    options = [(o.value, o.display_label) for o in PicklistOption.objects.filter(kind=kind, is_active=True)]
    if current and current not in {v for v, _l in options}:
        options.append((current, current))
    return [("", "—"), *options]


class PickerField(forms.Field):
    """A record chosen with a remote Tom Select picker. The select renders only the chosen record;
    ``queryset`` (already scoped) decides what may be chosen."""

    widget = forms.Select

    def __init__(self, *, queryset, picker_url: str, label_of=str, **kwargs):
        self.queryset = queryset
        self.label_of = label_of
        super().__init__(**kwargs)
        self.widget.attrs.update({"data-picker": "1", "data-picker-url": picker_url})

    def set_current(self, value) -> None:
        record = value if hasattr(value, "pk") else (
            self.queryset.filter(pk=value).first() if str(value or "").isdigit() else None)
        self.widget.choices = [("", "—")] + ([(record.pk, self.label_of(record))] if record else [])

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        record = self.queryset.filter(pk=value).first() if str(value).isdigit() else None
        if record is None:
            raise forms.ValidationError(_("Choose a record from the list."), code="invalid_choice")
        return record


def custom_initial(entity: str, values: dict) -> dict:
    """Initial form values for user-defined fields from stored JSON values."""
    initial = {}
    for d in registry.definitions_for(entity):
        value = (values or {}).get(d.code)
        if value in (None, ""):
            continue
        if d.field_type == FieldType.DATE:
            value = dt.date.fromisoformat(str(value))
        elif d.field_type == FieldType.DATETIME:
            value = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        elif d.field_type in (FieldType.NUMBER, FieldType.MONEY):
            value = Decimal(str(value))
        initial[f"custom__{d.code}"] = value
    return initial


def add_custom_fields(form: forms.BaseForm, entity: str) -> list[str]:
    from django.urls import reverse

    fields = registry.form_fields(entity)
    users = {f"custom__{d.code}" for d in registry.definitions_for(entity) if d.field_type == FieldType.USER}
    for name, field in fields.items():
        if name in users:
            # A user-defined "user" field gets the same remote picker as the owner (active users only).
            picker = PickerField(label=field.label, required=field.required, help_text=field.help_text,
                                 queryset=User.objects.filter(is_active=True),
                                 picker_url=reverse("customers:picker_users"))
            current = form.data.get(name) if form.is_bound else form.initial.get(name, field.initial)
            picker.set_current(current)
            field = picker
        if isinstance(field.widget, forms.DateTimeInput | forms.DateInput):
            field.widget.input_type = "text"
        form.fields[name] = field
    return list(fields)


def custom_data(form: forms.BaseForm, names: list[str]) -> dict:
    """custom dict for the services: code → value as the registry's clean() accepts it."""
    values = {}
    for name in names:
        value = form.cleaned_data.get(name)
        if isinstance(value, (dt.datetime, dt.date)):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        values[name.removeprefix("custom__")] = value
    return values


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("Customer name"), max_length=200)
    short_name = forms.CharField(label=_("Short name"), max_length=100, required=False)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=18, required=False)
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    source = forms.ChoiceField(label=_("Source"), required=False)
    level = forms.ChoiceField(label=_("Level"), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=CustomerStatus.choices, initial=CustomerStatus.PROSPECT)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    country = forms.CharField(label=_("Country"), max_length=60, required=False)
    province = forms.CharField(label=_("Province"), max_length=40, required=False)
    city = forms.CharField(label=_("City"), max_length=40, required=False)
    district = forms.CharField(label=_("District"), max_length=40, required=False)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    founded_year = forms.IntegerField(label=_("Year founded"), required=False, min_value=1800, max_value=2100)
    revenue = forms.DecimalField(label=_("Annual revenue (millions)"), required=False, max_digits=14, decimal_places=2)
    employees = forms.IntegerField(label=_("Employees"), required=False, min_value=0)
    credit_limit = forms.DecimalField(label=_("Credit limit"), required=False, max_digits=18, decimal_places=2)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="CNY")
    next_followup_at = forms.DateTimeField(label=_("Next follow-up"), required=False)
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separate tags with commas."))
    remarks = forms.CharField(label=_("Remarks"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirm_duplicates = forms.BooleanField(label=_("Save anyway (I checked the possible duplicates)"),
                                            required=False)

    BUILTIN = ("name", "short_name", "credit_code", "industry", "source", "level", "status", "phone", "email",
               "website", "country", "province", "city", "district", "address", "founded_year", "revenue",
               "employees", "credit_limit", "currency", "next_followup_at", "remarks")

    def __init__(self, *args, user: User, instance: Customer | None = None, show_duplicates: bool = False,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.instance = user, instance
        current = self.initial
        data = self.data if self.is_bound else {}
        for kind in ("industry", "source", "level"):
            self.fields[kind].choices = picklist_choices(kind, data.get(kind) or current.get(kind))
        from django.urls import reverse

        visible = Customer.objects.visible_to(user)
        if instance is not None:
            visible = visible.exclude(pk=instance.pk)
        self.fields["parent"] = PickerField(
            label=_("Parent company"), required=False, queryset=visible,
            picker_url=reverse("customers:picker_customers"),
        )
        self.fields["parent"].set_current(data.get("parent") or current.get("parent"))
        # A parent company the editor may not see is kept as it is (never cleared by an empty picker).
        self.keeps_hidden_parent = bool(instance is not None and instance.parent_id and not visible.filter(
            pk=instance.parent_id).exists())
        if self.keeps_hidden_parent:
            self.fields["parent"].disabled = True
            self.fields["parent"].help_text = _("The parent company is outside your scope and stays as it is.")
        if instance is None:
            self.fields["owner"] = PickerField(
                label=_("Owner"), required=False, queryset=User.objects.filter(is_active=True),
                picker_url=reverse("customers:picker_users"),
                help_text=_("Empty puts the customer in the public pool."),
            )
            self.fields["owner"].set_current(data.get("owner") or current.get("owner"))
        self.custom_names = add_custom_fields(self, Entity.CUSTOMER)
        first = ["name", "short_name", "credit_code", "parent", "owner", "industry", "source", "level", "status"]
        self.order_fields([f for f in first if f in self.fields] + [f for f in self.fields if f not in first])
        if not show_duplicates:
            self.fields["confirm_duplicates"].widget = forms.HiddenInput()
        style(self)
        self.fields["tags"].widget.attrs["data-tags"] = "1"

    def service_data(self) -> dict:
        cd = self.cleaned_data
        data = {key: cd.get(key) for key in self.BUILTIN}
        for key in ("short_name", "credit_code", "industry", "source", "level", "phone", "email", "website",
                    "country", "province", "city", "district", "address", "remarks"):
            data[key] = data[key] or ""
        if not self.keeps_hidden_parent:
            data["parent"] = cd.get("parent")
        data["tags"] = [t.strip() for t in (cd.get("tags") or "").replace("，", ",").split(",") if t.strip()]
        data["custom"] = custom_data(self, self.custom_names)
        return data


def customer_initial(customer: Customer) -> dict:
    initial = {key: getattr(customer, key) for key in CustomerForm.BUILTIN}
    initial["parent"] = customer.parent_id
    initial["tags"] = ", ".join(t.name for t in customer.tags.all())
    initial["version"] = customer.version
    initial.update(custom_initial(Entity.CUSTOMER, customer.custom))
    return initial


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, required=False)
    title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    department_name = forms.CharField(label=_("Department"), max_length=100, required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=40, required=False)
    office_phone = forms.CharField(label=_("Office phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    wechat = forms.CharField(label=_("WeChat"), max_length=60, required=False)
    birthday = forms.DateField(label=_("Birthday"), required=False, widget=forms.DateInput)
    decision_role = forms.ChoiceField(label=_("Decision role"), required=False)
    is_primary = forms.BooleanField(label=_("Primary contact"), required=False)
    remarks = forms.CharField(label=_("Remarks"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    BUILTIN = ("name", "gender", "title", "department_name", "mobile", "office_phone", "email", "wechat",
               "birthday", "decision_role", "is_primary", "remarks")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        data = self.data if self.is_bound else {}
        self.fields["decision_role"].choices = picklist_choices(
            PicklistKind.DECISION_ROLE, data.get("decision_role") or self.initial.get("decision_role"))
        self.custom_names = add_custom_fields(self, Entity.CONTACT)
        style(self)

    def service_data(self) -> dict:
        cd = self.cleaned_data
        data = {key: cd.get(key) for key in self.BUILTIN}
        for key in ("gender", "title", "department_name", "mobile", "office_phone", "email", "wechat",
                    "decision_role", "remarks"):
            data[key] = data[key] or ""
        data["custom"] = custom_data(self, self.custom_names)
        return data


def contact_initial(contact) -> dict:
    initial = {key: getattr(contact, key) for key in ContactForm.BUILTIN}
    initial["version"] = contact.version
    initial.update(custom_initial(Entity.CONTACT, contact.custom))
    return initial


class TeamMemberForm(forms.Form):
    expires_at = forms.DateTimeField(label=_("Expires at"), required=False)
    can_edit = forms.BooleanField(label=_("May edit"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.urls import reverse

        self.fields["user"] = PickerField(label=_("User"), queryset=User.objects.filter(is_active=True),
                                          picker_url=reverse("customers:picker_users"))
        self.order_fields(["user", "can_edit", "expires_at"])
        style(self)


class ReasonForm(forms.Form):
    reason_choice = forms.ChoiceField(label=_("Reason"), required=False)
    reason = forms.CharField(label=_("Details"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason_choice"].choices = picklist_choices(PicklistKind.RELEASE_REASON)
        style(self)

    def reason_text(self) -> str:
        labels = dict(self.fields["reason_choice"].choices)
        parts = [str(labels.get(self.cleaned_data.get("reason_choice"), "")) if self.cleaned_data.get(
            "reason_choice") else "", self.cleaned_data.get("reason", "").strip()]
        return " · ".join(p for p in parts if p)
