"""`{{ customer.industry|picklist_label:"industry" }}`: the option's label in the active language."""

from django import template

from forpcrm.customfields.selectors import picklist_label as _picklist_label

register = template.Library()


@register.filter
def picklist_label(value, kind: str) -> str:
    return _picklist_label(kind, value)
