"""Sales API: C17 by API, stage move / won / lost actions, requirements refused, scope, products."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from forpcrm.contracts.models import OpportunityLine, Product
from forpcrm.contracts.services import opportunity_lines_set, product_create
from forpcrm.customers.tests.factories import CustomerFactory, system_user
from forpcrm.sales import services
from forpcrm.sales.models import Opportunity
from forpcrm.sales.selectors import sales_overview

from .factories import make_opportunity, make_pipeline, stage

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_moving_three_by_api_gives_70_each_and_weighted_210000(sales_rep):
    pipeline = make_pipeline()
    negotiate = stage(pipeline, "Negotiate")
    opps = [make_opportunity(sales_rep, pipeline, amount="100000", name=f"机会{i}") for i in range(3)]
    client = api(sales_rep)
    for opp in opps:
        response = client.post(f"/api/v1/opportunities/{opp.pk}/move/", {"stage": negotiate.pk}, format="json")
        assert response.status_code == 200, response.json()
        assert (response.json()["probability"], response.json()["stage_name"]) == (70, "Negotiate")
    assert sales_overview(user=sales_rep, params={})["open"]["weighted"] == Decimal("210000.00")


def test_bulk_stage_by_api(sales_rep, sales_rep_south):
    pipeline = make_pipeline()
    negotiate = stage(pipeline, "Negotiate")
    mine = [make_opportunity(sales_rep, pipeline, amount="100000", name=f"机会{i}") for i in range(3)]
    other = make_opportunity(sales_rep_south, pipeline, amount="100000")
    response = api(sales_rep).post("/api/v1/opportunities/bulk-stage/",
                                   {"ids": [o.pk for o in [*mine, other]], "stage": negotiate.pk}, format="json")
    assert response.status_code == 200
    assert response.json() == {"done": [o.pk for o in mine], "failed": {str(other.pk): "Not found."}}
    assert list(Opportunity.objects.filter(pk__in=[o.pk for o in mine]).values_list("probability", flat=True)) == [70] * 3
    assert Opportunity.objects.get(pk=other.pk).probability == 10


def test_won_lost_and_requirements_by_api(sales_rep):
    pipeline = make_pipeline()
    propose = stage(pipeline, "Propose")
    services.stage_update(stage=propose, by=system_user(), data={"required_fields": ["amount"]})
    opp = make_opportunity(sales_rep, pipeline)
    client = api(sales_rep)
    refused = client.post(f"/api/v1/opportunities/{opp.pk}/move/", {"stage": propose.pk}, format="json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "stage_requirements"
    no_reason = client.post(f"/api/v1/opportunities/{opp.pk}/lost/", {}, format="json")
    assert no_reason.status_code == 400
    lost = client.post(f"/api/v1/opportunities/{opp.pk}/lost/", {"reason": "价格"}, format="json")
    assert (lost.status_code, lost.json()["status"], lost.json()["probability"]) == (200, "lost", 0)
    patched = client.patch(f"/api/v1/opportunities/{opp.pk}/", {"tags": ["复盘"], "description": "x"}, format="json",
                           HTTP_IF_MATCH=f'"{lost.json()["version"]}"')
    assert patched.status_code == 200
    assert (patched.json()["status"], patched.json()["probability"], patched.json()["stage_name"]) == ("lost", 0, "Lost")
    stale = client.patch(f"/api/v1/opportunities/{opp.pk}/", {"name": "y"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    other = make_opportunity(sales_rep, pipeline)
    won = client.post(f"/api/v1/opportunities/{other.pk}/won/", {"reason": "ok"}, format="json")
    assert (won.json()["status"], won.json()["probability"]) == ("won", 100)


def test_create_list_scope_and_404(sales_rep, sales_rep_south):
    pipeline = make_pipeline()
    customer = CustomerFactory(owner=sales_rep)
    client = api(sales_rep)
    created = client.post("/api/v1/opportunities/", {"name": "新机会", "customer": customer.pk,
                                                      "pipeline": pipeline.pk, "amount": "1234.5"}, format="json")
    assert created.status_code == 201, created.json()
    assert (created.json()["amount"], created.json()["probability"], created.json()["stage_name"]) == (
        "1234.50", 10, "Qualify")
    foreign = CustomerFactory(owner=sales_rep_south)
    refused = client.post("/api/v1/opportunities/", {"name": "x", "customer": foreign.pk}, format="json")
    assert refused.status_code == 400 and "customer" in refused.json()
    theirs = make_opportunity(sales_rep_south, pipeline)
    assert client.get(f"/api/v1/opportunities/{theirs.pk}/").status_code == 404
    listing = client.get("/api/v1/opportunities/").json()
    assert [row["id"] for row in listing["results"]] == [created.json()["id"]]
    assert client.get("/api/v1/pipelines/").json()["results"][0]["stages"][2]["probability"] == 70
    assert client.post("/api/v1/pipelines/", {"name": "x", "stages": []}, format="json").status_code == 403


def test_products_api_and_lines_set_the_header_amount(admin, sales_rep):
    response = api(admin).post("/api/v1/products/", {"name": "GTX Pro", "series": "GTX", "list_price": "4821"},
                               format="json")
    assert response.status_code == 201
    assert api(sales_rep).get("/api/v1/products/").json()["results"][0]["name"] == "GTX Pro"
    assert api(sales_rep).post("/api/v1/products/", {"name": "x"}, format="json").status_code == 403
    pipeline = make_pipeline()
    opp = make_opportunity(sales_rep, pipeline, amount="1")
    basic = product_create(by=admin, data={"name": "GTX Basic", "list_price": "550"})
    opportunity_lines_set(opportunity=opp, by=sales_rep, lines=[
        {"product": Product.objects.get(name="GTX Pro"), "quantity": 2, "discount": 10},
        {"product": basic},
    ])
    assert [line.subtotal for line in OpportunityLine.objects.filter(opportunity=opp)] == [Decimal("8677.80"),
                                                                                          Decimal("550.00")]
    assert Opportunity.objects.get(pk=opp.pk).amount == Decimal("9227.80")


def test_schema_lists_the_sales_endpoints(admin):
    schema = api(admin).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"] if schema["Content-Type"].endswith("json") else {}
    text = schema.content.decode()
    for path in ("/api/v1/opportunities/{id}/move/", "/api/v1/opportunities/{id}/won/", "/api/v1/products/",
                 "/api/v1/pipelines/", "/api/v1/opportunities/bulk-stage/"):
        assert path in text or path in paths
