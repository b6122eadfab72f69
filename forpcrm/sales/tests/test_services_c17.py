"""C17 — stage and probability on every path, plus stage requirements and history rows."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from forpcrm.core.errors import ApplicationError, PermissionDeniedError
from forpcrm.customers.tests.factories import system_user
from forpcrm.sales import services
from forpcrm.sales.models import Opportunity, OpportunityStatus, StageChange
from forpcrm.sales.selectors import sales_overview

from .factories import make_opportunity, make_pipeline, stage

pytestmark = pytest.mark.django_db


def test_probability_comes_from_the_stage_and_follows_moves(sales_rep):
    pipeline = make_pipeline()
    opp = make_opportunity(sales_rep, pipeline, amount="100000")
    assert (opp.stage.name, opp.probability, opp.status) == ("Qualify", 10, OpportunityStatus.OPEN)
    opp = services.opportunity_stage_move(opportunity=opp, stage=stage(pipeline, "Propose"), by=sales_rep)
    assert (opp.probability, opp.probability_overridden) == (40, False)
    opp = services.opportunity_update(opportunity=opp, by=sales_rep, data={"probability": 55},
                                      expected_version=opp.version)
    assert (opp.probability, opp.probability_overridden) == (55, True)
    opp = services.opportunity_stage_move(opportunity=opp, stage=stage(pipeline, "Negotiate"), by=sales_rep)
    assert (opp.probability, opp.probability_overridden) == (70, False)
    opp = services.opportunity_won(opportunity=opp, by=sales_rep, reason="价格合适")
    assert (opp.status, opp.probability, opp.close_reason) == (OpportunityStatus.WON, 100, "价格合适")
    assert opp.closed_on is not None
    rows = list(StageChange.objects.filter(opportunity=opp).values_list("from_stage__name", "to_stage__name",
                                                                         "to_status", "by__username"))
    assert rows == [(None, "Qualify", "open", "factory-system"), ("Qualify", "Propose", "open", "sales_rep"),
                    ("Propose", "Negotiate", "open", "sales_rep"), ("Negotiate", "Won", "won", "sales_rep")]


def test_bulk_move_of_three_to_70_gives_weighted_210000(sales_rep):
    pipeline = make_pipeline()
    opps = [make_opportunity(sales_rep, pipeline, amount="100000", name=f"机会{i}") for i in range(3)]
    services.opportunity_update(opportunity=opps[0], by=sales_rep, data={"probability": 25},
                                expected_version=opps[0].version)
    result = services.opportunities_bulk_stage(opportunity_ids=[o.pk for o in opps],
                                               stage=stage(pipeline, "Negotiate"), by=sales_rep)
    assert (sorted(result.done), result.failed) == (sorted(o.pk for o in opps), {})
    assert list(Opportunity.objects.order_by("id").values_list("probability", flat=True)) == [70, 70, 70]
    overview = sales_overview(user=sales_rep, params={})
    assert overview["open"]["weighted"] == Decimal("210000.00")
    negotiate = next(row for row in overview["funnel"] if row["name"] == "Negotiate")
    assert (negotiate["count"], negotiate["amount"], negotiate["weighted"]) == (3, Decimal("300000.00"),
                                                                                 Decimal("210000.00"))


def test_editing_tags_or_description_of_a_lost_one_keeps_stage_status_probability(sales_rep):
    pipeline = make_pipeline()
    opp = make_opportunity(sales_rep, pipeline, amount="100000")
    opp = services.opportunity_lost(opportunity=opp, by=sales_rep, reason="预算取消")
    before = (opp.stage_id, opp.status, opp.probability, opp.closed_on, opp.close_reason)
    opp = services.opportunity_update(opportunity=opp, by=sales_rep, data={"tags": ["重点"], "description": "复盘"},
                                      expected_version=opp.version)
    opp.refresh_from_db()
    assert (opp.stage_id, opp.status, opp.probability, opp.closed_on, opp.close_reason) == before
    assert (opp.tags, opp.description) == (["重点"], "复盘")
    assert StageChange.objects.filter(opportunity=opp).count() == 2


def test_changing_a_stage_probability_rewrites_open_ones_only(sales_rep):
    pipeline = make_pipeline()
    negotiate = stage(pipeline, "Negotiate")
    open_one = make_opportunity(sales_rep, pipeline, amount="1000", stage=negotiate)
    overridden = make_opportunity(sales_rep, pipeline, amount="1000", stage=negotiate, probability=90)
    won = services.opportunity_won(opportunity=make_opportunity(sales_rep, pipeline, stage=negotiate), by=sales_rep)
    lost = services.opportunity_lost(opportunity=make_opportunity(sales_rep, pipeline, stage=negotiate),
                                     by=sales_rep, reason="x")
    services.stage_update(stage=negotiate, by=system_user(), data={"probability": 60})
    got = {o.pk: o.probability for o in Opportunity.objects.all()}
    assert got == {open_one.pk: 60, overridden.pk: 90, won.pk: 100, lost.pk: 0}
    services.stage_update(stage=stage(pipeline, "Won"), by=system_user(), data={"probability": 50})
    assert stage(pipeline, "Won").probability == 100


def test_stage_requirements_are_checked_on_create_update_move_and_bulk(sales_rep):
    pipeline = make_pipeline()
    propose = stage(pipeline, "Propose")
    services.stage_update(stage=propose, by=system_user(), data={"required_fields": ["amount", "expected_close_date"]})
    opp = make_opportunity(sales_rep, pipeline)
    with pytest.raises(ApplicationError) as refused:
        services.opportunity_stage_move(opportunity=opp, stage=propose, by=sales_rep)
    assert refused.value.code == "stage_requirements"
    assert "amount" in refused.value.message and "expected close date" in refused.value.message
    with pytest.raises(ApplicationError):
        make_opportunity(sales_rep, pipeline, stage=propose)
    result = services.opportunities_bulk_stage(opportunity_ids=[opp.pk], stage=propose, by=sales_rep)
    assert result.done == [] and "amount" in result.failed[opp.pk]
    opp = services.opportunity_update(opportunity=opp, by=sales_rep, data={"amount": "5000",
                                      "expected_close_date": "2027-01-31", "stage": propose},
                                      expected_version=opp.version)
    assert (opp.stage_id, opp.probability) == (propose.pk, 40)


def test_a_document_requirement_refuses_until_a_check_confirms(sales_rep):
    pipeline = make_pipeline()
    negotiate = stage(pipeline, "Negotiate")
    services.stage_update(stage=negotiate, by=system_user(), data={"requires_document": True,
                                                                   "document_category": "方案"})
    opp = make_opportunity(sales_rep, pipeline)
    with pytest.raises(ApplicationError) as refused:
        services.opportunity_stage_move(opportunity=opp, stage=negotiate, by=sales_rep)
    assert "方案" in refused.value.message
    services.DOCUMENT_CHECKS.append(lambda o, s: True)
    try:
        opp = services.opportunity_stage_move(opportunity=opp, stage=negotiate, by=sales_rep)
    finally:
        services.DOCUMENT_CHECKS.pop()
    assert opp.stage_id == negotiate.pk


def test_lost_needs_a_reason_and_reps_cannot_touch_others(sales_rep, sales_rep_south):
    pipeline = make_pipeline()
    opp = make_opportunity(sales_rep, pipeline)
    with pytest.raises(ValidationError):
        services.opportunity_lost(opportunity=opp, by=sales_rep, reason=" ")
    with pytest.raises(PermissionDeniedError):
        services.opportunity_stage_move(opportunity=opp, stage=stage(pipeline, "Propose"), by=sales_rep_south)
    assert Opportunity.objects.visible_to(sales_rep_south).count() == 0
    assert Opportunity.objects.visible_to(sales_rep).count() == 1


def test_manager_sees_subordinates_and_stale_versions_conflict(sales_rep, sales_manager, sales_rep_south):
    from forpcrm.core.errors import ConflictError

    pipeline = make_pipeline()
    mine = make_opportunity(sales_rep, pipeline)
    make_opportunity(sales_rep_south, pipeline)
    assert list(Opportunity.objects.visible_to(sales_manager).values_list("pk", flat=True)) == [mine.pk]
    with pytest.raises(ConflictError):
        services.opportunity_update(opportunity=mine, by=sales_rep, data={"name": "x"}, expected_version=99)
