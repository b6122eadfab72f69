"""Forms of the report and urge pages (they collect input; the services validate and write)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from forpcrm.core.parsing import date_in_range
from forpcrm.org.models import Department, Role, User

from .models import ReportKind, ReportRule
from .periods import period_for


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class ReportStartForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=ReportKind.choices)
    date = forms.DateField(label=_("a day of the period"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)

    def clean(self):
        data = super().clean()
        if data.get("kind") and data.get("date"):
            try:
                period_for(data["kind"], data["date"])
                date_in_range(data["date"])
            except ValueError as exc:
                self.add_error("date", str(exc))
        return data


class ReportTextForm(forms.Form):
    done = forms.CharField(label=_("work done"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    plans = forms.CharField(label=_("plans"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    problems = forms.CharField(label=_("problems and help needed"), required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class CommentForm(forms.Form):
    body = forms.CharField(label=_("comment"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class ReviewForm(forms.Form):
    comment = forms.CharField(label=_("comment (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class RuleForm(forms.ModelForm):
    departments = forms.ModelMultipleChoiceField(label=_("departments"), required=False,
                                                 queryset=Department.objects.filter(is_active=True).order_by("path"))
    roles = forms.ModelMultipleChoiceField(label=_("roles"), required=False, queryset=Role.objects.order_by("id"))
    users = forms.ModelMultipleChoiceField(label=_("users"), required=False,
                                           queryset=User.objects.filter(is_active=True).order_by("display_name", "id"))

    class Meta:
        model = ReportRule
        fields = ["name", "kind", "departments", "include_subdepartments", "roles", "users", "deadline_days",
                  "deadline_time", "skip_weekends", "is_active"]
        widgets = {"deadline_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].label_from_instance = lambda d: d.full_name
        _style(self)

    def service_data(self) -> dict:
        return dict(self.cleaned_data)

    def save(self, commit=True):  # pragma: no cover - the services write
        raise NotImplementedError("rules are saved by services.rule_save")


class UrgeForm(forms.Form):
    what = forms.CharField(label=_("what to do"), widget=forms.Textarea(attrs={"rows": 3}))
    due_at = forms.DateTimeField(label=_("due at"), help_text=_("Your local time."),
                                 widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                                 input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("answer"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)
