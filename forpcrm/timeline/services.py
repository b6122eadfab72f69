"""Writes to the timeline: append-only events that later apps add for a customer."""

from __future__ import annotations

from django.db import models, transaction
from django.utils import timezone

from forpcrm.customers.models import Customer
from forpcrm.org.models import User

from .models import TimelineEvent


@transaction.atomic
def timeline_event_add(*, customer: Customer, kind: str, title: str, actor: User | None = None, at=None,
                       payload: dict | None = None, obj: models.Model | None = None, url: str = "") -> TimelineEvent:
    """Append one event to the customer's timeline. ``obj`` (optional) is the record it is about."""
    event = TimelineEvent(
        customer=customer, kind=kind, title=str(title)[:255], actor=actor, at=at or timezone.now(),
        payload=payload or {}, url=url,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
    )
    event.full_clean()
    event.save()
    return event


def timeline_events_move(survivor: Customer, merged: Customer, by: User | None = None) -> None:
    """Merge hook: the merged customer's events follow it to the survivor."""
    TimelineEvent.objects.filter(customer=merged).update(customer=survivor)
