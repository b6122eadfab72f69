"""The automatic summary: SQL aggregates over half-open periods in the author's own time zone."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from forpcrm.customers.models import Customer
from forpcrm.customers.tests.factories import CustomerFactory
from forpcrm.sales.activity.models import FollowUp, VisitPlan
from forpcrm.sales.activity.services import followup_create, visit_create
from forpcrm.sales.models import Opportunity, StageChange
from forpcrm.sales.reports.periods import deadline_for, latest_due_period, period_bounds_utc, period_for
from forpcrm.sales.reports.summary import (
    SummaryLine,
    summary_compute,
    summary_provider_register,
    summary_value,
)
from forpcrm.sales.services import opportunity_lost, opportunity_stage_move, opportunity_won
from forpcrm.sales.tests.factories import make_opportunity, stage

from .conftest import at

pytestmark = pytest.mark.django_db

TZ = "America/New_York"  # UTC-4 in March 2024 (summer time from 10 March)
DAY = dt.date(2024, 3, 15)
# Local midnight of 15 March is 04:00Z; of 16 March, 04:00Z the next day.
JUST_BEFORE = at(2024, 3, 15, 3, 59, 59)
FIRST = at(2024, 3, 15, 4, 0, 0)
LAST = at(2024, 3, 16, 3, 59, 59)
JUST_AFTER = at(2024, 3, 16, 4, 0, 0)
EDGES = [JUST_BEFORE, FIRST, LAST, JUST_AFTER]


def test_periods_are_half_open_dates():
    assert period_for("daily", dt.date(2024, 2, 29)) == (dt.date(2024, 2, 29), dt.date(2024, 3, 1))
    assert period_for("weekly", dt.date(2024, 3, 17)) == (dt.date(2024, 3, 11), dt.date(2024, 3, 18))
    assert period_for("monthly", dt.date(2024, 12, 31)) == (dt.date(2024, 12, 1), dt.date(2025, 1, 1))
    assert period_bounds_utc(DAY, DAY + dt.timedelta(days=1), TZ) == (FIRST, JUST_AFTER)
    assert period_bounds_utc(DAY, DAY + dt.timedelta(days=1), "Asia/Shanghai") == (
        at(2024, 3, 14, 16), at(2024, 3, 15, 16))


def _local_day(instant) -> dt.date:
    return instant.astimezone(ZoneInfo(TZ)).date()


def test_summary_equals_an_independent_count_at_the_period_edges(sales_rep, sales_manager, pipeline):
    sales_rep.time_zone = TZ
    sales_rep.save(update_fields=["time_zone"])
    customer = CustomerFactory(owner=sales_rep, by=sales_rep, name="纽约边界测试有限公司")
    # customers created by / owned by the author at each edge (+ one of someone else inside)
    edge_customers = [CustomerFactory(owner=sales_rep, name=f"边界客户{i}") for i in range(4)]
    for c, when in zip(edge_customers, EDGES, strict=True):
        Customer.all_objects.filter(pk=c.pk).update(created_at=when)
    Customer.all_objects.filter(pk=customer.pk).update(created_at=at(2024, 1, 1))
    other = CustomerFactory(owner=sales_manager, name="别人的客户")
    Customer.all_objects.filter(pk=other.pk).update(created_at=FIRST)
    # follow-ups of two kinds at each edge
    for when in EDGES:
        followup_create(by=sales_rep, data={"customer": customer, "kind": "phone", "at": when, "content": "电话"})
    followup_create(by=sales_rep, data={"customer": customer, "kind": "visit", "at": LAST, "content": "拜访"})
    # visits: done and planned at each edge
    for when in EDGES:
        visit_create(by=sales_rep, data={"customer": customer, "starts_at": when, "purpose": "拜访"})
    first_visit = VisitPlan.objects.filter(starts_at=FIRST).first()
    VisitPlan.objects.filter(pk=first_visit.pk).update(status="done")
    # opportunities created at each edge, with amounts
    opportunities = [make_opportunity(sales_rep, pipeline, customer=customer, by=sales_rep, name=f"机会{i}",
                                      amount=f"{100 * (i + 1)}.10") for i in range(4)]
    for o, when in zip(opportunities, EDGES, strict=True):
        Opportunity.all_objects.filter(pk=o.pk).update(created_at=when)
    # stage changes by the author at each edge; won and lost on local dates 14, 15, 16 March
    for o, when in zip(opportunities, EDGES, strict=True):
        opportunity_stage_move(opportunity=o, stage=stage(pipeline, "Propose"), by=sales_rep)
        StageChange.objects.filter(opportunity=o, from_stage__isnull=False).update(at=when)
    opportunity_won(opportunity=opportunities[0], by=sales_rep, closed_on=dt.date(2024, 3, 14))
    opportunity_won(opportunity=opportunities[1], by=sales_rep, closed_on=DAY)
    opportunity_won(opportunity=opportunities[2], by=sales_rep, closed_on=DAY)
    opportunity_lost(opportunity=opportunities[3], by=sales_rep, reason="价格", closed_on=dt.date(2024, 3, 16))
    StageChange.objects.filter(opportunity__in=opportunities, to_status__in=["won", "lost"]).update(
        at=at(2024, 4, 1))

    summary = summary_compute(author=sales_rep, period_start=DAY, period_end=DAY + dt.timedelta(days=1))

    def expect(rows) -> int:
        return sum(1 for when in rows if _local_day(when) == DAY)

    mine = Customer.all_objects.filter(owner=sales_rep) | Customer.all_objects.filter(created_by=sales_rep)
    assert summary_value(summary, "customers_new")["count"] == expect(c.created_at for c in mine.distinct()) == 2
    followups = list(FollowUp.objects.filter(owner=sales_rep))
    assert summary_value(summary, "followups") == {
        "key": "followups", "count": expect(f.at for f in followups), "amount": None,
        "breakdown": {"phone": 2, "visit": 1}}
    assert summary_value(summary, "followups")["count"] == 3
    visits = list(VisitPlan.objects.filter(owner=sales_rep))
    assert summary_value(summary, "visits_done")["count"] == expect(v.starts_at for v in visits if v.status == "done") == 1
    assert summary_value(summary, "visits_planned")["count"] == expect(
        v.starts_at for v in visits if v.status == "planned") == 1
    created = [o for o in Opportunity.objects.filter(owner=sales_rep) if _local_day(o.created_at) == DAY]
    assert summary_value(summary, "opportunities_new") == {
        "key": "opportunities_new", "count": 2, "amount": str(sum(o.amount for o in created)), "breakdown": {}}
    assert summary_value(summary, "opportunities_new")["amount"] == "500.20"
    moves = StageChange.objects.filter(by=sales_rep, from_stage__isnull=False)
    assert summary_value(summary, "opportunities_advanced")["count"] == expect(s.at for s in moves) == 2
    assert summary_value(summary, "opportunities_won") == {"key": "opportunities_won", "count": 2,
                                                           "amount": "500.20", "breakdown": {}}
    assert summary_value(summary, "opportunities_lost") == {"key": "opportunities_lost", "count": 0,
                                                            "amount": "0.00", "breakdown": {}}
    assert summary["time_zone"] == TZ and summary["start"] == FIRST.isoformat()


def test_summary_is_a_fixed_number_of_queries(sales_rep, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        summary_compute(author=sales_rep, period_start=DAY, period_end=DAY + dt.timedelta(days=7))


def test_a_registered_provider_adds_its_line(sales_rep):
    summary_provider_register("test_extra", lambda ctx: [SummaryLine("extra", 3, amount=Decimal("1.005"))],
                              order=999, labels={"extra": "Extra"})
    try:
        summary = summary_compute(author=sales_rep, period_start=DAY, period_end=DAY + dt.timedelta(days=1))
        assert summary_value(summary, "extra") == {"key": "extra", "count": 3, "amount": "1.01", "breakdown": {}}
    finally:
        from forpcrm.sales.reports import summary as module

        module._PROVIDERS.pop("test_extra")


class _Rule:
    def __init__(self, kind, days, time, skip=True):
        self.kind, self.deadline_days, self.deadline_time, self.skip_weekends = kind, days, time, skip


def test_deadlines_in_the_users_zone():
    daily = _Rule("daily", 0, dt.time(9, 0))
    friday = dt.date(2024, 3, 15)
    # Friday's daily report: next working day 09:00 Shanghai = Monday 01:00Z
    assert deadline_for(daily, friday, friday + dt.timedelta(days=1), "Asia/Shanghai") == at(2024, 3, 18, 1)
    weekly = _Rule("weekly", 0, dt.time(12, 0))
    assert deadline_for(weekly, dt.date(2024, 3, 11), dt.date(2024, 3, 18), "Europe/Berlin") == at(2024, 3, 18, 11)
    monthly = _Rule("monthly", 1, dt.time(18, 0), skip=False)
    assert deadline_for(monthly, dt.date(2024, 3, 1), dt.date(2024, 4, 1), "Europe/Berlin") == at(2024, 4, 2, 16)
    # Monday 02:00Z in Shanghai: Friday's report is due (Monday 01:00Z), Saturday/Sunday need none
    assert latest_due_period(daily, "Asia/Shanghai", at(2024, 3, 18, 2)) == (friday, friday + dt.timedelta(days=1))
    assert latest_due_period(daily, "Asia/Shanghai", at(2024, 3, 18, 0, 59)) == (
        dt.date(2024, 3, 14), dt.date(2024, 3, 15))
