"""Overview: period, user and department levels, cycle, rankings (scope applies)."""

import datetime as dt
from decimal import Decimal

import pytest

from forpcrm.sales import services
from forpcrm.sales.selectors import sales_overview

from .factories import make_opportunity, make_pipeline

pytestmark = pytest.mark.django_db


def _won(owner, pipeline, amount, engaged, closed):
    opp = make_opportunity(owner, pipeline, amount=amount, engaged_on=engaged)
    return services.opportunity_won(opportunity=opp, by=owner, closed_on=closed)


def test_period_levels_cycle_and_rankings(admin, sales_rep, sales_manager, sales_rep_south, departments):
    pipeline = make_pipeline()
    _won(sales_rep, pipeline, "100", dt.date(2027, 1, 1), dt.date(2027, 1, 11))
    _won(sales_rep, pipeline, "200", dt.date(2027, 3, 1), dt.date(2027, 4, 20))
    _won(sales_rep_south, pipeline, "50", dt.date(2027, 2, 1), dt.date(2027, 2, 21))
    lost = make_opportunity(sales_manager, pipeline, amount="70", engaged_on=dt.date(2027, 1, 5))
    services.opportunity_lost(opportunity=lost, by=sales_manager, reason="x", closed_on=dt.date(2027, 1, 30))

    everything = sales_overview(user=admin, params={})
    assert (everything["won"]["count"], everything["won"]["amount"], everything["lost"]["count"]) == (
        3, Decimal("350.00"), 1)
    assert everything["win_rate"] == Decimal("75.00")
    assert everything["avg_cycle_days"] == Decimal("26.7")  # (10 + 50 + 20) / 3
    assert [(q["period"], q["amount"]) for q in everything["won_by_quarter"]] == [
        ("2027-Q1", Decimal("150.00")), ("2027-Q2", Decimal("200.00"))]
    assert [(m["period"], m["amount"]) for m in everything["won_by_month"]] == [
        ("2027-01", Decimal("100.00")), ("2027-02", Decimal("50.00")), ("2027-04", Decimal("200.00"))]
    assert [(r["name"], r["amount"]) for r in everything["reps"]] == [("张销售", Decimal("300.00")),
                                                                      ("李销售", Decimal("50.00"))]
    assert [(r["name"], r["amount"]) for r in everything["managers"]] == [("王经理", Decimal("300.00")),
                                                                          ("—", Decimal("50.00"))]
    assert [(r["name"], r["amount"]) for r in everything["departments"]] == [("上海组", Decimal("300.00")),
                                                                             ("华南大区", Decimal("50.00"))]

    q1 = sales_overview(user=admin, params={"date_from": "2027-01-01", "date_to": "2027-03-31"})
    assert (q1["won"]["amount"], q1["lost"]["count"]) == (Decimal("150.00"), 1)
    one = sales_overview(user=admin, params={"level": "user", "user": str(sales_rep_south.pk)})
    assert one["won"]["amount"] == Decimal("50.00")
    east = sales_overview(user=admin, params={"level": "department", "department": str(departments.east.pk)})
    assert (east["won"]["amount"], east["lost"]["count"]) == (Decimal("300.00"), 1)

    # scope: the manager sees himself and his rep, never the south
    manager = sales_overview(user=sales_manager, params={})
    assert (manager["won"]["amount"], manager["lost"]["count"]) == (Decimal("300.00"), 1)
    rep = sales_overview(user=sales_rep, params={"level": "user", "user": str(sales_rep_south.pk)})
    assert rep["won"]["count"] == 0
