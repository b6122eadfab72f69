"""Reads of the product catalogue: the list (search, filters, sort) and the catalogue mapping report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from django.db.models import Q, QuerySet

from forpcrm.org.models import User

from .models import Product

PRODUCT_SORTS = {"name", "code", "series", "list_price", "created_at", "updated_at"}


def product_list(*, user: User, params: Mapping[str, str]) -> QuerySet:
    """The catalogue for whoever may view products: q (name or code), series, active (1 / 0), sort."""
    qs = Product.objects.visible_to(user)
    q = (params.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    series = (params.get("series") or "").strip()
    if series:
        qs = qs.filter(series=series)
    active = params.get("active")
    if active in ("1", "0"):
        qs = qs.filter(is_active=active == "1")
    sort = params.get("sort") or "series"
    name = sort.lstrip("-")
    if name not in PRODUCT_SORTS:
        sort, name = "series", "series"
    desc = sort.startswith("-")
    tail = ["-name", "-id"] if desc else ["name", "id"]
    return qs.order_by(sort, *[t for t in tail if t.lstrip("-") != name])


def product_series(*, user: User) -> list[str]:
    return list(Product.objects.visible_to(user).exclude(series="").order_by("series")
                .values_list("series", flat=True).distinct())


def catalogue_mapping_report(*, names: Counter, aliases: Mapping[str, str]) -> list[dict[str, Any]]:
    """Each product name of a file with its row count and how it reaches the catalogue: ``catalogue``
    (same name, case aside), ``alias`` (through the alias table) or ``unknown`` (rows would fail)."""
    catalogue = {p.name.lower(): p for p in Product.objects.all()}
    report = []
    for name, rows in sorted(names.items(), key=lambda item: (-item[1], item[0])):
        direct = catalogue.get(name.lower())
        mapped = catalogue.get(str(aliases.get(name, "")).lower()) if name in aliases else None
        status = "alias" if mapped else ("catalogue" if direct else "unknown")  # the alias wins, as in the import
        report.append({"name": name, "rows": rows, "status": status, "product": mapped or direct})
    return report
