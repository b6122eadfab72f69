"""The public pool and ownership: claim, release, assign, transfer, bulk actions, automatic return."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from forpcrm.core.errors import ApplicationError, PermissionDeniedError
from forpcrm.customers.models import Customer, CustomerStatus, OwnershipAction, PoolRule
from forpcrm.org.access import require_perm
from forpcrm.org.models import Action, Module, User

from ._common import save_with_history
from .customers import customer_delete, customer_tags_set, ownership_log


def owned_cap(user: User) -> int | None:
    """How many customers the user may own: the smallest cap among the user's roles (None: no cap)."""
    if user.is_superuser:
        return None
    caps = [c for c in user.roles.values_list("max_owned_customers", flat=True) if c is not None]
    return min(caps) if caps else None


def pool_rule_for(level: str, rules: dict[str, PoolRule] | None = None) -> PoolRule | None:
    """The active rule of the level, else the default rule (empty level)."""
    if rules is None:
        rules = {r.level: r for r in PoolRule.objects.filter(is_active=True)}
    return rules.get(level or "") or rules.get("")


def _lock(customer: Customer) -> Customer:
    return Customer.objects.select_for_update().get(pk=customer.pk)


def _take(current: Customer, to: User, *, by: User | None) -> None:
    current.owner = to
    current.department_id = to.department_id
    current.owned_since = timezone.now()
    current.pool_entered_at = None
    current.pool_warned_at = None
    save_with_history(current, by=by)


def _to_pool(current: Customer, *, by: User | None, reason: str = "") -> None:
    current.previous_owner_id = current.owner_id
    current.owner = None
    current.pool_entered_at = timezone.now()
    current.pool_warned_at = None
    current.owned_since = None
    save_with_history(current, by=by, reason=reason)


def _check_active(to: User) -> None:
    if not to.is_active:
        raise ValidationError({"to": [_("The new owner must be an active user.")]})


def _check_cap(user: User, *, adding: int = 1) -> None:
    cap = owned_cap(user)
    if cap is None:
        return
    # Lock the user row so that two claims at the same moment cannot both pass the count.
    User.objects.select_for_update().filter(pk=user.pk).first()
    owned = Customer.objects.filter(owner=user).count()
    if owned + adding > cap:
        raise ApplicationError(
            _("%(user)s already owns %(owned)d customers; the limit is %(cap)d.")
            % {"user": user, "owned": owned, "cap": cap}, code="owned_cap_reached",
        )


@transaction.atomic
def customer_claim(*, customer: Customer, by: User) -> Customer:
    """Take a customer from the pool. Needs pool view; respects the owned-customer cap and the
    reclaim block of the previous owner."""
    require_perm(by, Module.POOL, Action.VIEW)
    if not Customer.objects.visible_to(by).filter(pk=customer.pk, owner__isnull=True).exists():
        raise ApplicationError(_("This customer is no longer in the public pool."), code="not_in_pool")
    current = _lock(customer)
    if current.owner_id is not None:
        raise ApplicationError(_("This customer is no longer in the public pool."), code="not_in_pool")
    rule = pool_rule_for(current.level)
    if rule and rule.reclaim_block_days and current.previous_owner_id == by.pk and current.pool_entered_at:
        until = current.pool_entered_at + dt.timedelta(days=rule.reclaim_block_days)
        if timezone.now() < until:
            raise ApplicationError(
                _("You released this customer recently; you may claim it again from %(date)s.")
                % {"date": timezone.localtime(until).strftime("%Y-%m-%d %H:%M")}, code="reclaim_blocked",
            )
    _check_cap(by)
    _take(current, by, by=by)
    ownership_log(current, OwnershipAction.CLAIM, to_user=by, by=by)
    customer.__dict__.update(current.__dict__)
    return current


@transaction.atomic
def customer_release(*, customer: Customer, by: User, reason: str) -> Customer:
    """Give an owned customer back to the pool, with a reason. The owner or anyone who may edit it."""
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the customer goes back to the pool.")]})
    current = _lock(customer)
    if current.owner_id is None:
        raise ApplicationError(_("This customer is already in the public pool."), code="already_in_pool")
    if current.owner_id != by.pk and not Customer.objects.editable_by(by).filter(pk=current.pk).exists():
        raise PermissionDeniedError(_("You may not release this customer."))
    previous = current.owner
    _to_pool(current, by=by, reason=reason.strip())
    ownership_log(current, OwnershipAction.RELEASE, from_user=previous, by=by, reason=reason.strip())
    customer.__dict__.update(current.__dict__)
    return current


