"""Sales pages: list, kanban (with a refused drag and drop), detail, create / edit, overview, XLSX."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from forpcrm.customers.tests.factories import CustomerFactory, system_user
from forpcrm.sales import services
from forpcrm.sales.models import Opportunity

from .factories import make_opportunity, make_pipeline, stage

pytestmark = pytest.mark.django_db
# Upper bounds: the page frame (session, user, grants, what base.html shows: ≈ 4) plus
# list: count, rows, pipelines, stages of the bulk bar, user-defined field definitions;
# kanban: pipelines, stages, column totals, cards of every column (one query).
# The exact pin is that the count does not change with the number of rows, cards or columns.
LIST_QUERIES = 10
KANBAN_QUERIES = 9


def _count(client, url, **extra):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_list_filters_sorts_pages_and_pins_queries(client_for, sales_rep, sales_rep_south):
    pipeline = make_pipeline()
    customer = CustomerFactory(owner=sales_rep, name="杭州西湖科技有限公司")
    for i in range(30):
        make_opportunity(sales_rep, pipeline, customer=customer, amount=str(1000 + i), name=f"机会{i:02d}")
    make_opportunity(sales_rep_south, pipeline, name="别人的机会")
    client = client_for(sales_rep)
    queries, response = _count(client, "/opportunities/?sort=-amount")
    body = response.content.decode()
    assert "机会29" in body and "别人的机会" not in body and "of 30" in body
    assert body.index("机会29") < body.index("机会28")
    more, _response = _count(client, "/opportunities/?sort=-amount&page=2")
    assert queries == more <= LIST_QUERIES  # the same whatever the page: no query per row
    _q, response = _count(client, "/opportunities/?q=机会07")
    assert "机会07" in response.content.decode() and "机会08" not in response.content.decode()
    _q, fragment = _count(client, "/opportunities/?q=西湖", HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode() and "机会29" in fragment.content.decode()


def test_kanban_columns_totals_and_pinned_queries(client_for, sales_rep):
    pipeline = make_pipeline()
    for i in range(3):
        make_opportunity(sales_rep, pipeline, amount="100000", name=f"K{i}")
    client = client_for(sales_rep)
    few, response = _count(client, f"/sales/kanban/{pipeline.pk}/")
    body = response.content.decode()
    assert "3 opportunities · 300,000.00" in body or "3 opportunities · 300000.00" in body
    for i in range(3, 12):
        make_opportunity(sales_rep, pipeline, amount="1", name=f"K{i}", stage=stage(pipeline, "Propose"))
    many, _response = _count(client, f"/sales/kanban/{pipeline.pk}/")
    assert few == many <= KANBAN_QUERIES  # one more non-empty column and 9 cards: no query more


def test_drag_and_drop_moves_or_shows_the_refusal(client_for, sales_rep):
    pipeline = make_pipeline()
    propose = stage(pipeline, "Propose")
    services.stage_update(stage=propose, by=system_user(), data={"required_fields": ["expected_close_date"]})
    opp = make_opportunity(sales_rep, pipeline, amount="100")
    client = client_for(sales_rep)
    refused = client.post(f"/opportunities/{opp.pk}/move/", {"stage": propose.pk}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 200
    assert 'id="kanban-error"' in refused.content.decode() and "expected close date" in refused.content.decode()
    assert Opportunity.objects.get(pk=opp.pk).stage.name == "Qualify"
    moved = client.post(f"/opportunities/{opp.pk}/move/", {"stage": stage(pipeline, "Negotiate").pk},
                        HTTP_HX_REQUEST="true")
    assert "kanban-error" not in moved.content.decode()
    assert Opportunity.objects.get(pk=opp.pk).probability == 70


def test_create_edit_detail_and_close_pages(client_for, sales_rep, sales_rep_south):
    pipeline = make_pipeline()
    customer = CustomerFactory(owner=sales_rep)
    client = client_for(sales_rep)
    assert client.get("/opportunities/new/").status_code == 200
    response = client.post("/opportunities/new/", {
        "name": "页面机会", "customer": customer.pk, "pipeline": pipeline.pk, "stage": stage(pipeline, "Propose").pk,
        "amount": "5000", "currency": "CNY", "tags": "重点, 年度"})
    opp = Opportunity.objects.get(name="页面机会")
    assert response.status_code == 302 and response["Location"] == f"/opportunities/{opp.pk}/"
    assert (opp.probability, opp.tags, opp.amount) == (40, ["年度", "重点"], Decimal("5000.00"))
    detail = client.get(f"/opportunities/{opp.pk}/").content.decode()
    assert "页面机会" in detail and "Propose" in detail
    response = client.post(f"/opportunities/{opp.pk}/edit/", {
        "name": "页面机会", "customer": customer.pk, "pipeline": pipeline.pk, "stage": opp.stage_id,
        "amount": "6000", "currency": "CNY", "probability": "55", "version": opp.version})
    opp.refresh_from_db()
    assert response.status_code == 302 and (opp.amount, opp.probability, opp.probability_overridden) == (
        Decimal("6000.00"), 55, True)
    client.post(f"/opportunities/{opp.pk}/lost/", {"reason": "价格太高"})
    opp.refresh_from_db()
    assert (opp.status, opp.probability, opp.close_reason) == ("lost", 0, "价格太高")
    other = make_opportunity(sales_rep_south, pipeline)
    assert client.get(f"/opportunities/{other.pk}/").status_code == 404


def test_overview_page_numbers_charts_and_xlsx(client_for, sales_rep, sales_manager, sales_rep_south):
    pipeline = make_pipeline()
    won = make_opportunity(sales_rep, pipeline, amount="300")
    services.opportunity_won(opportunity=won, by=sales_rep)
    lost = make_opportunity(sales_rep, pipeline, amount="100")
    services.opportunity_lost(opportunity=lost, by=sales_rep, reason="x")
    services.opportunity_won(opportunity=make_opportunity(sales_rep_south, pipeline, amount="999"), by=sales_rep_south)
    client = client_for(sales_manager)
    body = client.get("/sales/overview/").content.decode()
    assert 'id="win-rate">50.00%' in body and "300.00" in body and "999" not in body
    assert "echarts.min.js" in body and "overview-chart-data" in body
    export = client.get("/sales/overview/?format=xlsx")
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.content))
    funnel = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert funnel[0][1] == "Stage" and ["C17", "Won", 100, 1, 300, 300] in funnel
    mine = client_for(sales_rep).get(f"/sales/overview/?level=user&user={sales_rep.pk}").content.decode()
    assert 'id="won-amount">300.00' in mine
