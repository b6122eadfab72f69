"""Exports of the customer and contact lists: the list's filters, columns and scope, streamed.

Headers are the import fields' labels, so an exported file imports again as it is (C01, C04).
Customers are read with ``.iterator(chunk_size=2000)`` from ``selectors.customer_list``; the
primary contacts of each chunk come in one query, and only for users who may view contacts (C08).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from forpcrm.customfields import registry as customfields
from forpcrm.customfields.models import Entity, FieldDefinition, FieldType, PicklistKind
from forpcrm.customfields.selectors import all_picklist_labels
from forpcrm.imports.engine import register_exporter
from forpcrm.imports.exporting import spreadsheet_response
from forpcrm.org.access import has_perm, require_perm
from forpcrm.org.models import Action, Module, User

from .models import Contact, Customer, CustomerStatus, Gender
from .selectors import contact_list, customer_list

CHUNK_SIZE = 2000
MONEY_FORMAT = "#,##0.00"


@dataclass
class Column:
    key: str
    label: Any
    get: Any  # callable(record, helpers) -> value
    money: bool = False
    needs_contacts: bool = False


class _Labels:
    """Display labels resolved once per export (picklists, users of user-type fields)."""

    def __init__(self):
        self.picklists: dict[str, dict[str, str]] = all_picklist_labels()
        self.users: dict[int, str] = {}
        self.primary: dict[int, Contact] = {}

    def pick(self, kind: str, value: str) -> str:
        return self.picklists.get(kind, {}).get(value, value) if value else ""

    def user(self, pk: Any) -> str:
        if pk in (None, ""):
            return ""
        if pk not in self.users:
            found = User.objects.filter(pk=pk).first()
            self.users[pk] = str(found) if found else str(pk)
        return self.users[pk]


def _custom_value(definition: FieldDefinition, value: Any, labels: _Labels) -> Any:
    if value in (None, "", []):
        return None
    kind = definition.field_type
    if kind == FieldType.DATE:
        return dt.date.fromisoformat(str(value)[:10])
    if kind == FieldType.DATETIME:
        return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if kind in (FieldType.NUMBER, FieldType.MONEY):
        return Decimal(str(value))
    if kind == FieldType.BOOLEAN:
        return bool(value)
    if kind == FieldType.USER:
        return labels.user(value)
    return customfields.display_value(definition, value)


def _custom_columns(entity: str) -> list[Column]:
    columns = []
    for definition in customfields.definitions_for(entity):
        columns.append(Column(
            f"custom.{definition.code}", definition.display_label,
            lambda r, h, d=definition: _custom_value(d, (r.custom or {}).get(d.code), h),
            money=definition.field_type == FieldType.MONEY,
        ))
    return columns


def _status_label(value: str) -> str:
    return str(CustomerStatus(value).label) if value in CustomerStatus.values else value


def customer_columns() -> list[Column]:
    return [
        Column("name", gettext_lazy("customer name"), lambda r, h: r.name),
        Column("short_name", gettext_lazy("short name"), lambda r, h: r.short_name),
        Column("credit_code", gettext_lazy("unified social credit code"), lambda r, h: r.credit_code),
        Column("industry", gettext_lazy("industry"), lambda r, h: h.pick(PicklistKind.INDUSTRY, r.industry)),
        Column("source", gettext_lazy("source"), lambda r, h: h.pick(PicklistKind.SOURCE, r.source)),
        Column("level", gettext_lazy("level"), lambda r, h: h.pick(PicklistKind.LEVEL, r.level)),
        Column("status", gettext_lazy("status"), lambda r, h: _status_label(r.status)),
        Column("country", gettext_lazy("country"), lambda r, h: r.country),
        Column("province", gettext_lazy("province"), lambda r, h: r.province),
        Column("city", gettext_lazy("city"), lambda r, h: r.city),
        Column("district", gettext_lazy("district"), lambda r, h: r.district),
        Column("address", gettext_lazy("address"), lambda r, h: r.address),
        Column("website", gettext_lazy("website"), lambda r, h: r.website),
        Column("phone", gettext_lazy("phone"), lambda r, h: r.phone),
        Column("email", gettext_lazy("e-mail"), lambda r, h: r.email),
        Column("founded_year", gettext_lazy("year founded"), lambda r, h: r.founded_year),
        Column("revenue", gettext_lazy("annual revenue (millions)"), lambda r, h: r.revenue, money=True),
        Column("employees", gettext_lazy("employees"), lambda r, h: r.employees),
        Column("credit_limit", gettext_lazy("credit limit"), lambda r, h: r.credit_limit, money=True),
        Column("parent", gettext_lazy("parent company"), lambda r, h: r.parent.name if r.parent_id else ""),
        Column("owner", gettext_lazy("owner"), lambda r, h: str(r.owner) if r.owner_id else ""),
        Column("department", gettext_lazy("department"), lambda r, h: r.department.name if r.department_id else ""),
        Column("tags", gettext_lazy("tags"), lambda r, h: ", ".join(t.name for t in r.tags.all())),
        Column("remarks", gettext_lazy("remarks"), lambda r, h: r.remarks),
        Column("created_at", gettext_lazy("created at"), lambda r, h: r.created_at),
        Column("updated_at", gettext_lazy("updated at"), lambda r, h: r.updated_at),
        *_custom_columns(Entity.CUSTOMER),
        Column("contact_name", gettext_lazy("contact name"), lambda r, h: _primary(r, h, "name"), needs_contacts=True),
        Column("contact_mobile", gettext_lazy("contact mobile"), lambda r, h: _primary(r, h, "mobile"),
               needs_contacts=True),
        Column("contact_email", gettext_lazy("contact e-mail"), lambda r, h: _primary(r, h, "email"),
               needs_contacts=True),
    ]


def _primary(record: Customer, labels: _Labels, attr: str) -> str:
    contact = labels.primary.get(record.pk)
    return getattr(contact, attr) if contact is not None else ""


def _choose(columns: list[Column], wanted: list[str] | None) -> list[Column]:
    if not wanted:
        return columns
    by_key = {c.key: c for c in columns}
    return [by_key[k] for k in wanted if k in by_key]


def _chunks(qs) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for record in qs.iterator(chunk_size=CHUNK_SIZE):
        chunk.append(record)
        if len(chunk) >= CHUNK_SIZE:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _customer_rows(qs, columns: list[Column], labels: _Labels, user: User) -> Iterator[list[Any]]:
    with_contacts = any(c.needs_contacts for c in columns)
    for chunk in _chunks(qs):
        if with_contacts:
            labels.primary = {}
            contacts = Contact.objects.visible_to(user).filter(customer_id__in=[c.pk for c in chunk])
            for contact in contacts.order_by("customer_id", "-is_primary", "id"):
                labels.primary.setdefault(contact.customer_id, contact)
        for record in chunk:
            yield [column.get(record, labels) for column in columns]


def _file_name(base: str) -> str:
    return f"{base}-{timezone.localtime():%Y%m%d-%H%M}"


def customer_export_response(*, user: User, params: Mapping[str, str], fmt: str = "xlsx",
                             columns: list[str] | None = None) -> StreamingHttpResponse:
    """The user's customer list (filters and scope of ``params``) as a streamed CSV or XLSX.

    Requires the customers export permission. Contact columns appear only for users who may view
    contacts (C08)."""
    require_perm(user, Module.CUSTOMERS, Action.EXPORT)
    available = customer_columns()
    if not has_perm(user, Module.CONTACTS, Action.VIEW):
        available = [c for c in available if not c.needs_contacts]
    chosen = _choose(available, columns)
    qs = customer_list(user=user, params=params).select_related("parent")
    labels = _Labels()
    return spreadsheet_response(
        filename=_file_name(_("customers")), fmt="xlsx" if fmt == "xlsx" else "csv",
        header=[str(c.label) for c in chosen], rows=_customer_rows(qs, chosen, labels, user),
        sheet_title=_("customers"), number_formats={i: MONEY_FORMAT for i, c in enumerate(chosen) if c.money},
    )


def _gender_label(value: str) -> str:
    return str(Gender(value).label) if value in Gender.values and value else ""


def contact_columns() -> list[Column]:
    return [
        Column("customer", gettext_lazy("customer"), lambda r, h: r.customer.name),
        Column("name", gettext_lazy("name"), lambda r, h: r.name),
        Column("gender", gettext_lazy("gender"), lambda r, h: _gender_label(r.gender)),
        Column("title", gettext_lazy("job title"), lambda r, h: r.title),
        Column("department_name", gettext_lazy("department"), lambda r, h: r.department_name),
        Column("mobile", gettext_lazy("mobile"), lambda r, h: r.mobile),
        Column("office_phone", gettext_lazy("office phone"), lambda r, h: r.office_phone),
        Column("email", gettext_lazy("e-mail"), lambda r, h: r.email),
        Column("wechat", gettext_lazy("WeChat"), lambda r, h: r.wechat),
        Column("birthday", gettext_lazy("birthday"), lambda r, h: r.birthday),
        Column("decision_role", gettext_lazy("decision role"),
               lambda r, h: h.pick(PicklistKind.DECISION_ROLE, r.decision_role)),
        Column("is_primary", gettext_lazy("primary contact"), lambda r, h: _("yes") if r.is_primary else _("no")),
        Column("remarks", gettext_lazy("remarks"), lambda r, h: r.remarks),
        *_custom_columns(Entity.CONTACT),
    ]


def _contact_rows(qs, columns: list[Column], labels: _Labels) -> Iterator[list[Any]]:
    for chunk in _chunks(qs):
        for record in chunk:
            yield [column.get(record, labels) for column in columns]


def contact_export_response(*, user: User, params: Mapping[str, str], fmt: str = "xlsx",
                            columns: list[str] | None = None) -> StreamingHttpResponse:
    """The user's contact list as a streamed CSV or XLSX (contacts export permission required)."""
    require_perm(user, Module.CONTACTS, Action.EXPORT)
    chosen = _choose(contact_columns(), columns)
    qs = contact_list(user=user, params=params)
    return spreadsheet_response(
        filename=_file_name(_("contacts")), fmt="xlsx" if fmt == "xlsx" else "csv",
        header=[str(c.label) for c in chosen], rows=_contact_rows(qs, chosen, _Labels()),
        sheet_title=_("contacts"), number_formats={i: MONEY_FORMAT for i, c in enumerate(chosen) if c.money},
    )


register_exporter("customers", customer_export_response)
register_exporter("contacts", contact_export_response)

__all__ = ["contact_export_response", "customer_export_response"]
