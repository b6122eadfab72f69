"""Forms of the activity pages (they only collect input; the services validate and write).

Every picker lists only records the user may see."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from forpcrm.core.parsing import date_in_range
from forpcrm.customers.models import Contact, Customer
from forpcrm.org.models import User
from forpcrm.sales.models import Opportunity

from .models import VisitRecurrence
from .services import followup_kinds

DT_FORMAT = "%Y-%m-%dT%H:%M"


def _in_range(value) -> None:
    """Dates and times outside the years the CRM handles are refused on the field."""
    try:
        date_in_range(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


def _dt_widget():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DT_FORMAT)


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            continue
        widget.attrs.setdefault("class", "form-select" if isinstance(widget, forms.Select) else "form-control")


def _scoped_pickers(form, user, customer_id) -> None:
    form.fields["customer"].queryset = Customer.objects.visible_to(user).order_by("name", "id")
    contacts = Contact.objects.visible_to(user).select_related("customer")
    opportunities = Opportunity.objects.visible_to(user)
    if customer_id:
        contacts = contacts.filter(customer_id=customer_id)
        opportunities = opportunities.filter(customer_id=customer_id)
    for name, qs in (("contact", contacts), ("contacts", contacts), ("opportunity", opportunities)):
        if name in form.fields:
            form.fields[name].queryset = qs.order_by("name", "id")


def _customer_id(form, initial_customer):
    raw = form.data.get("customer") if form.is_bound else None
    value = raw or initial_customer
    try:
        return int(getattr(value, "pk", value))
    except (TypeError, ValueError):
        return None


class FollowUpForm(forms.Form):
    customer = forms.ModelChoiceField(label=_("customer"), queryset=Customer.objects.none())
    contact = forms.ModelChoiceField(label=_("contact"), queryset=Contact.objects.none(), required=False)
    opportunity = forms.ModelChoiceField(label=_("opportunity"), queryset=Opportunity.objects.none(), required=False)
    kind = forms.ChoiceField(label=_("kind"))
    at = forms.DateTimeField(label=_("time"), widget=_dt_widget(), input_formats=[DT_FORMAT, "%Y-%m-%d %H:%M"],
                         validators=[_in_range])
    content = forms.CharField(label=_("content"), widget=forms.Textarea(attrs={"rows": 4}))
    next_at = forms.DateTimeField(label=_("next follow-up time"), required=False, widget=_dt_widget(),
                                  input_formats=[DT_FORMAT, "%Y-%m-%d %H:%M"], validators=[_in_range])
    next_content = forms.CharField(label=_("next follow-up content"), max_length=500, required=False)
    attachment = forms.FileField(label=_("attachment"), required=False)

    def __init__(self, *args, user, instance=None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "customer": instance.customer_id, "contact": instance.contact_id,
                "opportunity": instance.opportunity_id, "kind": instance.kind, "at": instance.at,
                "content": instance.content, "next_at": instance.next_at, "next_content": instance.next_content,
            }
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = followup_kinds()
        _scoped_pickers(self, user, _customer_id(self, self.initial.get("customer")))
        _style(self)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        attachment = data.pop("attachment", None)
        if attachment:
            data["files"] = [attachment]
        return data


class QuickFollowUpForm(FollowUpForm):
    """The customer page's quick add: the customer is fixed."""

    def __init__(self, *args, customer, **kwargs):
        kwargs.setdefault("initial", {"customer": customer.pk, "kind": "phone"})
        super().__init__(*args, **kwargs)
        self.fields["customer"].widget = forms.HiddenInput()


class VisitForm(forms.Form):
    customer = forms.ModelChoiceField(label=_("customer"), queryset=Customer.objects.none())
    contacts = forms.ModelMultipleChoiceField(label=_("contacts"), queryset=Contact.objects.none(), required=False)
    opportunity = forms.ModelChoiceField(label=_("opportunity"), queryset=Opportunity.objects.none(), required=False)
    purpose = forms.CharField(label=_("purpose"), max_length=255)
    date = forms.DateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                           validators=[_in_range])
    start_time = forms.TimeField(label=_("start time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end_time = forms.TimeField(label=_("end time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    time_zone = forms.CharField(label=_("time zone"), max_length=64)
    recurrence = forms.ChoiceField(label=_("repeat"), choices=VisitRecurrence.choices, required=False)
    repeat_until = forms.DateField(label=_("repeat until"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                   validators=[_in_range])
    remind_minutes = forms.IntegerField(label=_("remind minutes before"), required=False, min_value=0,
                                        max_value=7 * 24 * 60,
                                        help_text=_("0 reminds at the start time; leave empty for no reminder."))
    companions = forms.ModelMultipleChoiceField(label=_("companions"), queryset=User.objects.none(), required=False)

    def __init__(self, *args, user, instance=None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            from forpcrm.core.timezones import utc_to_local

            start = utc_to_local(instance.starts_at, instance.time_zone)
            end = utc_to_local(instance.ends_at, instance.time_zone)
            kwargs["initial"] = {
                "customer": instance.customer_id, "contacts": [c.pk for c in instance.contacts.all()],
                "opportunity": instance.opportunity_id, "purpose": instance.purpose, "date": start.date(),
                "start_time": start.time(), "end_time": end.time(), "time_zone": instance.time_zone,
                "recurrence": instance.recurrence, "repeat_until": instance.repeat_until,
                "remind_minutes": instance.remind_minutes, "companions": [u.pk for u in instance.companions.all()],
            }
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("time_zone", getattr(user, "time_zone", "") or "Asia/Shanghai")
        super().__init__(*args, **kwargs)
        _scoped_pickers(self, user, _customer_id(self, self.initial.get("customer")))
        self.fields["companions"].queryset = User.objects.filter(is_active=True).exclude(pk=user.pk).order_by(
            "username", "id")
        _style(self)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["recurrence"] = data.get("recurrence") or ""
        return data


class CompleteForm(forms.Form):
    result = forms.CharField(label=_("result of the visit"), widget=forms.Textarea(attrs={"rows": 3}))
    next_at = forms.DateTimeField(label=_("next follow-up time"), required=False, widget=_dt_widget(),
                                  input_formats=[DT_FORMAT, "%Y-%m-%d %H:%M"], validators=[_in_range])
    next_content = forms.CharField(label=_("next follow-up content"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=255, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class CheckInForm(forms.Form):
    latitude = forms.DecimalField(label=_("latitude"), min_value=-90, max_value=90, decimal_places=8)
    longitude = forms.DecimalField(label=_("longitude"), min_value=-180, max_value=180, decimal_places=8)
    accuracy_m = forms.FloatField(label=_("accuracy (m)"), required=False, min_value=0)
    address = forms.CharField(label=_("address"), max_length=255, required=False)
    photo = forms.FileField(label=_("photo"), required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))


class CommentForm(forms.Form):
    body = forms.CharField(label=_("comment"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
                           help_text=_("Type @username to notify a colleague."))
