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
