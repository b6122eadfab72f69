"""Forms of the product pages (they collect input; the services validate and write)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Product


class ProductForm(forms.Form):
    name = forms.CharField(label=_("product name"), max_length=200)
    code = forms.CharField(label=_("product code"), max_length=60, required=False)
    series = forms.CharField(label=_("series / category"), max_length=100, required=False)
    unit = forms.CharField(label=_("unit"), max_length=20, required=False)
    list_price = forms.DecimalField(label=_("list price"), max_digits=18, decimal_places=2, min_value=0, initial=0)
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)

    def __init__(self, *args, instance: Product | None = None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {k: getattr(instance, k) for k in ("name", "code", "series", "unit", "list_price",
                                                                    "is_active")}
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if not isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-control")
            else:
                field.widget.attrs.setdefault("class", "form-check-input")


class MappingFileForm(forms.Form):
    file = forms.FileField(label=_("opportunity file (CSV or XLSX)"))
