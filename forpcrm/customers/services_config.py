"""Writes of the pool-rule settings (administration area)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from forpcrm.core.errors import PermissionDeniedError
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
    for key in POOL_RULE_FIELDS:
        if key in data:
            setattr(rule, key, data[key])
    rule.level = (rule.level or "").strip()
    _validate(rule)
    rule.save()
    return rule


@transaction.atomic
def pool_rule_delete(*, rule: PoolRule, by: User) -> None:
    _require(by)
    PoolRule.objects.filter(pk=rule.pk).delete()
