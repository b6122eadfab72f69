"""Reads of the documents app; every list starts from ``visible_to(user)``."""

from __future__ import annotations

from django.db.models import Prefetch, Q

from forpcrm.core.parsing import safe_filter_id

from .models import Document, DocumentCategory, DocumentVersion, EmailMessage, EmailTemplate
from .registry import document_target_for, document_target_get


def _category_q(category: str) -> Q:
    text = str(category).strip()
    return Q(category__code__iexact=text) | Q(category__name=text) | Q(category__name_en__iexact=text)


def has_document(obj, *, category: str = "") -> bool:
    """True when ``obj`` has a live (not deleted) document, of ``category`` (code or name) when given."""
    qs = Document.objects.filter(target_type=obj._meta.label_lower, target_id=obj.pk)
    if category:
        qs = qs.filter(_category_q(category))
    return qs.exists()


def _with_versions(qs):
    return qs.select_related("category", "owner", "current_version__uploaded_by").prefetch_related(
        Prefetch("versions", queryset=DocumentVersion.objects.select_related("uploaded_by").order_by("-number", "-id")))


def documents_for(*, user, obj):
    """Live documents of one record the user may see (none when the record is not visible)."""
    registered = document_target_for(obj)
    if registered is None or not registered.model.objects.visible_to(user).filter(pk=obj.pk).exists():
        return Document.objects.none()
    qs = Document.objects.filter(target_type=obj._meta.label_lower, target_id=obj.pk)
    return _with_versions(qs).order_by("-updated_at", "-id")


def document_list(*, user, params=None):
    """Documents the user may see, filtered by target_type + target_id, customer, category, q."""
    params = params or {}
    qs = Document.objects.visible_to(user)
    target_type = (params.get("target_type") or "").lower()
    if target_type:
        qs = qs.filter(target_type=target_type)
    target_id = str(params.get("target_id") or "")
    if target_id:
        qs = qs.filter(target_id=safe_filter_id(target_id)) if safe_filter_id(target_id) else qs.none()
    customer = str(params.get("customer") or "")
    if customer:
        qs = qs.filter(customer_id=safe_filter_id(customer)) if safe_filter_id(customer) else qs.none()
    category = params.get("category") or ""
    if category:
        qs = qs.filter(_category_q(category))
    q = (params.get("q") or params.get("search") or "").strip()
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(versions__original_name__icontains=q)).distinct()
    return _with_versions(qs).order_by("-updated_at", "-id")


def version_visible_or_none(*, user, pk) -> DocumentVersion | None:
    """A version of a live document the user may see, else None (the caller answers 404)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return DocumentVersion.objects.filter(pk=pk, document__in=Document.objects.visible_to(user).values("pk")) \
        .select_related("document").first()


def target_visible(*, user, target_type: str, target_id) -> object | None:
    """The registered record the user may see, or None."""
    registered = document_target_get(target_type)
    if registered is None:
        return None
    try:
        return registered.model.objects.visible_to(user).filter(pk=int(target_id)).first()
    except (TypeError, ValueError):
        return None


def target_editable(*, user, obj) -> bool:
    registered = document_target_for(obj)
    return registered is not None and registered.model.objects.editable_by(user).filter(pk=obj.pk).exists()


def categories():
    return list(DocumentCategory.objects.filter(is_active=True).order_by("sort_order", "id"))


def email_list(*, user, params=None):
    """E-mails the user may see, filtered by customer, direction, q (subject, text, sender)."""
    params = params or {}
    qs = EmailMessage.objects.visible_to(user)
    customer = str(params.get("customer") or "")
    if customer:
        qs = qs.filter(customer_id=safe_filter_id(customer)) if safe_filter_id(customer) else qs.none()
    direction = params.get("direction") or ""
    if direction in ("in", "out"):
        qs = qs.filter(direction=direction)
    q = (params.get("q") or params.get("search") or "").strip()
    if q:
        qs = qs.filter(Q(subject__icontains=q) | Q(body_text__icontains=q) | Q(from_address__icontains=q))
    return qs.select_related("customer", "owner").order_by("-sent_at", "-id")


def email_attachments(*, message: EmailMessage):
    qs = Document.objects.filter(target_type=message._meta.label_lower, target_id=message.pk)
    return _with_versions(qs).order_by("id")


def email_templates(*, active_only: bool = False):
    qs = EmailTemplate.objects.order_by("name", "id")
    return qs.filter(is_active=True) if active_only else qs


def document_target_url(obj) -> str:
    """The page of a registered record ("" when unknown)."""
    from types import SimpleNamespace

    if obj is None:
        return ""
    registered = document_target_for(obj)
    if registered is None:
        return ""
    customer = registered.customer_of(obj)
    stand_in = SimpleNamespace(target_type=obj._meta.label_lower, target_id=obj.pk,
                               customer_id=getattr(customer, "pk", None))
    try:
        return registered.record_url(stand_in)
    except Exception:  # a record page that does not exist (yet) is no reason to fail
        return ""
