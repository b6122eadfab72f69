import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from forpcrm.core.errors import ApplicationError, PermissionDeniedError
from forpcrm.customers import services
from forpcrm.customers.models import Customer, CustomerStatus, OwnershipAction, OwnershipLog, PoolRule
from forpcrm.customers.tasks import apply_pool_rules
from forpcrm.customers.tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _log(customer):
    return list(OwnershipLog.objects.filter(customer=customer).order_by("at", "id").values_list(
        "action", "from_user", "to_user", "by", "reason"))


def test_claim_takes_a_pool_customer_and_logs_it(sales_rep):
    customer = CustomerFactory(by=sales_rep, owner=None, name="公海一号")
    services.customer_claim(customer=customer, by=sales_rep)
    customer.refresh_from_db()
    assert (customer.owner, customer.department, customer.pool_entered_at) == (sales_rep, sales_rep.department, None)
    assert _log(customer)[-1] == (OwnershipAction.CLAIM, None, sales_rep.pk, sales_rep.pk, "")


def test_claim_respects_the_smallest_cap_of_the_users_roles(sales_rep, roles):
    roles["sales_rep"].max_owned_customers = 2
    roles["sales_rep"].save()
    CustomerFactory(owner=sales_rep, name="已有一")
    CustomerFactory(owner=sales_rep, name="已有二")
    pooled = CustomerFactory(by=sales_rep, owner=None, name="公海二号")
    with pytest.raises(ApplicationError) as exc:
        services.customer_claim(customer=pooled, by=sales_rep)
    assert exc.value.code == "owned_cap_reached"
    pooled.refresh_from_db()
    assert pooled.owner is None
    sales_rep.roles.add(roles["admin"])  # admin has no cap: the smallest cap (2) still applies
    assert services.owned_cap(sales_rep) == 2


def test_owned_cap_is_none_when_no_role_caps(customer_service):
    assert services.owned_cap(customer_service) is None


def test_claim_needs_pool_view(customer_service, sales_rep):
    pooled = CustomerFactory(by=sales_rep, owner=None, name="公海三号")
    with pytest.raises(PermissionDeniedError):
        services.customer_claim(customer=pooled, by=customer_service)


def test_previous_owner_may_not_reclaim_within_the_block(sales_rep):
    PoolRule.objects.create(level="", reclaim_block_days=7)
    customer = CustomerFactory(owner=sales_rep, name="退回公司")
    services.customer_release(customer=customer, by=sales_rep, reason="没有需求")
    with pytest.raises(ApplicationError) as exc:
        services.customer_claim(customer=customer, by=sales_rep)
    assert exc.value.code == "reclaim_blocked"
    Customer.objects.filter(pk=customer.pk).update(pool_entered_at=timezone.now() - dt.timedelta(days=8))
    services.customer_claim(customer=customer, by=sales_rep)
    customer.refresh_from_db()
    assert customer.owner == sales_rep


def test_release_needs_a_reason_and_logs_from_whom(sales_rep, sales_rep_south):
    customer = CustomerFactory(owner=sales_rep, name="释放公司")
    with pytest.raises(ValidationError):
        services.customer_release(customer=customer, by=sales_rep, reason="  ")
    with pytest.raises(PermissionDeniedError):
        services.customer_release(customer=customer, by=sales_rep_south, reason="不是我的")
    services.customer_release(customer=customer, by=sales_rep, reason="客户倒闭")
    customer.refresh_from_db()
    assert (customer.owner, customer.previous_owner) == (None, sales_rep)
    assert _log(customer)[-1] == (OwnershipAction.RELEASE, sales_rep.pk, None, sales_rep.pk, "客户倒闭")


def test_assign_needs_pool_transfer(sales_manager, sales_rep):
    customer = CustomerFactory(by=sales_manager, owner=None, name="分配公司")
    with pytest.raises(PermissionDeniedError):
        services.customer_assign(customer=customer, to=sales_rep, by=sales_rep)
    services.customer_assign(customer=customer, to=sales_rep, by=sales_manager)
    customer.refresh_from_db()
    assert customer.owner == sales_rep
    assert _log(customer)[-1] == (OwnershipAction.ASSIGN, None, sales_rep.pk, sales_manager.pk, "")


def test_transfer_checks_permission_editability_and_active_target(sales_manager, sales_rep, sales_rep_south):
    customer = CustomerFactory(owner=sales_rep, name="转移公司")
    with pytest.raises(PermissionDeniedError):  # sales reps may not transfer
        services.customer_transfer(customer=customer, to=sales_rep, by=sales_rep_south)
    inactive = UserFactory(is_active=False)
    with pytest.raises(ValidationError):
        services.customer_transfer(customer=customer, to=inactive, by=sales_manager)
    services.customer_transfer(customer=customer, to=sales_rep_south, by=sales_manager, reason="区域调整")
    customer.refresh_from_db()
    assert (customer.owner, customer.department) == (sales_rep_south, sales_rep_south.department)
    assert _log(customer)[-1] == (
        OwnershipAction.TRANSFER, sales_rep.pk, sales_rep_south.pk, sales_manager.pk, "区域调整")


