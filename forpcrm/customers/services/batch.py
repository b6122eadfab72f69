"""Creating many customers at once (the import's fast path).

``customers_create_batch`` keeps every rule of ``customer_create`` — the same validation and
messages, derived keys, user-defined field validation, duplicate detection (against the database and
against the earlier rows of the batch), a history row and an ownership log row per customer — but
checks scope and permissions once, loads the field definitions once, looks every duplicate key of
the batch up with one ``IN`` query per key and writes each table with one ``bulk_create``. The
number of queries does not grow with the number of rows (unless rows carry tags or a parent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from forpcrm.core.errors import ApplicationError, PermissionDeniedError
from forpcrm.core.phones import phone_key
from forpcrm.customers.models import Customer, OwnershipAction, OwnershipLog
from forpcrm.customers.normalize import credit_code_clean, credit_code_error, email_key, name_key
from forpcrm.customers.search import search_text_for_customer, searchable_definitions
from forpcrm.customfields import registry as customfields
from forpcrm.customfields.models import Entity
from forpcrm.org.access import has_perm, require_perm
from forpcrm.org.models import Action, Module, User

from .customers import _OWNER_DEFAULT, _assign, _tags_store, _unknown_keys, tag_names_clean, tag_names_text
from .duplicates import MAX_MATCHES, DuplicateMatch, DuplicatesFound

# Reason code -> column holding the key, as in customer_duplicates.
_COLUMNS = {"credit_code": "credit_code", "name": "name_key", "phone": "phone_key", "email": "email_key"}
# Keys the batch can match existing records on (CustomerDefinition.find semantics).
MATCH_KEYS = ("credit_code", "name", "phone")
# Foreign keys whose targets the batch has loaded itself: not checked again row by row by full_clean.
_KNOWN_FKS = ["owner", "created_by", "updated_by", "department", "deleted_by", "previous_owner", "merged_into"]
_DERIVED = ["search_text", "name_key", "phone_key", "email_key"]
# What customer_keys_refresh reads.
_KEY_SOURCES = ("name", "short_name", "credit_code", "phone", "email", "province", "city", "custom")


class BatchAbort(ApplicationError):  # noqa: N818 - a control-flow signal
    """Raised before anything is written when ``on_existing="abort"`` and a row matches a record."""


@dataclass
class BatchRowResult:
    customer: Customer | None = None  # the created customer (saved), None when not created
    error: Exception | None = None  # ValidationError / ApplicationError / ValueError for this row
    existing: str = ""  # name of the record the row matched (match_on): not created
    duplicates: list[DuplicateMatch] = field(default_factory=list)  # likely duplicates (created anyway)

    @property
    def created(self) -> bool:
        return self.customer is not None


@dataclass
class _Found:
    pk: int
    name: str
    owner_name: str
    updated_at: Any
    keys: dict[str, str]


def _duplicate_keys(data: dict) -> dict[str, str]:
    """The keys customer_duplicates looks up for ``data``."""
    return {
        "credit_code": credit_code_clean(data.get("credit_code")),
        "name": name_key(data.get("name")) if data.get("name") else "",
        "phone": phone_key(data.get("phone")),
        "email": email_key(data.get("email")),
    }


def _customer_keys(customer: Customer) -> dict[str, str]:
    return {reason: getattr(customer, column) or "" for reason, column in _COLUMNS.items()}


def _lookup(keys_per_row: list[dict[str, str]]) -> dict[str, dict[str, list[_Found]]]:
    """reason -> key value -> alive customers with that key (one query per key)."""
    found: dict[int, _Found] = {}
    index: dict[str, dict[str, list[_Found]]] = {reason: {} for reason in _COLUMNS}
    for reason, column in _COLUMNS.items():
        values = sorted({keys[reason] for keys in keys_per_row if keys.get(reason)})
        if not values:
            continue
        rows = (Customer.objects.filter(**{f"{column}__in": values}).select_related("owner")
                .only("id", "name", "updated_at", "owner", *_COLUMNS.values()))
        for row in rows:
            item = found.get(row.pk) or _Found(
                row.pk, row.name, str(row.owner) if row.owner else str(_("public pool")), row.updated_at,
                _customer_keys(row))
            found[row.pk] = item
            index[reason].setdefault(getattr(row, column), []).append(item)
    for per_value in index.values():
        for items in per_value.values():
            items.sort(key=lambda f: f.pk)
    return index


def _refuse_owner(by: User, owner, may_assign: bool) -> Exception | None:
    if owner is not None and owner.pk != by.pk and not may_assign:
        return PermissionDeniedError(_("You may not create customers for another user."))
    if owner is not None and not owner.is_active:
        return ValidationError({"owner": [_("The owner must be an active user.")]})
    return None


def _keys_refresh(customer: Customer, searchable) -> None:
    """customer_keys_refresh with the searchable field definitions loaded once per batch."""
    customer.credit_code = credit_code_clean(customer.credit_code)
    customer.name = (customer.name or "").strip()
    customer.name_key = name_key(customer.name)
    customer.phone_key = phone_key(customer.phone)
    customer.email_key = email_key(customer.email)
    customer.search_text = search_text_for_customer(customer, searchable)


def _key_sources(customer: Customer) -> tuple:
    return tuple(getattr(customer, name) for name in _KEY_SOURCES)


def _build(by: User, data: dict, owner, definitions, searchable, now) -> tuple[Customer, list[str]]:
    """An unsaved, validated customer (the checks of customer_create, without per-row queries)."""
    _unknown_keys(data)
    customer = Customer(created_by=by, owner=owner, version=0)
    _assign(customer, data)
    customer.custom = customfields.clean_values(Entity.CUSTOMER, data.get("custom") or {}, definitions=definitions)
    customer.department_id = owner.department_id if owner else by.department_id
    tags = tag_names_clean(data.get("tags"))
    customer.tag_names = tag_names_text(tags)
    if owner is not None:
        customer.owned_since = now
    else:
        customer.pool_entered_at = now
    _keys_refresh(customer, searchable)
    errors: dict[str, list[str]] = {}
    if message := credit_code_error(customer.credit_code):
        errors["credit_code"] = [message]
    sources = _key_sources(customer)
    exclude = [*_DERIVED, *_KNOWN_FKS, *([] if customer.parent_id else ["parent"])]
    try:
        customer.full_clean(exclude=exclude)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    if _key_sources(customer) != sources:
        _keys_refresh(customer, searchable)  # full_clean converted a value the keys are made of
    customer.version = 1
    customer.updated_by = by
    return customer, tags


def _match(keys: dict[str, str], match_on: list[str], index, batch_index) -> str | list[str] | None:
    """Like CustomerDefinition.find: the first key of ``match_on`` with a match → its name; several
    matches → their names (a list, an error for the row)."""
    for key in match_on:
        value = keys.get(key)
        if not value:
            continue
        names = [f.name for f in index[key].get(value, [])]
        names += [c.name for c in batch_index[key].get(value, [])]
        if len(names) > 1:
            return names[:3]
        if names:
            return names[0]
    return None


@transaction.atomic
def customers_create_batch(*, by: User, rows: list[dict], owner=_OWNER_DEFAULT, owners: list | None = None,
                           confirm_duplicates: bool = True, match_on: list[str] | None = None,
                           on_existing: str = "skip") -> list[BatchRowResult]:
    """Create one customer per ``rows`` item (the ``data`` of customer_create), in one transaction.

    ``owner`` is everyone's owner (the creator by default; None puts them in the pool); ``owners``
    gives one owner per row instead (``_OWNER_DEFAULT`` items fall back to ``owner``). A row that
    fails validation gets its ``error`` and is not written; the other rows are. Likely duplicates (in
    the database or an earlier row of the batch) are listed in ``duplicates``; without
    ``confirm_duplicates`` such a row gets a DuplicatesFound error instead. With ``match_on`` (keys of
    MATCH_KEYS) a row matching an existing customer or an earlier row is not created (``existing``),
    or, with ``on_existing="abort"``, BatchAbort is raised before anything is written.
    """
    require_perm(by, Module.CUSTOMERS, Action.CREATE)
    if owner is _OWNER_DEFAULT:
        owner = by
    match_on = [key for key in (match_on or []) if key in MATCH_KEYS]
    may_assign = has_perm(by, Module.CUSTOMERS, Action.TRANSFER) or has_perm(by, Module.POOL, Action.TRANSFER)
    definitions = customfields.definitions_for(Entity.CUSTOMER)
    searchable = searchable_definitions(Entity.CUSTOMER)
    now = timezone.now()
    keys_per_row = [_duplicate_keys(dict(data)) for data in rows]
    index = _lookup(keys_per_row)
    visible = set(Customer.objects.visible_to(by).filter(
        pk__in=sorted({f.pk for per_value in index.values() for items in per_value.values() for f in items}))
        .values_list("pk", flat=True))

    results: list[BatchRowResult] = []
    pending: list[Customer] = []
    row_order: dict[int, int] = {}
    batch_index: dict[str, dict[str, list[Customer]]] = {reason: {} for reason in _COLUMNS}  # earlier rows
    pending_tags: list[tuple[Customer, list[str]]] = []
    in_batch_matches: list[tuple[DuplicateMatch, Customer]] = []
    for position, data in enumerate(rows):
        result = BatchRowResult()
        results.append(result)
        keys = keys_per_row[position]
        if match_on:
            matched = _match(keys, match_on, index, batch_index)
            if isinstance(matched, list):
                result.error = ValueError(_("Matches several customers: %(names)s.") % {"names": "、".join(matched)})
                continue
            if matched is not None:
                if on_existing == "abort":
                    raise BatchAbort(_("Already exists: “%(name)s”.") % {"name": matched}, code="batch_abort")
                result.existing = matched
                continue
        row_owner = owners[position] if owners is not None else _OWNER_DEFAULT
        row_owner = owner if row_owner is _OWNER_DEFAULT else row_owner
        refused = _refuse_owner(by, row_owner, may_assign)
        if refused is not None:
            result.error = refused
            continue
        try:
            customer, tags = _build(by, dict(data), row_owner, definitions, searchable, now)
        except (ValidationError, ApplicationError, ValueError) as exc:
            result.error = exc
            continue
        db_matches: dict[int, _Found] = {}
        for reason, value in keys.items():
            for item in index[reason].get(value, []) if value else []:
                db_matches.setdefault(item.pk, item)
        earlier_by_pk: dict[int, Customer] = {}
        for reason, value in keys.items():
            for other in batch_index[reason].get(value, []) if value else []:
                earlier_by_pk.setdefault(id(other), other)
        earlier = sorted(earlier_by_pk.values(), key=lambda c: row_order[id(c)])  # in row order
        matches = []
        for item in sorted(db_matches.values(), key=lambda f: f.pk)[:MAX_MATCHES]:
            is_visible = item.pk in visible
            matches.append(DuplicateMatch(
                customer_id=item.pk if is_visible else None, name=item.name, owner_name=item.owner_name,
                reasons=[r for r, v in keys.items() if v and item.keys[r] == v], is_visible=is_visible))
        for other in earlier[:max(0, MAX_MATCHES - len(matches))]:
            matches.append(DuplicateMatch(
                customer_id=None, name=other.name,
                owner_name=str(other.owner) if other.owner else str(_("public pool")),
                reasons=[r for r, v in keys.items() if v and _customer_keys(other)[r] == v]))
            in_batch_matches.append((matches[-1], other))
        if matches and not confirm_duplicates:
            result.error = DuplicatesFound(matches)
            continue
        result.duplicates = matches
        result.customer = customer
        row_order[id(customer)] = len(pending)
        pending.append(customer)
        for reason, value in _customer_keys(customer).items():
            if value:
                batch_index[reason].setdefault(value, []).append(customer)
        if tags:
            pending_tags.append((customer, tags))

    if pending:
        bulk_create_with_history(pending, Customer, batch_size=500, default_user=by, default_date=now)
        OwnershipLog.objects.bulk_create(
            [OwnershipLog(customer=c, action=OwnershipAction.CREATE, to_user=c.owner, by=by, reason="") for c in pending],
            batch_size=500,
        )
        for customer, tags in pending_tags:
            _tags_store(customer, tags)
    if in_batch_matches:
        # Matches with earlier rows of the batch: their ids and visibility are known once written.
        seen = set(Customer.objects.visible_to(by).filter(
            pk__in=sorted({other.pk for _m, other in in_batch_matches})).values_list("pk", flat=True))
        for match, other in in_batch_matches:
            if other.pk in seen:
                match.customer_id, match.is_visible = other.pk, True
    return results
