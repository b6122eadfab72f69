"""Forms of the field and picklist settings pages."""

import contextlib
import json

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Entity, FieldType, PicklistKind


def _style(form):
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


def options_to_text(options) -> str:
    lines = []
    for o in options or []:
        parts = [str(o.get("value", "")), str(o.get("label", ""))]
        if o.get("label_en"):
            parts.append(str(o["label_en"]))
        lines.append(" | ".join(parts))
    return "\n".join(lines)


def text_to_options(text: str) -> list[dict]:
    options = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        value = parts[0]
        label = parts[1] if len(parts) > 1 and parts[1] else value
        label_en = parts[2] if len(parts) > 2 else ""
        options.append({"value": value, "label": label, "label_en": label_en})
    return options


class FieldDefinitionForm(forms.Form):
    entity = forms.ChoiceField(label=_("Entity"), choices=Entity.choices)
    code = forms.CharField(label=_("Code"), max_length=50,
                           help_text=_("Key used in the API, imports and exports; cannot change later."))
    label = forms.CharField(label=_("Label"), max_length=100)
    label_en = forms.CharField(label=_("English label"), max_length=100, required=False)
    field_type = forms.ChoiceField(label=_("Type"), choices=FieldType.choices)
    required = forms.BooleanField(label=_("Required"), required=False)
    default = forms.CharField(label=_("Default"), required=False, max_length=500)
    help_text = forms.CharField(label=_("Help text"), required=False, max_length=255)
    sort_order = forms.IntegerField(label=_("Order"), initial=0)
    show_in_list = forms.BooleanField(label=_("Shown in list"), required=False)
    is_searchable = forms.BooleanField(label=_("Searchable"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    options_text = forms.CharField(
        label=_("Options"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("For choice types: one option a line, “value | label | English label”."),
    )

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        if instance is not None:
            self.fields["entity"].disabled = True
            self.fields["code"].disabled = True
        _style(self)

    def data_for_service(self) -> dict:
        cd = self.cleaned_data
        default = cd["default"].strip()
        if default and cd["field_type"] == FieldType.MULTI_CHOICE:
            default = [p.strip() for p in default.split(",") if p.strip()]
        elif default and default.startswith(("[", "{")):
            with contextlib.suppress(ValueError):
                default = json.loads(default)
        return {
            "label": cd["label"], "label_en": cd["label_en"], "field_type": cd["field_type"],
            "required": cd["required"], "default": default or None, "help_text": cd["help_text"],
            "sort_order": cd["sort_order"], "show_in_list": cd["show_in_list"],
            "is_searchable": cd["is_searchable"], "is_active": cd["is_active"],
            "options": text_to_options(cd["options_text"]),
        }


class PicklistOptionForm(forms.Form):
    kind = forms.ChoiceField(label=_("List"), choices=PicklistKind.choices)
    value = forms.CharField(label=_("Value"), max_length=60)
    label = forms.CharField(label=_("Label"), max_length=100, required=False)
    label_en = forms.CharField(label=_("English label"), max_length=100, required=False)
    sort_order = forms.IntegerField(label=_("Order"), initial=0)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        if instance is not None:
            self.fields["kind"].disabled = True
            self.fields["value"].disabled = True
        _style(self)

    def data_for_service(self) -> dict:
        cd = self.cleaned_data
        return {k: cd[k] for k in ("label", "label_en", "sort_order", "is_active")}
