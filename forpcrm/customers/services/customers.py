"""Customer writes: create, update (versioned, field-level merge), tags, team, delete/restore, merge."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forpcrm.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from forpcrm.customers.models import Contact, Customer, CustomerTeamMember, OwnershipAction, OwnershipLog, Tag
from forpcrm.customers.normalize import credit_code_error
from forpcrm.customfields import registry as customfields
from forpcrm.customfields.models import Entity
from forpcrm.org.access import has_perm, require_perm
from forpcrm.org.models import Action, Module, User

from ._common import customer_keys_refresh, history_at_version, merge_stale, plain, save_with_history
from .duplicates import DuplicatesFound, customer_duplicates

# Fields a caller may write through customer_create / customer_update (plus "tags" and "custom").
WRITABLE_FIELDS = (
    "name", "short_name", "credit_code", "industry", "source", "level", "status", "country", "province", "city",
    "district", "address", "website", "phone", "email", "founded_year", "revenue", "employees", "credit_limit",
    "currency", "parent", "remarks", "last_followup_at", "next_followup_at", "last_won_at",
)
_OWNER_DEFAULT = object()

# label -> counter(customer) -> int. Later apps (contracts, payments, …) register what depends on a customer.
_DEPENDENCIES: dict[str, Callable[[Customer], int]] = {}
# Callables (survivor, merged, by) run inside customer_merge so later apps move their records too.
_MERGE_HOOKS: list[Callable[[Customer, Customer, User], None]] = []


def customer_dependency_register(label, counter: Callable[[Customer], int]) -> None:
    """Declare records that keep a customer from being deleted: ``counter(customer)`` returns how many."""
    _DEPENDENCIES[str(label)] = counter
    _DEPENDENCIES_LABELS[str(label)] = label


_DEPENDENCIES_LABELS: dict[str, Any] = {}


def customer_merge_register(hook: Callable[[Customer, Customer, User], None]) -> None:
    """Declare a callable(survivor, merged, by) that moves a later app's records during a merge."""
    if hook not in _MERGE_HOOKS:
        _MERGE_HOOKS.append(hook)


def customer_dependents(customer: Customer) -> dict[str, int]:
    """Label -> count of the records that depend on the customer (only those with a count)."""
    found = {}
    for key, counter in _DEPENDENCIES.items():
        count = counter(customer)
        if count:
            found[str(_DEPENDENCIES_LABELS.get(key, key))] = count
    return found


def _unknown_keys(data: dict) -> None:
    unknown = sorted(set(data) - set(WRITABLE_FIELDS) - {"tags", "custom"})
    if unknown:
        raise ValidationError({key: [_("This field cannot be set here.")] for key in unknown})


def _resolve_parent(customer: Customer, value) -> Customer | None:
    if value in (None, ""):
        return None
    parent = value if isinstance(value, Customer) else Customer.objects.filter(pk=value).first() if str(
        value).isdigit() else None
    if parent is None or parent.is_deleted:
        raise ValidationError({"parent": [_("The parent company does not exist.")]})
    if customer.pk:
        node, seen = parent, set()
        while node is not None and node.pk not in seen:
            if node.pk == customer.pk:
                raise ValidationError({"parent": [_("A company cannot be its own parent, directly or indirectly.")]})
            seen.add(node.pk)
            node = Customer.all_objects.filter(pk=node.parent_id).first() if node.parent_id else None
    return parent


def _conflict_keys(current: dict) -> dict:
    """Conflict values under the names callers use ("tags" as a list, not the stored text)."""
    result = dict(current)
    if "tag_names" in result:
        text = result.pop("tag_names") or ""
        result["tags"] = [t for t in text.split(", ") if t]
    return result


def _assign(customer: Customer, data: dict) -> None:
    for key, value in data.items():
        if key in ("tags", "custom"):
            continue
        if key == "parent":
            customer.parent = _resolve_parent(customer, value)
        else:
            setattr(customer, key, "" if value is None and _is_text(key) else value)


def _is_text(key: str) -> bool:
    from django.db import models

    return isinstance(Customer._meta.get_field(key), models.CharField | models.TextField)


