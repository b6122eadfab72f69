"""Forms of the organisation pages. They validate input; writes go through services_admin."""

import zoneinfo

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import Action, DataScope, Department, Module, Role, User


class LoginForm(AuthenticationForm):
    username = forms.CharField(label=_("Username or e-mail"), max_length=254,
                               widget=forms.TextInput(attrs={"autofocus": True, "class": "form-control"}))
    password = forms.CharField(label=_("Password"), strip=False,
                               widget=forms.PasswordInput(attrs={"class": "form-control"}))


def _time_zones():
    common = ["Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore", "Asia/Tokyo", "UTC",
              "Europe/Berlin", "Europe/London", "America/New_York", "America/Los_Angeles"]
    rest = sorted(zoneinfo.available_timezones() - set(common))
    return [(z, z) for z in common + rest]


class ProfileForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=[("zh-hans", "简体中文"), ("en", "English")])
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_time_zones)


class BootstrapMixin:
    def _style(self):
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple)):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


class DepartmentForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    parent = forms.ModelChoiceField(label=_("Parent department"), queryset=Department.objects.none(), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, department=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Department.objects.filter(is_active=True)
        if department is not None:
            qs = qs.exclude(path__startswith=department.path)
        self.fields["parent"].queryset = qs.order_by("path")
        self.fields["parent"].label_from_instance = lambda d: "— " * d.depth + d.name
        self._style()


class UserForm(BootstrapMixin, forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    display_name = forms.CharField(label=_("Display name"), max_length=100, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none(), required=False)
    manager = forms.ModelChoiceField(label=_("Direct manager"), queryset=User.objects.none(), required=False)
    roles = forms.ModelMultipleChoiceField(label=_("Roles"), queryset=Role.objects.none(), required=False,
                                           widget=forms.CheckboxSelectMultiple)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    password = forms.CharField(label=_("Initial password"), required=False, widget=forms.PasswordInput,
                               min_length=8)

    def __init__(self, *args, instance: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.fields["department"].queryset = Department.objects.filter(is_active=True).order_by("path")
        self.fields["department"].label_from_instance = lambda d: "— " * d.depth + d.name
        managers = User.objects.filter(is_active=True).order_by("username")
        if instance is not None:
            managers = managers.exclude(pk=instance.pk)
            self.fields["username"].disabled = True
            del self.fields["password"]
        else:
            self.fields["password"].required = True
        self.fields["manager"].queryset = managers
        self.fields["roles"].queryset = Role.objects.order_by("id")
        self._style()
        self.fields["manager"].widget.attrs["data-picker"] = "1"


class PasswordSetForm(BootstrapMixin, forms.Form):
    password = forms.CharField(label=_("New password"), widget=forms.PasswordInput, min_length=8)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class RoleForm(BootstrapMixin, forms.Form):
    """Name plus, per module, the action check boxes and the data scope."""

    code = forms.SlugField(label=_("Code"), max_length=50)
    name = forms.CharField(label=_("Name"), max_length=100)
    name_en = forms.CharField(label=_("English name"), max_length=100, required=False)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    max_owned_customers = forms.IntegerField(label=_("Maximum owned customers"), required=False, min_value=0,
                                             help_text=_("Cap on customers claimed from the pool; empty for none."))

    def __init__(self, *args, instance: Role | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        grants = {g.module: g for g in instance.grants.all()} if instance else {}
        for module, _label in Module.choices:
            grant = grants.get(module)
            self.fields[f"actions_{module}"] = forms.MultipleChoiceField(
                label=_("Actions"), choices=Action.choices, required=False, widget=forms.CheckboxSelectMultiple,
                initial=list(grant.actions) if grant else [],
            )
            self.fields[f"scope_{module}"] = forms.TypedChoiceField(
                label=_("Data scope"), choices=DataScope.choices, coerce=int,
                initial=grant.scope if grant else DataScope.OWN,
            )
        if instance is not None:
            self.fields["code"].disabled = True
            for name in ("code", "name", "name_en", "description", "max_owned_customers"):
                self.fields[name].initial = getattr(instance, name)
        self._style()

    def module_rows(self):
        return [(label, self[f"actions_{module}"], self[f"scope_{module}"]) for module, label in Module.choices]

    def grants(self) -> dict[str, tuple[list[str], int]]:
        return {m: (list(self.cleaned_data[f"actions_{m}"]), self.cleaned_data[f"scope_{m}"]) for m in Module.values}
