"""Built-in timeline providers: ownership changes, field history, and stored TimelineEvents."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from forpcrm.customers.models import OwnershipAction
from forpcrm.customers.selectors import customer_history, customer_ownership_log

from .models import TimelineEvent
from .registry import TimelineItem


def customer_url(customer) -> str:
    try:
        return reverse("customers:customer_detail", args=[customer.pk])
    except NoReverseMatch:
        return ""


def ownership_items(*, user, customer, limit: int):
    url = customer_url(customer)
    labels = dict(OwnershipAction.choices)
    for row in customer_ownership_log(customer=customer)[:limit]:
        parts = [str(labels.get(row.action, row.action))]
        if row.from_user or row.to_user:
            parts.append(f"{row.from_user or _('public pool')} → {row.to_user or _('public pool')}")
        if row.reason:
            parts.append(row.reason)
        yield TimelineItem(kind="ownership", at=row.at, actor=row.by, title=" · ".join(parts), url=url,
                           details={"action": row.action})


def list_separator() -> str:
    """", " in English, "、" in Chinese (translatable; falls back to "、" while the catalogue lacks it)."""
    separator = pgettext("list separator", ", ")
    if separator == ", " and (get_language() or "").startswith("zh"):
        separator = "、"
    return separator


def history_items(*, user, customer, limit: int):
    url = customer_url(customer)
    actions = {"created": _("Customer created"), "deleted": _("Moved to the recycle bin"),
               "restored": _("Restored from the recycle bin"), "removed": _("Removed")}
    for entry in customer_history(customer=customer)[:limit]:
        if entry.action in actions:
            title = str(actions[entry.action])
        else:
            fields = list_separator().join(label for label, _old, _new in entry.changes)
            title = _("Changed: %(fields)s") % {"fields": fields}
        yield TimelineItem(kind="history", at=entry.at, actor=entry.by, title=title, url=url,
                           details={"changes": [list(c) for c in entry.changes]})


def event_items(*, user, customer, limit: int, kinds=None, exclude_kinds=None):
    qs = TimelineEvent.objects.filter(customer=customer).select_related("actor")
    if kinds:
        qs = qs.filter(kind__in=list(kinds))
    if exclude_kinds:
        qs = qs.exclude(kind__in=sorted(exclude_kinds))
    for event in qs.order_by("-at", "-id")[:limit]:
        yield TimelineItem(kind=event.kind, at=event.at, actor=event.actor, title=event.title, url=event.url,
                           details=event.payload or {})
