"""Reads of leads: the scoped, searched, filtered and sorted list."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import QuerySet

from forpcrm.core.parsing import safe_filter_id
from forpcrm.customers.search import search_filter
from forpcrm.org.models import User

from .models import Lead, LeadStatus

# sort key -> ordering (every one ends with an id tie-breaker and has an index)
SORTS = {
    "-created_at": ("-created_at", "-id"),
    "created_at": ("created_at", "id"),
    "-updated_at": ("-updated_at", "-id"),
    "company_name": ("company_name", "id"),
    "-estimated_amount": ("-estimated_amount", "-id"),
    "estimated_amount": ("estimated_amount", "id"),
}
DEFAULT_SORT = "-created_at"


def _int(value) -> int | None:
    return safe_filter_id(value)


def lead_list(*, user: User, params: Mapping[str, str] | None = None) -> QuerySet:
    """Leads the user may see. Params: q (company, contact, pinyin, phone digits, e-mail, WeChat),
    status (one status, or "open" for new + contacted + qualified), source, owner (an id, "me" or
    "none"), sort (a key of SORTS)."""
    params = params or {}
    qs = Lead.objects.visible_to(user).select_related("owner", "department")
    qs = search_filter(qs, params.get("q"))
    status = params.get("status") or ""
    if status == "open":
        qs = qs.filter(status__in=[LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED])
    elif status in LeadStatus.values:
        qs = qs.filter(status=status)
    source = (params.get("source") or "").strip()
    if source:
        qs = qs.filter(source=source)
    owner = params.get("owner") or ""
    if owner == "me":
        qs = qs.filter(owner=user)
    elif owner == "none":
        qs = qs.filter(owner__isnull=True)
    elif _int(owner) is not None:
        qs = qs.filter(owner_id=_int(owner))
    sort = params.get("sort") or DEFAULT_SORT
    return qs.order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))


def lead_detail(*, user: User, pk) -> Lead:
    from forpcrm.org.access import get_visible_or_404

    return get_visible_or_404(
        Lead.objects.select_related("owner", "department", "converted_customer", "converted_contact",
                                    "converted_opportunity", "converted_by", "created_by"), user, pk)


def leads_converted_into(*, user: User, customer) -> QuerySet:
    """Visible leads converted into ``customer``, newest conversion first."""
    return (Lead.objects.visible_to(user).filter(converted_customer=customer)
            .select_related("converted_by", "owner").order_by("-converted_at", "-id"))
