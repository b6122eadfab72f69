"""The customer timeline, assembled from every registered provider, newest first."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import Http404

from forpcrm.customers.models import Customer
from forpcrm.org.models import User

from .providers import event_items
from .registry import SEPARATE_KINDS, TimelineFilter, TimelineItem, timeline_filters, timeline_providers

BUILTIN_KINDS = ("ownership", "history")
PAGE_SIZE = 25
MAX_ITEMS = 500


def timeline_for_customer(*, user: User, customer: Customer, kinds=None, limit: int = 50, offset: int = 0,
                          exclude_kinds=None) -> list[TimelineItem]:
    """Items of the customer's timeline the user may see (404 when the customer is not visible).

    ``kinds`` limits the result to those item kinds ("ownership", "history", or any kind stored as a
    TimelineEvent / registered by a later app); ``exclude_kinds`` leaves kinds out. ``offset`` skips
    the newest items (each provider is asked for ``offset + limit`` items, so one call costs the same
    fixed number of queries at any depth)."""
    if not Customer.objects.visible_to(user).filter(pk=customer.pk).exists():
        raise Http404
    wanted = set(kinds) if kinds else None
    excluded = set(exclude_kinds or ())
    depth = offset + limit
    items: list[TimelineItem] = []
    providers = timeline_providers()
    for kind, provider in providers.items():
        if (wanted is not None and kind not in wanted) or kind in excluded:
            continue
        items.extend(provider(user=user, customer=customer, limit=depth))
    # Stored events (TimelineEvent rows) of the wanted kinds, whether or not a provider serves the kind too.
    items.extend(event_items(user=user, customer=customer, limit=depth, kinds=wanted, exclude_kinds=excluded))
    items = [i for i in items if i.kind not in excluded]
    items.sort(key=lambda item: item.at, reverse=True)
    return items[offset:depth]


@dataclass
class TimelinePage:
    items: list[TimelineItem]
    filters: list[TimelineFilter]
    active: str
    page: int
    has_more: bool
    kinds: list[str] = field(default_factory=list)


def timeline_filter(key: str | None) -> TimelineFilter:
    """The toggle named ``key``; unknown or empty → the default (business events)."""
    filters = {f.key: f for f in timeline_filters()}
    return filters.get(key or "all") or filters.get("all") or TimelineFilter("all", "all")


def timeline_page(*, user: User, customer: Customer, filter_key: str | None = None, page: int = 1,
                  page_size: int = PAGE_SIZE) -> TimelinePage:
    """The first ``page × page_size`` items of one toggle (a "load more" shows one page more each
    time), newest first. The default toggle shows business events: ownership changes and field
    history have their own panels on the customer page and appear only under their own toggles."""
    chosen = timeline_filter(filter_key)
    page = max(1, min(int(page or 1), MAX_ITEMS // page_size))
    limit = page * page_size
    if chosen.kinds:
        items = timeline_for_customer(user=user, customer=customer, kinds=chosen.kinds, limit=limit + 1)
    else:
        items = timeline_for_customer(user=user, customer=customer, exclude_kinds=SEPARATE_KINDS, limit=limit + 1)
    return TimelinePage(items=items[:limit], filters=timeline_filters(), active=chosen.key, page=page,
                        has_more=len(items) > limit, kinds=list(chosen.kinds))