def _validate(customer: Customer) -> None:
    customer_keys_refresh(customer)
    errors = {}
    if message := credit_code_error(customer.credit_code):
        errors["credit_code"] = [message]
    try:
        customer.full_clean(exclude=["search_text", "name_key", "phone_key", "email_key"])
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    customer_keys_refresh(customer)  # full_clean may have converted values


def tag_names_clean(names: list[str] | str | None) -> list[str]:
    """Tag names without blanks or repeats, in the given order; a string is split on commas."""
    if isinstance(names, str):
        names = names.replace("，", ",").split(",")
    wanted = list(dict.fromkeys(str(n).strip() for n in (names or []) if n and str(n).strip()))
    for name in wanted:
        if len(name) > 50:
            raise ValidationError({"tags": [_("A tag has at most 50 characters.")]})
    return wanted


def tag_names_text(names: list[str]) -> str:
    return ", ".join(sorted(names))


def _tags_store(customer: Customer, names: list[str]) -> None:
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    customer.tags.set([existing.get(name) or Tag.objects.create(name=name) for name in names])


def _tags_apply(customer: Customer, names: list[str] | str | None, *, by: User | None = None) -> None:
    """Set the customer's tags (a versioned change, kept in history)."""
    wanted = tag_names_clean(names)
    text = tag_names_text(wanted)
    if text != customer.tag_names:
        customer.tag_names = text
        if len(text) > 1000:
            raise ValidationError({"tags": [_("Too many tags.")]})
        save_with_history(customer, by=by or customer.updated_by)
    _tags_store(customer, wanted)


def ownership_log(customer: Customer, action: str, *, from_user=None, to_user=None, by=None, reason="") -> None:
    OwnershipLog.objects.create(
        customer=customer, action=action, from_user=from_user, to_user=to_user, by=by, reason=(reason or "")[:255]
    )


def _check_can_edit(customer: Customer, by: User) -> None:
    if not Customer.objects.editable_by(by).filter(pk=customer.pk).exists():
        raise PermissionDeniedError(_("You may not change this customer."))


@transaction.atomic
def customer_create(*, by: User, data: dict, owner=_OWNER_DEFAULT, confirm_duplicates: bool = False) -> Customer:
    """Create a customer owned by ``owner`` (the creator by default; None puts it in the pool).

    Validates every field, the credit code and the user-defined fields; raises DuplicatesFound when
    likely duplicates exist and ``confirm_duplicates`` is False. Logs the initial ownership.
    """
    require_perm(by, Module.CUSTOMERS, Action.CREATE)
    data = dict(data)
    _unknown_keys(data)
    if owner is _OWNER_DEFAULT:
        owner = by
    if owner is not None and owner.pk != by.pk and not (
        has_perm(by, Module.CUSTOMERS, Action.TRANSFER) or has_perm(by, Module.POOL, Action.TRANSFER)
    ):
        raise PermissionDeniedError(_("You may not create customers for another user."))
    if owner is not None and not owner.is_active:
        raise ValidationError({"owner": [_("The owner must be an active user.")]})
    customer = Customer(created_by=by, owner=owner, version=0)
    _assign(customer, data)
    customer.custom = customfields.clean_values(Entity.CUSTOMER, data.get("custom") or {})
    customer.department_id = owner.department_id if owner else by.department_id
    tags = tag_names_clean(data.get("tags"))
    customer.tag_names = tag_names_text(tags)
    now = timezone.now()
    if owner is not None:
        customer.owned_since = now
    else:
        customer.pool_entered_at = now
    _validate(customer)
    if not confirm_duplicates:
        matches = customer_duplicates(data=data, user=by)
        if matches:
            raise DuplicatesFound(matches)
    save_with_history(customer, by=by)
    if tags:
        _tags_store(customer, tags)
    ownership_log(customer, OwnershipAction.CREATE, to_user=owner, by=by)
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, by: User, data: dict, expected_version: int | None,
                    strict: bool = False, confirm_duplicates: bool = True) -> Customer:
    """Write the keys of ``data``. On a stale ``expected_version``: strict (API If-Match) refuses with
    ConflictError; otherwise the change is merged field by field and a field changed by both sides
    raises ConflictError with the current values, writing nothing (case C10)."""
    data = dict(data)
    _unknown_keys(data)
    _check_can_edit(customer, by)
    current = Customer.objects.select_for_update().get(pk=customer.pk)
    custom_in = data.get("custom")
    custom_clean: dict[str, Any] = {}
    if custom_in is not None:
        cleaned = customfields.clean_values(Entity.CUSTOMER, custom_in, partial=True, existing={})
        custom_clean = {code: cleaned.get(code) for code in custom_in}
    tags = tag_names_clean(data.pop("tags")) if "tags" in data else None
    if tags is not None:
        data["tag_names"] = tag_names_text(tags)
    if expected_version is not None and expected_version != current.version:
        if strict:
            raise ConflictError(
                _("This record was changed by someone else (version %(current)d, yours %(yours)d).")
                % {"current": current.version, "yours": expected_version},
                current=_conflict_keys({k: plain(getattr(current, "parent_id" if k == "parent" else k))
                                        for k in data if k != "custom"}) | {"version": current.version},
            )
        base = history_at_version(current, expected_version)
        try:
            data = merge_stale(model=Customer, current=current, base=base, data=data, custom_keys=custom_clean)
        except ConflictError as exc:
            raise ConflictError(exc.message, current=_conflict_keys(exc.current)) from exc
        custom_clean = data.pop("custom", {})
    if "tag_names" in data and data["tag_names"] == current.tag_names:
        del data["tag_names"]
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
    if not confirm_duplicates:
        matches = customer_duplicates(data={**data, "name": current.name}, user=by, exclude_id=current.pk)
        if matches:
            raise DuplicatesFound(matches)
    if data or custom_clean:
        save_with_history(current, by=by)
    if "tag_names" in data:
        _tags_store(current, tags or [])
    customer.__dict__.update(current.__dict__)
    return current


