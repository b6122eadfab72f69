"""The demo loader (idempotent), the opportunity page's urges panel and the OpenAPI schema."""

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse

from forpcrm.customers.tests.factories import CustomerFactory
from forpcrm.imports.management.commands.demo_load import demo_users_install
from forpcrm.sales.reports.demo import demo_load
from forpcrm.sales.reports.models import ReportRule, SalesReport, Urge
from forpcrm.sales.tests.factories import make_opportunity

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent(pipeline):
    users, _created = demo_users_install()
    customer = CustomerFactory(owner=users["sales"], name="演示督办客户有限公司")
    make_opportunity(users["sales"], pipeline, customer=customer, name="演示商机")
    first = demo_load()
    assert first == {"rules": 1, "reports": 8, "urges": 2}
    assert SalesReport.objects.filter(status="reviewed").count() == 2
    assert demo_load() == {"rules": 0, "reports": 0, "urges": 0}
    assert (ReportRule.objects.count(), SalesReport.objects.count(), Urge.objects.count()) == (1, 8, 2)


def test_opportunity_page_loads_the_urges_panel(client, sales_manager, sales_rep, rep_opportunity):
    client.force_login(sales_manager)
    page = client.get(reverse("sales:opportunity_detail", args=[rep_opportunity.pk]))
    assert reverse("sales:opportunity_urges", args=[rep_opportunity.pk]).encode() in page.content
    panel = client.get(reverse("sales:opportunity_urges", args=[rep_opportunity.pk]), HTTP_HX_REQUEST="true")
    assert panel.status_code == 200 and f"?opportunity={rep_opportunity.pk}".encode() in panel.content
    client.force_login(sales_rep)  # the owner sees the panel but no urge button
    panel = client.get(reverse("sales:opportunity_urges", args=[rep_opportunity.pk]), HTTP_HX_REQUEST="true")
    assert f"?opportunity={rep_opportunity.pk}".encode() not in panel.content


def test_schema_lists_the_endpoints_without_warnings(tmp_path, capsys):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--file", str(target))
    warnings = [line for line in capsys.readouterr().err.splitlines() if "Warning" in line]
    mine = [line for line in warnings if "reports/api.py" in line or "Report" in line or "Urge" in line
            or "kind" in line]
    assert mine == []
    paths = yaml.safe_load(target.read_text())["paths"]
    for path in ("/api/v1/sales-reports/", "/api/v1/sales-reports/{id}/submit/", "/api/v1/sales-reports/{id}/review/",
                 "/api/v1/sales-reports/summary/", "/api/v1/report-rules/", "/api/v1/report-missing/",
                 "/api/v1/urges/", "/api/v1/urges/{id}/answer/", "/api/v1/urges/{id}/done/",
                 "/api/v1/urges/{id}/cancel/"):
        assert path in paths
