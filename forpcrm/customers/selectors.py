"""Reads of customers and contacts. Every query starts from ``visible_to(user)``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from forpcrm.core.parsing import parse_date, safe_filter_date, safe_filter_id
from forpcrm.customfields import registry as customfields
from forpcrm.customfields.models import Entity, PicklistKind
from forpcrm.customfields.selectors import all_picklist_labels
from forpcrm.org.access import get_visible_or_404, subordinate_ids
from forpcrm.org.models import Department, User

from .models import Contact, Customer
from .search import search_filter

CUSTOMER_SORTS = ("name", "created_at", "updated_at", "level", "last_followup_at", "next_followup_at", "revenue",
                  "employees")
CONTACT_SORTS = ("name", "created_at", "updated_at", "customer__name")
SCOPES = ("mine", "team", "pool", "all")


def _sorted(qs: QuerySet, raw: str | None, allowed: tuple[str, ...], default: str = "-updated_at") -> QuerySet:
    """Order by a whitelisted field with ``id`` as tie-breaker in the same direction."""
    key = (raw or "").strip() or default
    name = key.lstrip("-")
    if name not in allowed:
        key, name = default, default.lstrip("-")
    descending = key.startswith("-")
    if descending:
        return qs.order_by(models.F(name).desc(nulls_last=True), "-id")
    return qs.order_by(models.F(name).asc(nulls_last=True), "id")


def _ids(raw: str | None) -> list[int]:
    return [value for p in str(raw or "").split(",") if (value := safe_filter_id(p)) is not None]


def _values(raw: str | None) -> list[str]:
    return [p.strip() for p in str(raw or "").split(",") if p.strip()]


def _day_start(raw: str | None) -> dt.datetime | None:
    try:
        day = parse_date(raw)
    except ValueError:
        return None
    if day is None or safe_filter_date(day.isoformat()) is None:  # outside the dates a filter can cover
        return None
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day))  # noqa: DTZ001 - local midnight


def _owner_scope(qs: QuerySet, user: User, scope: str | None, owner_path: str) -> QuerySet:
    if scope == "mine":
        return qs.filter(**{f"{owner_path}_id": user.pk})
    if scope == "team":
        return qs.filter(**{f"{owner_path}_id__in": sorted({user.pk, *subordinate_ids(user)})})
    if scope == "pool":
        return qs.filter(**{f"{owner_path}__isnull": True})
    return qs


def _department_ids(raw: str | None) -> list[int]:
    """The departments named and their sub-departments."""
    ids = _ids(raw)
    if not ids:
        return []
    paths = list(Department.objects.filter(pk__in=ids).values_list("path", flat=True))
    condition = models.Q(pk__in=ids)
    for path in paths:
        if path:
            condition |= models.Q(path__startswith=path)
    return list(Department.objects.filter(condition).values_list("pk", flat=True))


def customer_list(*, user: User, params: Mapping[str, str] | None = None) -> QuerySet:
    """The customers the user may see, filtered, searched and sorted (``id`` breaks ties).

    params: q, scope (mine|team|pool|all), owner (ids or "none"), department (ids, sub-departments
    included), industry, source, level, status, province, city, tag (names or ids), parent,
    created_from / created_to (dates, inclusive), custom__<code>=…, sort.
    """
    params = params or {}
    qs = Customer.objects.visible_to(user)
    qs = _owner_scope(qs, user, params.get("scope"), "owner")
    owner = params.get("owner")
    if owner:
        if owner == "none":
            qs = qs.filter(owner__isnull=True)
        elif _ids(owner):
            qs = qs.filter(owner_id__in=_ids(owner))
    if params.get("department"):
        qs = qs.filter(department_id__in=_department_ids(params["department"]))
    for name in ("industry", "source", "level", "status", "province", "city"):
        values = _values(params.get(name))
        if values:
            qs = qs.filter(**{f"{name}__in": values})
    tags = _values(params.get("tag"))
    if tags:
        by_id = [int(t) for t in tags if t.isdigit()]
        names = [t for t in tags if not t.isdigit()]
        qs = qs.filter(models.Q(tags__id__in=by_id) | models.Q(tags__name__in=names)).distinct()
    if params.get("parent") and _ids(params["parent"]):
        qs = qs.filter(parent_id__in=_ids(params["parent"]))
    if params.get("ids"):  # "export selected" on the list page: only the checked rows (still scoped)
        qs = qs.filter(pk__in=_ids(params["ids"]))
    if start := _day_start(params.get("created_from")):
        qs = qs.filter(created_at__gte=start)
    if end := _day_start(params.get("created_to")):
        qs = qs.filter(created_at__lt=end + dt.timedelta(days=1))
    if any(key.startswith("custom__") for key in params):
        qs = customfields.filter_queryset(qs, Entity.CUSTOMER, dict(params))
    qs = search_filter(qs, params.get("q"))
    qs = qs.select_related("owner", "department").prefetch_related("tags")
    return _sorted(qs, params.get("sort"), CUSTOMER_SORTS)


def contact_list(*, user: User, params: Mapping[str, str] | None = None) -> QuerySet:
    """The contacts the user may see. params: q (also matches the customer's search text, C06),
    customer (ids), scope (mine|team|pool|all by the customer's owner), decision_role, is_primary,
    custom__<code>=…, sort (name, created_at, updated_at, customer__name)."""
    params = params or {}
    qs = Contact.objects.visible_to(user)
    qs = _owner_scope(qs, user, params.get("scope"), "customer__owner")
    if _ids(params.get("customer")):
        qs = qs.filter(customer_id__in=_ids(params["customer"]))
    if values := _values(params.get("decision_role")):
        qs = qs.filter(decision_role__in=values)
    if params.get("is_primary") in ("1", "true", "yes"):
        qs = qs.filter(is_primary=True)
    if any(key.startswith("custom__") for key in params):
        qs = customfields.filter_queryset(qs, Entity.CONTACT, dict(params))
    qs = search_filter(qs, params.get("q"))
    qs = qs.select_related("customer", "customer__owner")
    return _sorted(qs, params.get("sort"), CONTACT_SORTS)


def customer_detail(*, user: User, pk: Any) -> Customer:
    """The customer, or Http404 when it is missing or not visible to the user."""
    qs = Customer.objects.select_related("owner", "department", "parent", "created_by", "updated_by",
                                         "previous_owner").prefetch_related("tags")
    return get_visible_or_404(qs, user, pk)


def customer_contacts(*, user: User, customer: Customer) -> QuerySet:
    """The customer's contacts the user may see (none without the contacts view permission, C08)."""
    return Contact.objects.visible_to(user).filter(customer=customer).order_by("-is_primary", "name", "id")


def customer_team(*, customer: Customer) -> QuerySet:
    return customer.team_members.select_related("user").order_by("added_at", "id")


def customer_ownership_log(*, customer: Customer) -> QuerySet:
    return customer.ownership_log.select_related("from_user", "to_user", "by").order_by("-at", "-id")


@dataclass
class HistoryEntry:
    at: dt.datetime
    by: User | None
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (field label, old, new)
    action: str = "changed"  # created, changed, deleted
    reason: str = ""


_HISTORY_SKIP = {"version", "updated_by", "updated_at", "created_at", "created_by", "history_id", "deleted_by",
                 "id", "owned_since", "pool_entered_at", "pool_warned_at", "previous_owner", "merged_into"}
_ENTITY_OF = {"customer": Entity.CUSTOMER, "contact": Entity.CONTACT}


def _custom_changes(entity: str | None, old: dict | None, new: dict | None) -> list[tuple[str, str, str]]:
    """One change per user-defined field, labelled and displayed like the detail page."""
    old, new = old or {}, new or {}
    definitions = {d.code: d for d in customfields.definitions_for(entity)} if entity else {}
    changes = []
    for code in sorted(set(old) | set(new)):
        if old.get(code) == new.get(code):
            continue
        definition = definitions.get(code)
        if definition is None:
            changes.append((code, str(old.get(code, "")), str(new.get(code, ""))))
        else:
            changes.append((definition.display_label, customfields.display_value(definition, old.get(code)),
                            customfields.display_value(definition, new.get(code))))
    return changes


# Built-in fields whose stored value is a picklist option: shown by the option's label.
PICKLIST_FIELDS = {"industry": PicklistKind.INDUSTRY, "source": PicklistKind.SOURCE, "level": PicklistKind.LEVEL,
                   "decision_role": PicklistKind.DECISION_ROLE}


def _display(field: models.Field, value: Any, related: dict[tuple[type, Any], str],
             picklists: Mapping[str, Mapping[str, str]] | None = None) -> str:
    if value in (None, ""):
        return ""
    if picklists is not None and field.name in PICKLIST_FIELDS:
        return picklists.get(PICKLIST_FIELDS[field.name], {}).get(value, str(value))
    if isinstance(field, models.ForeignKey):
        return related.get((field.related_model, value), f"#{value}")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return str(_("Yes") if value else _("No"))
    if isinstance(field, models.DateTimeField):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else str(value)
    if isinstance(field, models.JSONField):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) if isinstance(value, dict) else str(value)
    return str(value)


def record_history(record: models.Model) -> list[HistoryEntry]:
    """Readable history of a record tracked by django-simple-history, newest first."""
    model = type(record)
    rows = list(record.history.select_related("history_user").order_by("history_date", "history_id"))
    fields = {f.attname: f for f in model._meta.concrete_fields if f.name not in _HISTORY_SKIP}
    tracked = [name for name in fields if hasattr(rows[0], name)] if rows else []
    # Resolve every foreign key shown in one query per related model.
    wanted: dict[type, set] = {}
    for row in rows:
        for name in tracked:
            f = fields[name]
            value = getattr(row, name)
            if isinstance(f, models.ForeignKey) and value is not None:
                wanted.setdefault(f.related_model, set()).add(value)
    related: dict[tuple[type, Any], str] = {}
    for related_model, ids in wanted.items():
        manager = getattr(related_model, "all_objects", related_model._default_manager)
        for obj in manager.filter(pk__in=ids):
            related[(related_model, obj.pk)] = str(obj)
    picklists = all_picklist_labels() if any(name in PICKLIST_FIELDS for name in tracked) else None
    entries: list[HistoryEntry] = []
    previous = None
    for row in rows:
        changes = []
        for name in tracked:
            f = fields[name]
            new = getattr(row, name)
            old = getattr(previous, name) if previous is not None else None
            if previous is None and new in (None, "", {}, []):
                continue
            if previous is not None and old == new:
                continue
            label = str(f.verbose_name)
            if name == "deleted_at":
                continue
            if name == "custom":
                changes.extend(_custom_changes(_ENTITY_OF.get(model._meta.model_name), old, new))
                continue
            changes.append((label[:1].upper() + label[1:], _display(f, old, related, picklists),
                            _display(f, new, related, picklists)))
        action = {"+": "created", "-": "removed"}.get(row.history_type, "changed")
        if previous is not None and getattr(previous, "deleted_at", None) is None and getattr(row, "deleted_at", None):
            action = "deleted"
        elif previous is not None and getattr(previous, "deleted_at", None) and getattr(row, "deleted_at", None) is None:
            action = "restored"
        if changes or action != "changed":
            entries.append(HistoryEntry(at=row.history_date, by=row.history_user, changes=changes, action=action,
                                        reason=row.history_change_reason or ""))
        previous = row
    entries.reverse()
    return entries


def customer_history(*, customer: Customer) -> list[HistoryEntry]:
    """Who changed what and when (old → new per field, labels and choice labels translated)."""
    return record_history(customer)


def contact_history(*, contact: Contact) -> list[HistoryEntry]:
    return record_history(contact)


def recycle_bin(*, user: User, kind: str = "customer") -> QuerySet:
    """Deleted records the user may see, most recently deleted first. Merged customers are left out."""
    if kind == "contact":
        return (Contact.all_objects.deleted().visible_to(user).select_related("customer", "deleted_by")
                .order_by("-deleted_at", "-id"))
    return (Customer.all_objects.deleted().filter(merged_into__isnull=True).visible_to(user)
            .select_related("owner", "deleted_by").order_by("-deleted_at", "-id"))
