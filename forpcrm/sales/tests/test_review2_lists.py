"""Kanban "newest 50" note links to the filtered list; the list's stage filter; the overview funnel in
funnel order (open stages, then won; lost is no step); the XLSX summary sheet has a header row."""

import io
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from forpcrm.sales import exports, selectors, services
from forpcrm.sales.models import StageKind
from forpcrm.sales.selectors import sales_overview

from .factories import make_opportunity, make_pipeline, stage

pytestmark = pytest.mark.django_db


def test_kanban_note_links_to_the_list_of_that_pipeline_and_stage(client_for, sales_rep, monkeypatch):
    monkeypatch.setattr(selectors, "CARDS_PER_COLUMN", 2)
    pipeline = make_pipeline()
    qualify = stage(pipeline, "Qualify")
    for i in range(3):
        make_opportunity(sales_rep, pipeline, name=f"甲{i}")
    make_opportunity(sales_rep, pipeline, name="乙", stage=stage(pipeline, "Propose"))
    client = client_for(sales_rep)
    body = client.get(reverse("sales:kanban_pipeline", args=[pipeline.pk]), {"q": "甲 ", "quick": "mine"}) \
        .content.decode()
    link = (f'<a href="/opportunities/?pipeline={pipeline.pk}&amp;stage={qualify.pk}&amp;q=%E7%94%B2%20'
            f'&amp;quick=mine" data-testid="column-more">The newest 2 are shown; use the list for the rest.</a>')
    assert link in body
    assert body.count('data-testid="column-more"') == 1  # the column with one card has no note
    listed = client.get("/opportunities/", {"pipeline": pipeline.pk, "stage": qualify.pk, "quick": "mine"})
    assert sorted(o.name for o in listed.context["opportunities"]) == ["甲0", "甲1", "甲2"]


def test_opportunity_list_has_a_stage_filter_grouped_by_pipeline(client_for, sales_rep):
    first = make_pipeline()
    second = make_pipeline(name="续约", stages=[{"name": "洽谈", "kind": StageKind.OPEN, "probability": 30},
                                               {"name": "成交", "kind": StageKind.WON, "probability": 100},
                                               {"name": "失败", "kind": StageKind.LOST, "probability": 0}])
    talk = stage(second, "洽谈")
    make_opportunity(sales_rep, first, name="新签")
    make_opportunity(sales_rep, second, name="续签")
    client = client_for(sales_rep)
    body = client.get("/opportunities/", {"stage": talk.pk}).content.decode()
    start = body.index('<select class="form-select" name="stage" aria-label="stage" data-testid="stage-filter">')
    control = body[start:body.index("</select>", start)]
    assert '<optgroup label="C17">' in control and '<optgroup label="续约">' in control
    assert control.count("<option") == 1 + 5 + 3
    assert f'<option value="{talk.pk}" selected>洽谈</option>' in control
    listed = client.get("/opportunities/", {"stage": talk.pk})
    assert [o.name for o in listed.context["opportunities"]] == ["续签"]


REVERSED = [  # a pipeline whose closed stages were set up first: the funnel still ends with won
    {"name": "Lost", "kind": StageKind.LOST, "probability": 0},
    {"name": "Won", "kind": StageKind.WON, "probability": 100},
    {"name": "Contact", "kind": StageKind.OPEN, "probability": 10},
    {"name": "Offer", "kind": StageKind.OPEN, "probability": 50},
]


def test_overview_funnel_shows_open_stages_in_order_then_won(client_for, sales_manager, sales_rep):
    pipeline = make_pipeline(name="倒序", stages=REVERSED)
    make_opportunity(sales_rep, pipeline, amount="100", stage=stage(pipeline, "Contact"))
    make_opportunity(sales_rep, pipeline, amount="40", stage=stage(pipeline, "Offer"))
    services.opportunity_won(opportunity=make_opportunity(sales_rep, pipeline, amount="30"), by=sales_rep)
    services.opportunity_lost(opportunity=make_opportunity(sales_rep, pipeline, amount="500"), by=sales_rep,
                              reason="价格")
    data = sales_overview(user=sales_manager, params={"pipeline": str(pipeline.pk)})
    assert [(r["name"], r["count"], r["amount"], r["in_funnel"]) for r in data["funnel"]] == [
        ("Contact", 1, Decimal("100.00"), True), ("Offer", 1, Decimal("40.00"), True),
        ("Won", 1, Decimal("30.00"), True), ("Lost", 1, Decimal("500.00"), False)]
    chart = exports.chart_data(data)
    assert chart["funnel"] == [{"name": "Contact", "value": 100.0, "count": 1},
                               {"name": "Offer", "value": 40.0, "count": 1},
                               {"name": "Won", "value": 30.0, "count": 1}]
    page = client_for(sales_manager).get("/sales/overview/", {"pipeline": pipeline.pk})
    html = page.content.decode()
    table = html[html.index('id="funnel-table"'):]
    table = table[:table.index("</table>")]
    assert [part.split('"', 1)[0] for part in table.split('data-kind="')[1:]] == ["open", "open", "won", "lost"]
    assert "(not a funnel step)" in table and table.count("(not a funnel step)") == 1
    start = html.index('<script id="overview-chart-data" type="application/json">') + len(
        '<script id="overview-chart-data" type="application/json">')
    shown = json.loads(html[start:html.index("</script>", start)])
    assert [step["name"] for step in shown["funnel"]] == ["Contact", "Offer", "Won"]


def test_overview_xlsx_summary_sheet_has_a_header_row(client_for, sales_manager, sales_rep):
    pipeline = make_pipeline()
    services.opportunity_won(opportunity=make_opportunity(sales_rep, pipeline, amount="300"), by=sales_rep)
    services.opportunity_lost(opportunity=make_opportunity(sales_rep, pipeline, amount="100"), by=sales_rep,
                              reason="x")
    export = client_for(sales_manager).get("/sales/overview/", {"format": "xlsx"})
    book = load_workbook(io.BytesIO(export.content))
    rows = [list(r) for r in book["Summary"].iter_rows(values_only=True)]
    assert rows[0] == ["Figure", "Count", "Amount", "Value"]
    assert rows[1:3] == [["Won", 1, 300, None], ["Lost", 1, 100, None]]
    assert rows[3] == ["Win rate (%)", None, None, 50]
    assert rows[4][0] == "Average sales cycle (days)" and rows[4][1:3] == [None, None]
    funnel = [list(r) for r in book["Funnel"].iter_rows(values_only=True)]
    assert [r[1] for r in funnel] == ["Stage", "Won", "Lost"]  # the stages with deals, won before lost
