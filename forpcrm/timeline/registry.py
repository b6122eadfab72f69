"""Timeline providers: later apps (follow-ups, opportunities, contracts, payments, complaints …) add
a callable that yields TimelineItems for a customer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class TimelineItem:
    kind: str
    at: dt.datetime
    actor: Any  # User or None
    title: str
    url: str = ""
    details: dict = field(default_factory=dict)


# provider(*, user, customer, limit) -> iterable of TimelineItem, newest first preferred
Provider = Callable[..., Iterable[TimelineItem]]
_PROVIDERS: dict[str, Provider] = {}


def timeline_provider_register(kind: str, provider: Provider) -> None:
    """Add (or replace) the provider of one kind of timeline item."""
    _PROVIDERS[kind] = provider


def timeline_providers() -> dict[str, Provider]:
    return dict(_PROVIDERS)


@dataclass(frozen=True)
class TimelineFilter:
    """One toggle of the customer timeline: ``kinds`` are the item kinds it shows (empty: every
    business kind, i.e. all but the ``SEPARATE_KINDS``)."""

    key: str
    label: Any  # str or lazy str
    kinds: tuple[str, ...] = ()
    order: int = 100


# Kinds with a panel of their own on the customer page (ownership log, change history): the default
# view of the timeline leaves them out so nothing shows twice; their toggles show them on demand.
SEPARATE_KINDS = ("ownership", "history")
_FILTERS: dict[str, TimelineFilter] = {}


def timeline_filter_register(key: str, label, kinds: tuple[str, ...] | list[str], order: int = 100) -> None:
    """Add (or replace) a toggle of the customer timeline showing the items of ``kinds``."""
    _FILTERS[key] = TimelineFilter(key, label, tuple(kinds), order)


def timeline_filters() -> list[TimelineFilter]:
    return sorted(_FILTERS.values(), key=lambda f: (f.order, f.key))
