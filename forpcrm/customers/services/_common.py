"""Shared machinery of the customer and contact services: field-level merge on stale versions,
serialising current values for a conflict message, derived keys."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from forpcrm.core.errors import ConflictError
from forpcrm.core.phones import phone_key
from forpcrm.customers.models import Contact, Customer
from forpcrm.customers.normalize import credit_code_clean, email_key, name_key
from forpcrm.customers.search import search_text_for_contact, search_text_for_customer

MISSING = object()


def plain(value: Any) -> Any:
    """A JSON-friendly form of a field value, as shown in a conflict (Decimal → "80000.00")."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def comparable(field: models.Field, value: Any) -> Any:
    """Values of one field made comparable (Decimal("8E+4") == "80000.00", FK object == id)."""
    if value is None or value == "":
        return None if not isinstance(field, models.CharField | models.TextField) else ""
    if isinstance(field, models.ForeignKey):
        return value.pk if isinstance(value, models.Model) else int(value)
    try:
        value = field.to_python(value)
    except ValidationError:
        return value
    if isinstance(value, Decimal):
        return value.normalize()
    return value


def stored_value(instance: models.Model, field: models.Field) -> Any:
    return getattr(instance, field.attname)


def merge_stale(*, model: type[models.Model], current: models.Model, base: models.Model | None,
                data: dict[str, Any], custom_keys: dict[str, Any] | None = None) -> dict[str, Any]:
    """Field-level three-way merge of a stale save (case C10).

    ``base`` is the record as the caller read it (the historical row at the caller's version).
    Returns the subset of ``data`` to write: fields the caller changed that nobody else changed.
    A field changed by both to different values raises ConflictError with the current values, and
    nothing is written. Without a base (history missing) every differing field is a conflict.
    """
    to_write: dict[str, Any] = {}
    conflicts: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("custom", "tags"):
            continue
        field = model._meta.get_field(key)
        mine = comparable(field, value)
        theirs = comparable(field, stored_value(current, field))
        if base is None:
            if mine != theirs:
                conflicts[key] = plain(stored_value(current, field))
            continue
        original = comparable(field, stored_value(base, field))
        if mine in (original, theirs):
            continue  # the caller did not change it, or both changed it the same way
        if theirs != original:
            conflicts[key] = plain(stored_value(current, field))
            continue
        to_write[key] = value
    for code, value in (custom_keys or {}).items():
        mine = value
        theirs = (current.custom or {}).get(code)
        original = (base.custom or {}).get(code) if base is not None else MISSING
        if mine == theirs or (base is not None and mine == original):
            continue
        if base is None or theirs != original:
            conflicts[f"custom.{code}"] = theirs
            continue
        to_write.setdefault("custom", {})[code] = value
    if conflicts:
        raise ConflictError(
            _("Someone else changed this record since you opened it. Their values are shown; nothing was saved."),
            current=conflicts,
        )
    return to_write


def history_at_version(instance: models.Model, version: int):
    """The record as it was at ``version`` (its historical row), or None."""
    return instance.history.filter(version=version).order_by("-history_date", "-history_id").first()


def customer_keys_refresh(customer: Customer) -> None:
    customer.credit_code = credit_code_clean(customer.credit_code)
    customer.name = (customer.name or "").strip()
    customer.name_key = name_key(customer.name)
    customer.phone_key = phone_key(customer.phone)
    customer.email_key = email_key(customer.email)
    customer.search_text = search_text_for_customer(customer)


def contact_keys_refresh(contact: Contact) -> None:
    contact.name = (contact.name or "").strip()
    contact.mobile_key = phone_key(contact.mobile)
    contact.office_key = phone_key(contact.office_phone)
    contact.email_key = email_key(contact.email)
    contact.search_text = search_text_for_contact(contact)


def save_with_history(instance: models.Model, *, by, reason: str = "") -> None:
    """Save, bump the version, and record who did it in the history row."""
    instance.version = (instance.version or 0) + 1
    instance.updated_by = by
    instance._history_user = by  # read by django-simple-history
    if reason:
        instance._change_reason = reason
    instance.save()
