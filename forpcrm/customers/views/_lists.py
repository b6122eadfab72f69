"""The list machinery shared by the customer, contact, pool and recycle-bin pages: columns (built-in and
user-defined), sorting links, paging, column choice and saved views. Cells are plain values; the
templates escape them."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forpcrm.core.models import SavedView
from forpcrm.customfields import registry
from forpcrm.customfields.models import FieldDefinition, FieldType
from forpcrm.org.models import User

PAGE_SIZES = (20, 50, 100)
DEFAULT_PAGE_SIZE = 20
# Parameters that belong to the page, not to the selector.
PAGE_PARAMS = {"page", "page_size", "cols", "view"}


@dataclass
class Column:
    key: str
    label: Any
    value: Callable[[Any], Any]
    sort: str | None = None
    link: Callable[[Any], str] | None = None
    kind: str = "text"  # text, badges, datetime, money, bool
    default: bool = True


@dataclass
class Cell:
    text: Any = ""
    href: str = ""
    items: list = field(default_factory=list)
    kind: str = "text"


def fmt_datetime(value) -> str:
    if not value:
        return ""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else str(value)


def custom_columns(entity: str, definitions: list[FieldDefinition], users: dict[int, str]) -> list[Column]:
    columns = []
    for d in definitions:
        if not d.show_in_list:
            continue

        def value(record, d=d):
            raw = (record.custom or {}).get(d.code)
            if d.field_type == FieldType.USER:
                return users.get(raw, "") if raw not in (None, "") else ""
            return registry.display_value(d, raw)

        columns.append(Column(f"custom__{d.code}", d.display_label, value))
    return columns


def user_ids_in(records, definitions: list[FieldDefinition]) -> set[int]:
    codes = [d.code for d in definitions if d.field_type == FieldType.USER and d.show_in_list]
    ids = set()
    for record in records:
        for code in codes:
            raw = (record.custom or {}).get(code)
            if isinstance(raw, int):
                ids.add(raw)
    return ids


def selector_params(request) -> dict[str, str]:
    return {k: v for k, v in request.GET.items() if k not in PAGE_PARAMS and v != ""}


def page_size_of(request) -> int:
    try:
        size = int(request.GET.get("page_size", DEFAULT_PAGE_SIZE))
    except ValueError:
        return DEFAULT_PAGE_SIZE
    return size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE


def chosen_columns(request, available: list[Column]) -> list[Column]:
    by_key = {c.key: c for c in available}
    raw = request.GET.get("cols", "")
    keys = [k for k in raw.split(",") if k in by_key] if raw else []
    if not keys:
        return [c for c in available if c.default]
    if "name" in by_key and "name" not in keys:
        keys.insert(0, "name")
    return [by_key[k] for k in keys]


def paginate(request, qs):
    size = page_size_of(request)
    page = Paginator(qs, size).get_page(request.GET.get("page"))
    return page, size


def rows_for(records, columns: list[Column]) -> list[dict]:
    rows = []
    for record in records:
        cells = []
        for column in columns:
            value = column.value(record)
            if column.kind == "badges":
                cells.append(Cell(items=list(value or []), kind="badges"))
            else:
                cells.append(Cell(text="" if value is None else value,
                                  href=column.link(record) if column.link else "", kind=column.kind))
        rows.append({"record": record, "cells": cells})
    return rows


def saved_views(user: User, list_key: str):
    return list(SavedView.objects.filter(user=user, list_key=list_key).order_by("name", "id"))


def saved_view_url(base: str, view: SavedView) -> str:
    params = QueryDict(view.query, mutable=True)
    if view.columns:
        params["cols"] = ",".join(view.columns)
    encoded = params.urlencode()
    return f"{base}?{encoded}" if encoded else base


def filters_query(request) -> str:
    """The current filters (no paging, no columns) as stored in a saved view."""
    return urlencode([(k, v) for k, values in request.GET.lists() for v in values
                      if k not in PAGE_PARAMS and v != ""])


def list_context(request, *, columns_available: list[Column], columns: list[Column], page, page_size: int,
                 list_key: str) -> dict:
    return {
        "columns": columns,
        "columns_available": columns_available,
        "column_keys": [c.key for c in columns],
        "column_keys_json": json.dumps([c.key for c in columns]),
        "rows": rows_for(page.object_list, columns),
        "page_obj": page,
        "page_size": page_size,
        "page_sizes": PAGE_SIZES,
        "saved_views": saved_views(request.user, list_key),
        "list_key": list_key,
        "filters_query": filters_query(request),
        "current_query": request.GET.urlencode(),
    }


BOOLEAN_CHOICES = [("", "—"), ("1", _("yes")), ("0", _("no"))]