@transaction.atomic
def customer_assign(*, customer: Customer, to: User, by: User) -> Customer:
    """Give a pool customer to a user. Needs the pool transfer permission; the owned-customer cap of the
    receiving user applies."""
    require_perm(by, Module.POOL, Action.TRANSFER)
    _check_active(to)
    if not Customer.objects.visible_to(by).filter(pk=customer.pk, owner__isnull=True).exists():
        raise ApplicationError(_("This customer is no longer in the public pool."), code="not_in_pool")
    current = _lock(customer)
    if current.owner_id is not None:
        raise ApplicationError(_("This customer is no longer in the public pool."), code="not_in_pool")
    _check_cap(to)
    _take(current, to, by=by)
    ownership_log(current, OwnershipAction.ASSIGN, to_user=to, by=by)
    customer.__dict__.update(current.__dict__)
    return current


@transaction.atomic
def customer_transfer(*, customer: Customer, to: User, by: User, reason: str = "") -> Customer:
    """Hand an owned customer (and with it its contacts) to another active user. Needs customers
    transfer and the right to edit the record."""
    require_perm(by, Module.CUSTOMERS, Action.TRANSFER)
    _check_active(to)
    if not Customer.objects.editable_by(by).filter(pk=customer.pk).exists():
        raise PermissionDeniedError(_("You may not transfer this customer."))
    current = _lock(customer)
    if current.owner_id == to.pk:
        raise ApplicationError(_("%(user)s already owns this customer.") % {"user": to}, code="same_owner")
    previous = current.owner
    _take(current, to, by=by)
    ownership_log(current, OwnershipAction.TRANSFER, from_user=previous, to_user=to, by=by, reason=reason)
    customer.__dict__.update(current.__dict__)
    return current


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)


BULK_ACTIONS = ("transfer", "tag", "release", "delete")


def customers_bulk(*, action: str, customer_ids: list[int], by: User, **params) -> BulkResult:
    """Apply one action to many customers, checking each record; one failure does not stop the rest.

    params: transfer → to (User), reason; tag → tags (list[str]), mode ("add" or "set"); release → reason.
    """
    if action not in BULK_ACTIONS:
        raise ApplicationError(_("Unknown bulk action “%(action)s”.") % {"action": action}, code="unknown_action")
    result = BulkResult()
    visible = Customer.objects.visible_to(by).in_bulk(list(dict.fromkeys(int(i) for i in customer_ids)))
    for pk in dict.fromkeys(int(i) for i in customer_ids):
        customer = visible.get(pk)
        if customer is None:
            result.failed[pk] = str(_("Not found."))
            continue
        try:
            with transaction.atomic():
                _bulk_one(action, customer, by, params)
        except ValidationError as exc:
            result.failed[pk] = " ".join(m for ms in exc.message_dict.values() for m in ms) if hasattr(
                exc, "error_dict") else " ".join(exc.messages)
        except ApplicationError as exc:
            result.failed[pk] = exc.message
        else:
            result.done.append(pk)
    return result


def _bulk_one(action: str, customer: Customer, by: User, params: dict) -> None:
    if action == "transfer":
        customer_transfer(customer=customer, to=params["to"], by=by, reason=params.get("reason", ""))
    elif action == "release":
        customer_release(customer=customer, by=by, reason=params.get("reason", ""))
    elif action == "delete":
        customer_delete(customer=customer, by=by)
    elif action == "tag":
        tags = list(params.get("tags") or [])
        if params.get("mode", "add") == "add":
            tags = [*customer.tags.values_list("name", flat=True), *tags]
        customer_tags_set(customer=customer, tags=tags, by=by)


def _deadline_expr(rule: PoolRule):
    """(followup_base, won_base) expressions: when the clock for each condition started."""
    return (Coalesce("last_followup_at", "owned_since", "created_at"),
            Coalesce("last_won_at", "owned_since", "created_at"))


def _due_at(customer: Customer, rule: PoolRule) -> dt.datetime | None:
    moments = []
    started = customer.owned_since or customer.created_at
    if rule.days_without_followup is not None:
        moments.append((customer.last_followup_at or started) + dt.timedelta(days=rule.days_without_followup))
    if rule.days_without_won is not None:
        moments.append((customer.last_won_at or started) + dt.timedelta(days=rule.days_without_won))
    return min(moments) if moments else None


