"""Extension points of the customer pages for apps above customers (timeline, sales, contracts …):
they add sections to the customer page and panels to the home page without customers importing them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CustomerPanel:
    key: str
    title: object  # str or lazy str
    template: str
    context: Callable  # (request, customer) -> dict
    order: int = 100


_PANELS: dict[str, CustomerPanel] = {}


def customer_panel_register(key: str, title, template: str, context: Callable, order: int = 100) -> None:
    """Add (or replace) a section of the customer page, rendered from ``template`` with ``context(request,
    customer)``. The callable must read through the user's scope."""
    _PANELS[key] = CustomerPanel(key, title, template, context, order)


def customer_panels() -> list[CustomerPanel]:
    return sorted(_PANELS.values(), key=lambda p: (p.order, p.key))


@dataclass(frozen=True)
class SearchSection:
    """One more group of results on the global search page (opportunities, leads …)."""

    key: str
    title: object  # str or lazy str
    results: Callable  # (user, q, limit) -> list of (label, detail, url); [] when the user may not see any
    list_url: Callable  # (q) -> URL of the full list filtered by q
    order: int = 100


_SEARCH_SECTIONS: dict[str, SearchSection] = {}


def search_section_register(key: str, title, results: Callable, list_url: Callable, order: int = 100) -> None:
    """Add (or replace) a result group of the global search. ``results`` must read through the user's
    scope and return None when the user has no right to see that kind of record at all."""
    _SEARCH_SECTIONS[key] = SearchSection(key, title, results, list_url, order)


def search_sections() -> list[SearchSection]:
    return sorted(_SEARCH_SECTIONS.values(), key=lambda s: (s.order, s.key))
