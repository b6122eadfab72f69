"""Bulk update on the list page (C17 included), kanban quick filters, user-defined fields of
opportunities on every channel, and fixed query counts of the kanban, the list and the API list."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forpcrm.customers.tests.factories import CustomerFactory, system_user
from forpcrm.customfields.models import Entity, FieldType
from forpcrm.customfields.services import field_definition_create
from forpcrm.sales import services
from forpcrm.sales.models import Opportunity
from forpcrm.sales.selectors import sales_overview

from .factories import make_opportunity, make_pipeline, stage

pytestmark = pytest.mark.django_db


def _count(client, url, **extra):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_bulk_stage_on_the_page_gives_70_each_and_names_refused_rows(client, sales_rep, sales_rep_south):
    pipeline = make_pipeline()
    negotiate = stage(pipeline, "Negotiate")
    three = [make_opportunity(sales_rep, pipeline, amount="100000", name=f"十万{i}") for i in range(3)]
    other = make_pipeline(name="Other")
    foreign = make_opportunity(sales_rep, other, amount="5", name="别的流程")
    hidden = make_opportunity(sales_rep_south, pipeline, amount="5", name="别人的")
    client.force_login(sales_rep)
    ids = [o.pk for o in three] + [foreign.pk, hidden.pk]
    response = client.post("/opportunities/", {"action": "stage", "stage": negotiate.pk, "ids": ids,
                                               "next": "/opportunities/?quick=mine"})
    assert response.status_code == 302 and response["Location"] == "/opportunities/?quick=mine"
    shown = _messages(response)
    assert shown[0] == "3 opportunities changed."
    assert "2 opportunities refused" in shown[1] and "别的流程" in shown[1] and "别人的" not in shown[1]
    assert [Opportunity.objects.get(pk=o.pk).probability for o in three] == [70, 70, 70]
    assert sales_overview(user=sales_rep, params={"pipeline": pipeline.pk})["open"]["weighted"] == Decimal("210000.00")
    assert Opportunity.objects.get(pk=hidden.pk).stage.name == "Qualify"
    assert Opportunity.objects.get(pk=foreign.pk).stage.pipeline_id == other.pk


def test_bulk_tags_keep_stage_and_owner_needs_the_transfer_right(client, sales_rep, sales_manager):
    pipeline = make_pipeline()
    lost = make_opportunity(sales_rep, pipeline, amount="10", name="丢单")
    services.opportunity_lost(opportunity=lost, by=system_user(), reason="价格")
    open_one = make_opportunity(sales_rep, pipeline, amount="10", name="进行中", tags=["老"])
    client.force_login(sales_rep)
    response = client.post("/opportunities/", {"action": "tags", "tags": "重点，2025", "ids": [lost.pk, open_one.pk]})
    assert _messages(response) == ["2 opportunities changed."]
    lost.refresh_from_db()
    open_one.refresh_from_db()
    assert (lost.tags, lost.status, lost.probability) == (["2025", "重点"], "lost", 0)
    assert open_one.tags == ["2025", "老", "重点"]
    refused = client.post("/opportunities/", {"action": "owner", "owner": sales_manager.pk, "ids": [open_one.pk]})
    assert any("1 opportunity refused" in m for m in _messages(refused))
    assert Opportunity.objects.get(pk=open_one.pk).owner_id == sales_rep.pk
    missing = client.post("/opportunities/", {"action": "stage", "ids": [open_one.pk]})
    assert missing.status_code == 302 and Opportunity.objects.get(pk=open_one.pk).stage.name == "Qualify"


def test_bulk_owner_by_a_manager(client, sales_manager, sales_rep):
    pipeline = make_pipeline()
    opp = make_opportunity(sales_rep, pipeline, amount="10")
    result = services.opportunities_bulk_owner(opportunity_ids=[opp.pk], owner=sales_manager, by=system_user())
    assert result.done == [opp.pk] and Opportunity.objects.get(pk=opp.pk).owner_id == sales_manager.pk


def test_kanban_quick_filters_and_totals(client, sales_rep, sales_manager):
    pipeline = make_pipeline()
    today = timezone.localdate()
    make_opportunity(sales_rep, pipeline, amount="100", name="本月", expected_close_date=today)
    make_opportunity(sales_rep, pipeline, amount="300", name="以后", expected_close_date=today + dt.timedelta(days=62))
    make_opportunity(sales_manager, pipeline, amount="1000", name="经理的")
    client.force_login(sales_manager)
    body = client.get(f"/sales/kanban/{pipeline.pk}/?quick=mine").content.decode()
    assert "经理的" in body and "本月" not in body and "1 opportunity · 1,000.00" in body
    body = client.get(f"/sales/kanban/{pipeline.pk}/?quick=team").content.decode()
    assert "经理的" in body and "本月" in body and "3 opportunities · 1,400.00" in body
    body = client.get(f"/sales/kanban/{pipeline.pk}/?quick=month").content.decode()
    assert "本月" in body and "以后" not in body and "1 opportunity · 100.00" in body


def test_kanban_list_and_api_queries_do_not_grow(client, sales_rep):
    pipeline = make_pipeline()
    field_definition_create(by=system_user(), entity=Entity.OPPORTUNITY, code="referee", data={
        "label": "推荐人", "field_type": FieldType.USER, "show_in_list": True})
    customer = CustomerFactory(owner=sales_rep)
    make_opportunity(sales_rep, pipeline, customer=customer, amount="1", custom={"referee": sales_rep.pk})
    client.force_login(sales_rep)
    urls = [f"/sales/kanban/{pipeline.pk}/", "/opportunities/", "/api/v1/opportunities/"]
    few = [_count(client, url)[0] for url in urls]
    for i in range(12):
        make_opportunity(sales_rep, pipeline, customer=customer, amount="1", stage=stage(pipeline, ["Propose", "Negotiate"][i % 2]),
                         custom={"referee": sales_rep.pk})
    many = [_count(client, url)[0] for url in urls]
    assert few == many
    _n, response = _count(client, "/opportunities/")
    assert response.content.decode().count(f"<td>{sales_rep}</td>") >= 13 * 2  # owner and the referee column


def test_custom_fields_on_form_detail_filter_and_api(client, sales_rep):
    pipeline = make_pipeline()
    field_definition_create(by=system_user(), entity=Entity.OPPORTUNITY, code="channel", data={
        "label": "渠道", "field_type": FieldType.CHOICE, "show_in_list": True,
        "options": [{"value": "web", "label": "官网"}, {"value": "fair", "label": "展会"}]})
    customer = CustomerFactory(owner=sales_rep, name="甲公司")
    client.force_login(sales_rep)
    form = {"name": "带渠道", "customer": customer.pk, "pipeline": pipeline.pk, "stage": stage(pipeline, "Qualify").pk,
            "currency": "CNY", "custom__channel": "fair"}
    response = client.post("/opportunities/new/", form)
    assert response.status_code == 302
    opp = Opportunity.objects.get(name="带渠道")
    assert opp.custom == {"channel": "fair"}
    detail = client.get(f"/opportunities/{opp.pk}/").content.decode()
    assert "渠道" in detail and "展会" in detail
    make_opportunity(sales_rep, pipeline, customer=customer, name="官网来的", custom={"channel": "web"})
    listed = client.get("/opportunities/?custom__channel=fair").content.decode()
    assert "带渠道" in listed and "官网来的" not in listed and "<th>渠道</th>" in listed
    api = client.get("/api/v1/opportunities/?custom__channel=web").json()
    assert [r["name"] for r in api["results"]] == ["官网来的"] and api["results"][0]["custom"] == {"channel": "web"}
    bad = client.patch(f"/api/v1/opportunities/{opp.pk}/", {"custom": {"channel": "tv"}}, content_type="application/json")
    assert bad.status_code == 400 and "custom.channel" in bad.content.decode()
    assert Opportunity.objects.get(pk=opp.pk).custom == {"channel": "fair"}
    ok = client.patch(f"/api/v1/opportunities/{opp.pk}/", {"custom": {"channel": "官网"}}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["custom"] == {"channel": "web"}
    kept = client.post(f"/opportunities/{opp.pk}/edit/", {**form, "custom__channel": "nope", "version": 99})
    assert kept.status_code == 200 and 'value="带渠道"' in kept.content.decode()
