"""GET /api/v1/customers/export/: the same scope, permission and formula guard as the page export."""

import csv
import io

import pytest
from rest_framework.test import APIClient

from forpcrm.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _csv_rows(response):
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_csv_export_holds_only_the_callers_scope(sales_rep, sales_rep_south):
    CustomerFactory(owner=sales_rep, name="上海导出有限公司")
    CustomerFactory(owner=sales_rep_south, name="广州导出有限公司")
    response = _client(sales_rep).get("/api/v1/customers/export/", {"file_format": "csv"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    names = [row[0] for row in _csv_rows(response)[1:]]
    assert names == ["上海导出有限公司"]


def test_export_neutralises_formulas_and_filters_like_the_list(admin):
    CustomerFactory(owner=admin, name="=HYPERLINK(\"http://x.example/\",\"看\")")
    CustomerFactory(owner=admin, name="杭州筛选科技有限公司")
    response = _client(admin).get("/api/v1/customers/export/", {"file_format": "csv", "q": "HYPERLINK"})
    names = [row[0] for row in _csv_rows(response)[1:]]
    assert names == ["'=HYPERLINK(\"http://x.example/\",\"看\")"]


def test_export_without_the_export_permission_is_refused(finance):
    response = _client(finance).get("/api/v1/customers/export/", {"file_format": "csv"})
    assert response.status_code == 403


def test_unknown_file_format_names_the_parameter(admin):
    response = _client(admin).get("/api/v1/customers/export/", {"file_format": "pdf"})
    assert response.status_code == 400
    assert "file_format" in response.json()
