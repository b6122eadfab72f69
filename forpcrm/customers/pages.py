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