def test_bulk_checks_each_record(sales_manager, sales_rep, sales_rep_south):
    mine = CustomerFactory(owner=sales_rep, name="批量一")
    theirs = CustomerFactory(owner=sales_rep_south, name="批量二")
    result = services.customers_bulk(action="transfer", customer_ids=[mine.pk, theirs.pk, 999999],
                                     by=sales_manager, to=sales_manager)
    assert result.done == [mine.pk]
    assert set(result.failed) == {theirs.pk, 999999}
    theirs.refresh_from_db()
    assert theirs.owner == sales_rep_south
    tagged = services.customers_bulk(action="tag", customer_ids=[mine.pk], by=sales_manager, tags=["批量"])
    assert tagged.done == [mine.pk]
    assert list(mine.tags.values_list("name", flat=True)) == ["批量"]
    released = services.customers_bulk(action="release", customer_ids=[mine.pk], by=sales_manager, reason="")
    assert list(released.failed) == [mine.pk]
    with pytest.raises(ApplicationError):
        services.customers_bulk(action="explode", customer_ids=[mine.pk], by=sales_manager)


def _aged(customer, *, days, **extra):
    moment = timezone.now() - dt.timedelta(days=days)
    Customer.objects.filter(pk=customer.pk).update(owned_since=moment, created_at=moment, **extra)


def test_pool_rules_return_warn_exempt_and_are_idempotent(sales_rep):
    PoolRule.objects.create(level="", days_without_followup=30, warn_days_before=3)
    PoolRule.objects.create(level="A", days_without_followup=90, days_without_won=365)
    stale = CustomerFactory(owner=sales_rep, name="久未跟进")
    _aged(stale, days=31)
    nearly = CustomerFactory(owner=sales_rep, name="快到期")
    _aged(nearly, days=28)
    won = CustomerFactory(owner=sales_rep, name="已成交", status=CustomerStatus.WON)
    _aged(won, days=100)
    level_a = CustomerFactory(owner=sales_rep, name="A级客户", level="A")
    _aged(level_a, days=60)
    level_a_won_old = CustomerFactory(owner=sales_rep, name="A级无成交", level="A")
    _aged(level_a_won_old, days=400, last_followup_at=timezone.now())
    fresh = CustomerFactory(owner=sales_rep, name="新客户")

    first = services.pool_rules_apply()
    assert sorted(first["returned"]) == sorted([stale.pk, level_a_won_old.pk])
    assert first["warned"] == [nearly.pk]
    stale.refresh_from_db()
    assert (stale.owner, stale.previous_owner) == (None, sales_rep)
    assert _log(stale)[-1][:4] == (OwnershipAction.AUTO_RETURN, sales_rep.pk, None, None)
    assert _log(level_a_won_old)[-1][4] == "No won deal for 365 days."
    nearly.refresh_from_db()
    warned_at = nearly.pool_warned_at
    assert warned_at is not None
    logs_before = OwnershipLog.objects.count()

    second = services.pool_rules_apply()
    assert second == {"returned": [], "warned": []}
    assert OwnershipLog.objects.count() == logs_before
    nearly.refresh_from_db()
    assert nearly.pool_warned_at == warned_at
    for customer in (won, level_a, fresh):
        customer.refresh_from_db()
        assert customer.owner == sales_rep


def test_celery_task_runs_the_rules(sales_rep):
    PoolRule.objects.create(level="", days_without_followup=1)
    stale = CustomerFactory(owner=sales_rep, name="任务退回")
    _aged(stale, days=2)
    assert apply_pool_rules() == {"returned": [stale.pk], "warned": []}


def test_assign_respects_the_receiving_users_cap(sales_manager, sales_rep, roles):
    roles["sales_rep"].max_owned_customers = 1
    roles["sales_rep"].save()
    CustomerFactory(owner=sales_rep, name="已有客户")
    pooled = CustomerFactory(by=sales_manager, owner=None, name="超限分配")
    with pytest.raises(ApplicationError) as exc:
        services.customer_assign(customer=pooled, to=sales_rep, by=sales_manager)
    assert exc.value.code == "owned_cap_reached"
    pooled.refresh_from_db()
    assert pooled.owner is None
    assert _log(pooled)[-1][0] == OwnershipAction.CREATE
