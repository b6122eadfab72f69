"""Contact writes and contact matching by phone, e-mail and name (case C05)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from forpcrm.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from forpcrm.core.phones import phone_digits, phone_key
from forpcrm.customers.models import Contact, Customer
from forpcrm.customers.normalize import email_key
from forpcrm.customfields import registry as customfields
from forpcrm.customfields.models import Entity
from forpcrm.org.access import require_perm
from forpcrm.org.models import Action, Module, User

from ._common import contact_keys_refresh, history_at_version, merge_stale, plain, save_with_history

CONTACT_FIELDS = (
    "name", "gender", "title", "department_name", "mobile", "office_phone", "email", "wechat", "birthday",
    "decision_role", "is_primary", "remarks",
)


def _unknown_keys(data: dict) -> None:
    unknown = sorted(set(data) - set(CONTACT_FIELDS) - {"custom"})
    if unknown:
        raise ValidationError({key: [_("This field cannot be set here.")] for key in unknown})


def _assign(contact: Contact, data: dict) -> None:
    from django.db import models

    for key, value in data.items():
        if key == "custom":
            continue
        text = isinstance(Contact._meta.get_field(key), models.CharField | models.TextField)
        setattr(contact, key, "" if value is None and text else value)


def _validate(contact: Contact) -> None:
    errors: dict[str, list[str]] = {}
    for key in ("mobile", "office_phone"):
        raw = getattr(contact, key)
        if raw and not phone_key(raw):
            errors[key] = [_("“%(value)s” is not a phone number.") % {"value": raw}]
    try:
        contact.full_clean(exclude=["search_text", "mobile_key", "office_key", "email_key", "customer"])
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    contact_keys_refresh(contact)


def _check_customer_editable(customer: Customer, by: User) -> None:
    if not Customer.objects.editable_by(by).filter(pk=customer.pk).exists():
        raise PermissionDeniedError(_("You may not add contacts to this customer."))


def _check_contact_editable(contact: Contact, by: User) -> None:
    if not Contact.objects.editable_by(by).filter(pk=contact.pk).exists():
        raise PermissionDeniedError(_("You may not change this contact."))


def _primary_unique(contact: Contact) -> None:
    if contact.is_primary:
        Contact.objects.filter(customer_id=contact.customer_id, is_primary=True).exclude(pk=contact.pk).update(
            is_primary=False)


@transaction.atomic
def contact_create(*, by: User, customer: Customer, data: dict) -> Contact:
    require_perm(by, Module.CONTACTS, Action.CREATE)
    _check_customer_editable(customer, by)
    data = dict(data)
    _unknown_keys(data)
    contact = Contact(customer=customer, created_by=by, version=0)
    _assign(contact, data)
    contact.custom = customfields.clean_values(Entity.CONTACT, data.get("custom") or {})
    _validate(contact)
    save_with_history(contact, by=by)
    _primary_unique(contact)
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, by: User, data: dict, expected_version: int | None,
                   strict: bool = False) -> Contact:
    """Same versioning rules as customer_update (strict → ConflictError; else field-level merge)."""
    data = dict(data)
    _unknown_keys(data)
    _check_contact_editable(contact, by)
    current = Contact.objects.select_for_update().get(pk=contact.pk)
    custom_clean: dict[str, Any] = {}
    if data.get("custom") is not None:
        cleaned = customfields.clean_values(Entity.CONTACT, data["custom"], partial=True, existing={})
        custom_clean = {code: cleaned.get(code) for code in data["custom"]}
    if expected_version is not None and expected_version != current.version:
        if strict:
            raise ConflictError(
                _("This record was changed by someone else (version %(current)d, yours %(yours)d).")
                % {"current": current.version, "yours": expected_version},
                current={k: plain(getattr(current, k)) for k in data if k != "custom"} | {"version": current.version},
            )
        base = history_at_version(current, expected_version)
        data = merge_stale(model=Contact, current=current, base=base, data=data, custom_keys=custom_clean)
        custom_clean = data.pop("custom", {})
    _assign(current, data)
    if custom_clean:
        values = dict(current.custom or {})
        for code, value in custom_clean.items():
            if value is None:
                values.pop(code, None)
            else:
                values[code] = value
        current.custom = values
    _validate(current)
    if data or custom_clean:
        save_with_history(current, by=by)
        _primary_unique(current)
    contact.__dict__.update(current.__dict__)
    return current


@transaction.atomic
def contact_delete(*, contact: Contact, by: User) -> None:
    from django.utils import timezone

    require_perm(by, Module.CONTACTS, Action.DELETE)
    _check_contact_editable(contact, by)
    current = Contact.objects.select_for_update().get(pk=contact.pk)
    current.deleted_at, current.deleted_by = timezone.now(), by
    save_with_history(current, by=by)
    contact.__dict__.update(current.__dict__)


@transaction.atomic
def contact_restore(*, contact: Contact, by: User) -> Contact:
    require_perm(by, Module.CONTACTS, Action.DELETE)
    current = Contact.all_objects.deleted().visible_to(by).filter(pk=contact.pk).first()
    if current is None:
        raise ApplicationError(_("This contact is not in the recycle bin."), code="not_deleted")
    current.deleted_at, current.deleted_by = None, None
    save_with_history(current, by=by)
    contact.__dict__.update(current.__dict__)
    return current


@dataclass
class ContactMatch:
    """A contact that matches the given details. ``is_certain`` is False for a candidate that only
    looks similar (e.g. an invalid phone number): callers must not merge those silently."""

    contact_id: int | None
    customer_id: int | None
    name: str
    reasons: list[str] = field(default_factory=list)  # phone, email, name
    is_certain: bool = True
    warning: str = ""


def _phone_is_valid(key: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(key))
    except phonenumbers.NumberParseException:
        return False


def contact_matches(*, customer: Customer | None = None, phone: str | None = None, email: str | None = None,
                    name: str | None = None) -> list[ContactMatch]:
    """Contacts matching a phone (normalised E.164 key, mobile or office), an e-mail (case-insensitive)
    or, within ``customer``, a name. A phone that is not a valid number never matches: the result
    carries a warning (and uncertain candidates sharing its digits) instead (case C05)."""
    base = Contact.objects.all()
    if customer is not None:
        base = base.filter(customer=customer)
    found: dict[int, ContactMatch] = {}
    warnings: list[ContactMatch] = []

    def add(rows, reason: str) -> None:
        for row in rows:
            match = found.setdefault(row.pk, ContactMatch(row.pk, row.customer_id, row.name))
            if reason not in match.reasons:
                match.reasons.append(reason)

    if phone and str(phone).strip():
        key = phone_key(phone)
        if key and _phone_is_valid(key):
            add(base.filter(Q(mobile_key=key) | Q(office_key=key)).order_by("id")[:50], "phone")
        else:
            message = _("“%(value)s” is not a valid phone number; it was not used to match contacts.") % {
                "value": phone}
            digits = phone_digits(phone)
            similar = list(base.filter(search_text__contains=digits).order_by("id")[:10]) if len(digits) >= 6 else []
            warnings.append(ContactMatch(None, customer.pk if customer else None, "", ["phone"], False, message))
            warnings.extend(ContactMatch(r.pk, r.customer_id, r.name, ["phone"], False, message) for r in similar)
    if email and email_key(email):
        add(base.filter(email_key=email_key(email)).order_by("id")[:50], "email")
    if name and customer is not None and name.strip():
        add(base.filter(name=name.strip()).order_by("id")[:50], "name")
    return [*found.values(), *[w for w in warnings if w.contact_id not in found]]
