"""``{% load documents %}{% attachments_panel obj %}`` on any detail page of a registered record."""

from django import template

from forpcrm.documents.panels import attachments_context
from forpcrm.documents.registry import document_target_get

register = template.Library()


@register.inclusion_tag("documents/_attachments_card.html", takes_context=True)
def attachments_panel(context, obj):
    request = context.get("request")
    user = getattr(request, "user", None)
    data = attachments_context(user, obj) if user is not None else {"obj": obj, "documents": []}
    data["request"] = request
    data["csrf_token"] = context.get("csrf_token")
    return data


@register.simple_tag
def document_record_url(document) -> str:
    """Link to the page of the record a document is attached to ("" when there is none)."""
    target = document_target_get(document.target_type)
    return target.record_url(document) if target is not None else ""


@register.filter
def document_record_label(document) -> str:
    target = document_target_get(document.target_type)
    return str(target.model._meta.verbose_name) if target is not None else document.target_type