@transaction.atomic
def customer_tags_set(*, customer: Customer, tags: list[str], by: User) -> Customer:
    _check_can_edit(customer, by)
    current = Customer.objects.select_for_update().get(pk=customer.pk)
    _tags_apply(current, tags, by=by)
    customer.__dict__.update(current.__dict__)
    return current


@transaction.atomic
def team_member_add(*, customer: Customer, user: User, can_edit: bool, expires_at=None, by: User) -> CustomerTeamMember:
    _check_can_edit(customer, by)
    if not user.is_active:
        raise ValidationError({"user": [_("Only active users can join the team.")]})
    if user.pk == customer.owner_id:
        raise ValidationError({"user": [_("The owner is already responsible for this customer.")]})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": [_("The expiry must be in the future.")]})
    member, _created = CustomerTeamMember.objects.update_or_create(
        customer=customer, user=user, defaults={"can_edit": bool(can_edit), "expires_at": expires_at}
    )
    return member


@transaction.atomic
def team_member_remove(*, customer: Customer, user: User, by: User) -> None:
    _check_can_edit(customer, by)
    CustomerTeamMember.objects.filter(customer=customer, user=user).delete()


@transaction.atomic
def customer_delete(*, customer: Customer, by: User) -> None:
    """Move the customer and its contacts to the recycle bin in one batch. Refused (ApplicationError
    listing the dependents) while records registered with customer_dependency_register depend on it."""
    require_perm(by, Module.CUSTOMERS, Action.DELETE)
    _check_can_edit(customer, by)
    current = Customer.objects.select_for_update().get(pk=customer.pk)
    dependents = customer_dependents(current)
    if dependents:
        listing = "、".join(f"{label} ({count})" for label, count in dependents.items())
        raise ApplicationError(
            _("“%(name)s” cannot be deleted while these records depend on it: %(list)s.")
            % {"name": current.name, "list": listing},
            code="customer_has_dependents", extra={"dependents": dependents},
        )
    now = timezone.now()
    for contact in Contact.objects.filter(customer=current):
        contact.deleted_at, contact.deleted_by = now, by
        save_with_history(contact, by=by, reason="deleted with customer")
    current.deleted_at, current.deleted_by = now, by
    save_with_history(current, by=by)
    customer.__dict__.update(current.__dict__)


