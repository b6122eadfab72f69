"""The customer timeline, assembled from every registered provider, newest first."""

from __future__ import annotations

from django.http import Http404

from forpcrm.customers.models import Customer
from forpcrm.org.models import User

from .providers import event_items
from .registry import TimelineItem, timeline_providers

BUILTIN_KINDS = ("ownership", "history")


def timeline_for_customer(*, user: User, customer: Customer, kinds=None, limit: int = 50) -> list[TimelineItem]:
    """Items of the customer's timeline the user may see (404 when the customer is not visible).

    ``kinds`` limits the result to those item kinds ("ownership", "history", or any kind stored as a
    TimelineEvent / registered by a later app)."""
    if not Customer.objects.visible_to(user).filter(pk=customer.pk).exists():
        raise Http404
    wanted = set(kinds) if kinds else None
    items: list[TimelineItem] = []
    for kind, provider in timeline_providers().items():
        if wanted is not None and kind not in wanted:
            continue
        items.extend(provider(user=user, customer=customer, limit=limit))
    stored_kinds = None if wanted is None else wanted - set(timeline_providers())
    if stored_kinds is None or stored_kinds:
        items.extend(event_items(user=user, customer=customer, limit=limit, kinds=stored_kinds))
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:limit]
