"""Forms of the lead pages and the conversion wizard (they parse input; the services validate and write)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from forpcrm.core.money import AMOUNT_ERROR_MESSAGES
from forpcrm.customers.forms import PickerField, picklist_choices, style
from forpcrm.customers.models import Customer
from forpcrm.org.models import User
from forpcrm.sales.models import Pipeline

from .models import Lead, LeadStatus
from .services import OPEN_STATUSES, ConversionPlan

FORM_FIELDS = ("company_name", "contact_name", "title", "mobile", "phone", "email", "wechat", "province", "city",
               "address", "source", "industry", "estimated_amount", "status", "requirement")


class LeadForm(forms.Form):
    company_name = forms.CharField(label=_("Company name"), max_length=200)
    contact_name = forms.CharField(label=_("Contact name"), max_length=100, required=False)
    title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=40, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    wechat = forms.CharField(label=_("WeChat"), max_length=60, required=False)
    province = forms.CharField(label=_("Province"), max_length=40, required=False)
    city = forms.CharField(label=_("City"), max_length=40, required=False)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    source = forms.ChoiceField(label=_("Source"), required=False)
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    estimated_amount = forms.DecimalField(label=_("Estimated amount"), max_digits=18, decimal_places=2, error_messages=AMOUNT_ERROR_MESSAGES,
                                          required=False, min_value=0)
    status = forms.ChoiceField(label=_("Status"), choices=[c for c in LeadStatus.choices if c[0] in OPEN_STATUSES])
    requirement = forms.CharField(label=_("Requirement / notes"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, instance: Lead | None = None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {key: getattr(instance, key) for key in FORM_FIELDS}
        super().__init__(*args, **kwargs)
        data = self.data if self.is_bound else self.initial
        for kind in ("source", "industry"):
            self.fields[kind].choices = picklist_choices(kind, data.get(kind))
        if instance is not None and instance.status not in OPEN_STATUSES:
            self.fields["status"].choices = [("", "—"), *self.fields["status"].choices]
            self.fields["status"].required = False
        style(self)

    def service_data(self) -> dict:
        data = {key: self.cleaned_data.get(key) for key in FORM_FIELDS}
        if not data.get("status"):
            data.pop("status")
        return data


class OwnerForm(forms.Form):
    to = PickerField(label=_("Owner"), queryset=User.objects.filter(is_active=True), picker_url="",
                     label_of=lambda u: u.label if hasattr(u, "label") else str(u))

    def __init__(self, *args, picker_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].widget.attrs["data-picker-url"] = picker_url
        style(self)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)


class ConvertForm(forms.Form):
    """Step 2 and 3 of the conversion wizard: what to do with the company and the person, and the
    opportunity to open. Existing records offered are those the duplicate check found and the user may see."""

    customer_choice = forms.ChoiceField(label=_("Company"), widget=forms.RadioSelect)
    contact_choice = forms.ChoiceField(label=_("Person"), widget=forms.RadioSelect)
    confirm_duplicates = forms.BooleanField(label=_("Create new records although similar ones exist"),
                                            required=False)
    create_opportunity = forms.BooleanField(label=_("Open an opportunity"), required=False, initial=True)
    opportunity_name = forms.CharField(label=_("Opportunity name"), max_length=200, required=False)
    pipeline = forms.ModelChoiceField(label=_("Pipeline"), queryset=Pipeline.objects.none(), required=False)
    amount = forms.DecimalField(label=_("Amount"), max_digits=18, decimal_places=2, error_messages=AMOUNT_ERROR_MESSAGES, required=False, min_value=0)
    expected_close_date = forms.DateField(label=_("Expected close date"), required=False,
                                          widget=forms.DateInput())

    def __init__(self, *args, check, user, lead: Lead, **kwargs):
        super().__init__(*args, **kwargs)
        editable = set(Customer.objects.editable_by(user).filter(
            pk__in=[m.customer_id for m in check.company if m.customer_id]).values_list("pk", flat=True))
        self.editable_customer_ids = editable
        customer_choices = [("new", _("Create a new customer"))]
        customer_choices += [(str(m.customer_id), m.name) for m in check.company if m.customer_id in editable]
        self.fields["customer_choice"].choices = customer_choices
        contact_choices = [("new", _("Create a new contact")), ("skip", _("No contact"))]
        contact_choices += [(str(m.contact_id), f"{m.name} · {m.customer_name}") for m in check.person
                            if m.contact_id and m.customer_id in editable]
        self.fields["contact_choice"].choices = contact_choices
        self.contact_customer = {str(m.contact_id): m.customer_id for m in check.person if m.contact_id}
        self.fields["pipeline"].queryset = Pipeline.objects.filter(is_active=True).order_by("-is_default",
                                                                                             "sort_order", "id")
        if not self.is_bound:
            first_link = next((c for c, _l in customer_choices[1:]), None)
            self.initial.setdefault("customer_choice", first_link or "new")
            first_contact = next((str(m.contact_id) for m in check.person
                                  if m.contact_id and str(m.customer_id) == str(first_link)), None)
            self.initial.setdefault("contact_choice", first_contact or ("new" if lead.contact_name else "skip"))
            self.initial.setdefault("opportunity_name", lead.company_name)
            self.initial.setdefault("amount", lead.estimated_amount)
            self.initial.setdefault("pipeline", self.fields["pipeline"].queryset.first())
        style(self)

    def clean(self):
        data = super().clean()
        customer, contact = data.get("customer_choice"), data.get("contact_choice")
        if contact not in (None, "new", "skip") and (
                customer == "new" or str(self.contact_customer.get(contact)) != str(customer)):
            self.add_error("contact_choice", _("An existing contact can only be linked together with its "
                                               "customer."))
        if data.get("create_opportunity") and not (data.get("opportunity_name") or "").strip():
            self.add_error("opportunity_name", _("Enter the opportunity's name."))
        return data

    def plan(self) -> ConversionPlan:
        data = self.cleaned_data
        customer, contact = data["customer_choice"], data["contact_choice"]
        opportunity = None
        if data.get("create_opportunity"):
            opportunity = {"name": data["opportunity_name"].strip(), "pipeline": data.get("pipeline"),
                           "amount": data.get("amount"), "expected_close_date": data.get("expected_close_date")}
        return ConversionPlan(
            customer_action="create" if customer == "new" else "link",
            customer_id=None if customer == "new" else int(customer),
            contact_action={"new": "create", "skip": "skip"}.get(contact, "link"),
            contact_id=None if contact in ("new", "skip") else int(contact),
            confirm_duplicates=bool(data.get("confirm_duplicates")),
            opportunity=opportunity,
        )