def _warn_owner(customer: Customer, *, due: dt.datetime, window_start: dt.datetime) -> None:
    """Tell the owner the customer returns to the pool soon (once per warning window), with the return
    date in the owner's time zone; the text is shown in the reader's language."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils.translation import gettext_noop

    from forpcrm.core.timezones import utc_to_local
    from forpcrm.notifications.messages import message
    from forpcrm.notifications.models import NotificationKind
    from forpcrm.notifications.services import notify

    owner = customer.owner
    notify(
        recipient=owner, kind=NotificationKind.POOL_WARNING,
        title=message(gettext_noop("%(name)s returns to the public pool on %(date)s"), name=customer.name,
                      date=utc_to_local(due, owner.time_zone or settings.TIME_ZONE).date()),
        body=message(gettext_noop("Add a follow-up or win a deal before then to keep this customer.")),
        url=reverse("customers:customer_detail", args=[customer.pk]), obj=customer,
        dedupe_key=f"pool-warning:{customer.pk}:{window_start.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}",
    )


def pool_rules_apply(*, now: dt.datetime | None = None) -> dict:
    """Return owned customers to the pool after N days without a follow-up or M days without a won
    deal (per level; the rule with an empty level is the default), and mark those due within the
    warning window (``pool_warned_at``, once per cycle). Idempotent: a second run changes nothing.

    Returns {"returned": [ids], "warned": [ids]}.
    """
    now = now or timezone.now()
    rules = {r.level: r for r in PoolRule.objects.filter(is_active=True)}
    returned: list[int] = []
    warned: list[int] = []
    for level, rule in rules.items():
        if rule.days_without_followup is None and rule.days_without_won is None:
            continue
        qs = Customer.objects.filter(owner__isnull=False)
        qs = qs.filter(level=level) if level else qs.exclude(level__in=[lv for lv in rules if lv])
        if rule.exempt_won_customers:
            qs = qs.exclude(status=CustomerStatus.WON)
        followup_base, won_base = _deadline_expr(rule)
        horizon = now + dt.timedelta(days=rule.warn_days_before or 0)
        condition = Q()
        if rule.days_without_followup is not None:
            condition |= Q(_followup_base__lte=horizon - dt.timedelta(days=rule.days_without_followup))
        if rule.days_without_won is not None:
            condition |= Q(_won_base__lte=horizon - dt.timedelta(days=rule.days_without_won))
        candidates = qs.annotate(_followup_base=followup_base, _won_base=won_base).filter(condition)
        for pk in candidates.order_by("id").values_list("pk", flat=True).iterator(chunk_size=500):
            outcome = _apply_one(pk, rule, now)
            if outcome == "returned":
                returned.append(pk)
            elif outcome == "warned":
                warned.append(pk)
    return {"returned": returned, "warned": warned}


@transaction.atomic
def _apply_one(pk: int, rule: PoolRule, now: dt.datetime) -> str | None:
    current = Customer.objects.select_for_update().filter(pk=pk, owner__isnull=False).first()
    if current is None or (rule.exempt_won_customers and current.status == CustomerStatus.WON):
        return None
    due = _due_at(current, rule)
    if due is None:
        return None
    if due <= now:
        previous = current.owner
        if rule.days_without_followup is not None and (current.last_followup_at or current.owned_since or
                                                       current.created_at) + dt.timedelta(
                days=rule.days_without_followup) <= now:
            reason = _("No follow-up for %(days)d days.") % {"days": rule.days_without_followup}
        else:
            reason = _("No won deal for %(days)d days.") % {"days": rule.days_without_won}
        _to_pool(current, by=None, reason=reason)
        ownership_log(current, OwnershipAction.AUTO_RETURN, from_user=previous, by=None, reason=reason)
        return "returned"
    window_start = due - dt.timedelta(days=rule.warn_days_before or 0)
    if rule.warn_days_before and now >= window_start and (
            current.pool_warned_at is None or current.pool_warned_at < window_start):
        Customer.objects.filter(pk=pk).update(pool_warned_at=now)
        _warn_owner(current, due=due, window_start=window_start)
        return "warned"
    return None


__all__ = [
    "BulkResult", "customer_assign", "customer_claim", "customer_release", "customer_transfer", "customers_bulk",
    "owned_cap", "pool_rule_for", "pool_rules_apply",
]
