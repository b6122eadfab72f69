"""Context of the documents and e-mails sections (customer page, any detail page via the tag)."""

from __future__ import annotations

from django.urls import reverse

from forpcrm.customers.models import Customer

from . import selectors
from .registry import document_target_for

PANEL_LIMIT = 50


def attachments_context(user, obj, documents=None) -> dict:
    """Documents of one record with their versions, and the upload form when the user may edit it."""
    if obj is None or document_target_for(obj) is None:
        return {"obj": obj, "documents": [], "can_upload": False}
    if documents is None:
        documents = list(selectors.documents_for(user=user, obj=obj)[:PANEL_LIMIT])
    can_upload = selectors.target_editable(user=user, obj=obj)
    return {
        "obj": obj, "documents": documents, "can_upload": can_upload,
        "categories": selectors.categories() if can_upload else [],
        "upload_url": reverse("documents:document_upload", args=[obj._meta.label_lower, obj.pk]),
        "obj_label": obj._meta.label_lower,
        "panel_id": f"attachments-{obj._meta.label_lower.replace('.', '-')}-{obj.pk}",
    }


def customer_documents_panel(request, customer: Customer) -> dict:
    """Every document of the customer the user may see (its own, its contacts', opportunities' …)."""
    user = request.user
    documents = list(selectors.document_list(user=user, params={"customer": customer.pk})[:PANEL_LIMIT])
    context = attachments_context(user, customer, documents=documents)
    context.update({"show_record": True,
                    "knowledge_url": reverse("documents:knowledge", args=[customer.pk])})
    return {"items": context}


def customer_emails_panel(request, customer: Customer) -> dict:
    user = request.user
    emails = list(selectors.email_list(user=user, params={"customer": customer.pk}).defer("body_html")[:10])
    can_send = Customer.objects.editable_by(user).filter(pk=customer.pk).exists()
    return {"items": {"emails": emails, "customer": customer, "can_send": can_send}}