def _deleted_visible(by: User, pk: int) -> Customer:
    found = Customer.all_objects.deleted().visible_to(by).filter(pk=pk).first()
    if found is None:
        raise ApplicationError(_("This customer is not in the recycle bin."), code="not_deleted")
    return found


@transaction.atomic
def customer_restore(*, customer: Customer, by: User) -> Customer:
    """Bring a customer back from the recycle bin with the contacts that were deleted with it."""
    require_perm(by, Module.CUSTOMERS, Action.DELETE)
    current = _deleted_visible(by, customer.pk)
    if current.merged_into_id:
        raise ApplicationError(_("This customer was merged into another one and cannot be restored."),
                               code="customer_merged")
    batch = current.deleted_at
    for contact in Contact.all_objects.filter(customer=current, deleted_at=batch):
        contact.deleted_at, contact.deleted_by = None, None
        save_with_history(contact, by=by, reason="restored with customer")
    current.deleted_at, current.deleted_by = None, None
    save_with_history(current, by=by)
    customer.__dict__.update(current.__dict__)
    return current


_MERGE_FILL = tuple(f for f in WRITABLE_FIELDS if f not in ("name", "parent"))


@transaction.atomic
def customer_merge(*, survivor: Customer, merged: Customer, by: User) -> Customer:
    """Fold ``merged`` into ``survivor``: contacts, team, tags, ownership log and the records of later
    apps (merge hooks) move; empty fields of the survivor are filled; ``merged`` goes to the recycle
    bin marked as merged. Both must be editable by ``by``."""
    if survivor.pk == merged.pk:
        raise ApplicationError(_("A customer cannot be merged with itself."), code="merge_same")
    require_perm(by, Module.CUSTOMERS, Action.EDIT)
    _check_can_edit(survivor, by)
    _check_can_edit(merged, by)
    locked = {c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=[survivor.pk, merged.pk])}
    keep, gone = locked[survivor.pk], locked[merged.pk]
    if keep.parent_id == gone.pk:
        keep.parent = gone.parent
    for field in _MERGE_FILL:
        if getattr(keep, field) in (None, "") and getattr(gone, field) not in (None, ""):
            setattr(keep, field, getattr(gone, field))
    keep.custom = {**(gone.custom or {}), **(keep.custom or {})}
    Contact.all_objects.filter(customer=gone).update(customer=keep)
    for member in CustomerTeamMember.objects.filter(customer=gone):
        if member.user_id != keep.owner_id and not CustomerTeamMember.objects.filter(
                customer=keep, user_id=member.user_id).exists():
            CustomerTeamMember.objects.create(customer=keep, user_id=member.user_id, can_edit=member.can_edit,
                                              expires_at=member.expires_at)
    CustomerTeamMember.objects.filter(customer=gone).delete()
    merged_tags = tag_names_clean([*keep.tags.values_list("name", flat=True), *gone.tags.values_list("name", flat=True)])
    keep.tag_names = tag_names_text(merged_tags)
    _tags_store(keep, merged_tags)
    OwnershipLog.objects.filter(customer=gone).update(customer=keep)
    Customer.all_objects.filter(parent=gone).exclude(pk=keep.pk).update(parent=keep)
    for hook in _MERGE_HOOKS:
        hook(keep, gone, by)
    reason = _("“%(merged)s” (#%(id)s) merged into this customer") % {"merged": gone.name, "id": gone.pk}
    customer_keys_refresh(keep)
    save_with_history(keep, by=by, reason=reason)
    ownership_log(keep, OwnershipAction.MERGE, from_user=gone.owner, to_user=keep.owner, by=by, reason=reason)
    gone.merged_into = keep
    gone.deleted_at, gone.deleted_by = timezone.now(), by
    save_with_history(gone, by=by, reason=_("merged into #%(id)s") % {"id": keep.pk})
    survivor.__dict__.update(keep.__dict__)
    return keep
