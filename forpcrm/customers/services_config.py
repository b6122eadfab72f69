"""Writes of the pool-rule settings (administration area)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from forpcrm.core.errors import PermissionDeniedError
from forpcrm.core.services import assign_fields
from forpcrm.org.access import has_perm
from forpcrm.org.models import Action, Module, User

from .models import PoolRule

POOL_RULE_FIELDS = ("level", "days_without_followup", "days_without_won", "exempt_won_customers",
                    "reclaim_block_days", "warn_days_before", "is_active")


def _require(by: User) -> None:
    if not (has_perm(by, Module.ADMINISTRATION, Action.CONFIGURE) or has_perm(by, Module.POOL, Action.CONFIGURE)):
        raise PermissionDeniedError(_("Only administrators may change the pool rules."))


def _validate(rule: PoolRule) -> None:
    errors: dict[str, list[str]] = {}
    if PoolRule.objects.filter(level=rule.level).exclude(pk=rule.pk).exists():
        errors["level"] = [_("There is already a rule for this level.")]
    if rule.days_without_followup is None and rule.days_without_won is None:
        errors["days_without_followup"] = [_("Set the days without a follow-up, without a won deal, or both.")]
    limits = [d for d in (rule.days_without_followup, rule.days_without_won) if d is not None]
    if limits and rule.warn_days_before and rule.warn_days_before >= min(limits):
        errors["warn_days_before"] = [_("The warning must come before the return.")]
    if errors:
        raise ValidationError(errors)
    rule.full_clean(validate_unique=False)


@transaction.atomic
def pool_rule_create(*, by: User, data: dict) -> PoolRule:
    _require(by)
    rule = PoolRule(**{k: data[k] for k in POOL_RULE_FIELDS if k in data})
    rule.level = (rule.level or "").strip()
    _validate(rule)
    rule.save()
    return rule


@transaction.atomic
def pool_rule_update(*, rule: PoolRule, by: User, data: dict) -> PoolRule:
    _require(by)
    rule = PoolRule.objects.select_for_update().get(pk=rule.pk)
    assign_fields(rule, data, POOL_RULE_FIELDS)
    rule.level = (rule.level or "").strip()
    _validate(rule)
    rule.save()
    return rule


@transaction.atomic
def pool_rule_delete(*, rule: PoolRule, by: User) -> None:
    _require(by)
    PoolRule.objects.filter(pk=rule.pk).delete()


# --- saved list views (a user's own filters and columns) ---------------------------------------------

SAVED_VIEW_LISTS = ("customers", "contacts", "pool")


@transaction.atomic
def saved_view_save(*, by: User, list_key: str, name: str, query: str, columns: list[str]):
    """Save (or overwrite, by name) the user's current filter and columns of one list."""
    from forpcrm.core.models import SavedView

    name = (name or "").strip()[:100]
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("A name is required.")]
    if list_key not in SAVED_VIEW_LISTS:
        errors["list_key"] = [_("Unknown list.")]
    if errors:
        raise ValidationError(errors)
    view, _created = SavedView.objects.update_or_create(
        user=by, list_key=list_key, name=name, defaults={"query": (query or "")[:2000], "columns": columns[:40]})
    return view


@transaction.atomic
def saved_view_delete(*, by: User, pk: int) -> bool:
    """Delete one of the user's own saved views; False when there is none with that id."""
    from forpcrm.core.models import SavedView

    deleted, _rows = SavedView.objects.filter(user=by, pk=pk).delete()
    return bool(deleted)
