"""The batch path of the opportunity import keeps every rule of the row-by-row path: the same records,
stage history, lines and row-numbered errors; a second run changes nothing; queries do not grow."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forpcrm.contracts.importers import OpportunityDefinition
from forpcrm.contracts.models import OpportunityLine
from forpcrm.contracts.services import product_create
from forpcrm.customers.models import Customer
from forpcrm.customers.tests.factories import CustomerFactory
from forpcrm.customfields.models import Entity, FieldType
from forpcrm.customfields.services import field_definition_create
from forpcrm.imports.engine import EntityDefinition
from forpcrm.imports.testing import csv_bytes, media_root_fixture, run_import, write_file  # noqa: F401
from forpcrm.sales import services
from forpcrm.sales.models import Opportunity, StageChange

from .factories import make_pipeline, stage

pytestmark = pytest.mark.django_db

HEADER = ["id", "owner", "account", "stage", "engage_date", "close_date", "amount", "product"]
PLACEHOLDER = "无客户（占位）"


def _rows(rep):
    return [
        ["B1", rep.username, "甲公司", "Qualify", "2024-01-05", "", "", "GTX Pro"],
        ["B2", rep.username, "甲公司", "Won", "2024-01-05", "2024-03-01", "1200.50", "GTX Pro"],
        ["B3", rep.username, "乙公司", "Lost", "2024-02-01", "2024-02-11", "0", "GTXPro"],
        ["B4", rep.username, "", "Negotiate", "2024-02-01", "", "", "GTX Pro"],
        ["B5", rep.username, "甲公司", "Nowhere", "", "", "5", "GTX Pro"],  # unknown stage
        ["B6", rep.username, "丙公司", "Qualify", "", "", "5", "GTX Pro"],  # unknown customer
        ["B7", rep.username, "甲公司", "Qualify", "", "", "-5", "GTX Pro"],  # negative amount
        ["B8", rep.username, "甲公司", "Qualify", "", "", "7", "Unknown thing"],  # unknown product
    ]


def _setup(admin, rep):
    make_pipeline()
    CustomerFactory(owner=rep, name="甲公司")
    CustomerFactory(owner=rep, name="乙公司")
    product_create(by=admin, data={"name": "GTX Pro", "list_price": "4821"})


def _import(admin, tmp_path, rows, name="opps.csv", **options):
    path = write_file(tmp_path, name, csv_bytes([HEADER, *rows]))
    options = {"atomic": False, "product_aliases": {"GTXPro": "GTX Pro"}, "missing_customer": PLACEHOLDER,
               "amount_default": "list_price", **options}
    return run_import(admin, "opportunities", path, **options)


def _snapshot():
    fields = ("external_ref", "customer__name", "stage__name", "status", "probability", "probability_overridden",
              "amount", "engaged_on", "closed_on", "cycle_days", "owner__username", "department_id")
    opportunities = list(Opportunity.objects.order_by("external_ref").values_list(*fields))
    lines = list(OpportunityLine.objects.order_by("opportunity__external_ref").values_list(
        "opportunity__external_ref", "product__name", "quantity", "unit_price", "subtotal"))
    history = list(StageChange.objects.order_by("opportunity__external_ref").values_list(
        "opportunity__external_ref", "from_stage", "to_stage__name", "to_status", "probability", "note"))
    return opportunities, lines, history


def _errors(result):
    return sorted((e.row, e.column) for e in result.errors)


def test_batch_equals_row_by_row(admin, sales_rep, tmp_path, media_root, monkeypatch):
    _setup(admin, sales_rep)
    _job, batch = _import(admin, tmp_path, _rows(sales_rep))
    assert (batch.total, batch.created, batch.failed, batch.skipped) == (8, 4, 4, 0)
    assert _errors(batch) == [(6, "stage"), (7, "account"), (8, "amount"), (9, "product")]
    fast = _snapshot()
    assert fast[0][1][2:4] == ("Won", "won") and fast[0][1][4] == 100 and fast[0][1][9] == 56  # cycle days
    assert fast[0][0][4] == 10 and fast[0][0][6] == Decimal("4821.00")  # stage probability, list price
    assert fast[0][3][1] == PLACEHOLDER and fast[0][3][4] == 70
    assert fast[0][2][8] == dt.date(2024, 2, 11) and fast[0][2][6] == Decimal("0.00")
    assert [h[5] for h in fast[2]] == ["created"] * 4 and len(fast[1]) == 4
    assert any("GTXPro" in n and "(1 rows)" in n for n in batch.notes)
    assert any(PLACEHOLDER in n and "1 rows" in n for n in batch.notes)

    Opportunity.all_objects.all().delete()
    Customer.objects.filter(name=PLACEHOLDER).delete()
    monkeypatch.setattr(OpportunityDefinition, "create_batch", EntityDefinition.create_batch)
    _job, slow = _import(admin, tmp_path, _rows(sales_rep), name="again.csv")
    assert (slow.created, slow.failed) == (batch.created, batch.failed)
    assert _errors(slow) == _errors(batch)
    assert [e.reason for e in sorted(slow.errors, key=lambda e: e.row)] == [
        e.reason for e in sorted(batch.errors, key=lambda e: e.row)]
    assert _snapshot() == fast


def test_second_run_changes_nothing_and_a_changed_row_is_updated(admin, sales_rep, tmp_path, media_root):
    _setup(admin, sales_rep)
    rows = _rows(sales_rep)[:4]
    _import(admin, tmp_path, rows)
    before = _snapshot()
    versions = dict(Opportunity.objects.values_list("external_ref", "version"))
    _job, again = _import(admin, tmp_path, rows, name="2.csv")
    assert (again.created, again.updated, again.unchanged, again.failed) == (0, 0, 4, 0)
    assert _snapshot() == before and dict(Opportunity.objects.values_list("external_ref", "version")) == versions
    moved = [[*rows[0][:3], "Negotiate", *rows[0][4:]], *rows[1:]]
    _job, third = _import(admin, tmp_path, moved, name="3.csv")
    assert (third.created, third.updated, third.unchanged) == (0, 1, 3)
    b1 = Opportunity.objects.get(external_ref="B1")
    assert (b1.stage.name, b1.probability) == ("Negotiate", 70)
    assert b1.stage_changes.count() == 2


def test_create_mode_matching_deleted_never_recreates(admin, sales_rep, tmp_path, media_root):
    _setup(admin, sales_rep)
    rows = _rows(sales_rep)[:2]
    _import(admin, tmp_path, rows)
    services.opportunity_delete(opportunity=Opportunity.objects.get(external_ref="B1"), by=admin)
    _job, demo = _import(admin, tmp_path, rows, name="d.csv", mode="create", match_deleted=True)
    assert (demo.created, demo.skipped) == (0, 2)
    assert Opportunity.all_objects.filter(external_ref="B1").count() == 1


def test_batch_service_queries_do_not_grow(admin, sales_rep):
    pipeline = make_pipeline()
    customer = CustomerFactory(owner=sales_rep, name="甲公司")
    won_stage = stage(pipeline, "Won")

    def rows(n, prefix):
        return [{"name": f"{prefix}{i}", "customer": customer, "stage": won_stage, "amount": "100",
                 "engaged_on": dt.date(2024, 1, 1), "closed_on": dt.date(2024, 1, 11), "external_ref": f"{prefix}{i}"}
                for i in range(n)]

    counts = []
    services.opportunities_create_batch(by=admin, rows=rows(1, "w"), owners=[sales_rep])  # warm per-user caches
    for n, prefix in ((40, "a"), (60, "b")):  # (SQLite splits an insert at 999 variables: both split in two)
        data = rows(n, prefix)
        with CaptureQueriesContext(connection) as ctx:
            result = services.opportunities_create_batch(by=admin, rows=data, owners=[sales_rep] * n)
        assert all(r.error is None for r in result)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    won = Opportunity.objects.filter(external_ref__startswith="b")
    assert {(o.status, o.probability, o.cycle_days, o.owner_id) for o in won} == {("won", 100, 10, sales_rep.pk)}


def test_batch_rows_keep_the_rules(admin, sales_rep, sales_rep_south):
    pipeline = make_pipeline()
    mine = CustomerFactory(owner=sales_rep, name="甲公司")
    other = CustomerFactory(owner=sales_rep_south, name="南方公司")
    services.stage_update(stage=stage(pipeline, "Negotiate"), by=admin, data={"required_fields": ["expected_close_date"]})
    rows = [
        {"name": "ok", "customer": mine, "stage": stage(pipeline, "Propose"), "probability": 55},
        {"name": "hidden", "customer": other},
        {"name": "needs date", "customer": mine, "stage": stage(pipeline, "Negotiate")},
        {"name": "lost", "customer": mine, "stage": stage(pipeline, "Lost"), "close_reason": "价格"},
    ]
    result = services.opportunities_create_batch(by=sales_rep, rows=rows)
    assert result[0].opportunity.probability == 55 and result[0].opportunity.probability_overridden
    assert "customer" in result[1].error.message_dict
    assert "expected close date" in result[2].error.message
    assert (result[3].opportunity.status, result[3].opportunity.closed_on) == ("lost", dt.date.today())
    assert Opportunity.objects.count() == 2
    gave = services.opportunities_create_batch(by=sales_rep, rows=[{"name": "x", "customer": mine}],
                                               owners=[sales_rep_south])
    assert "other users" in gave[0].error.message


def test_custom_fields_through_import_and_batch(admin, sales_rep, tmp_path, media_root):
    _setup(admin, sales_rep)
    field_definition_create(by=admin, entity=Entity.OPPORTUNITY, code="budget_year",
                            data={"label": "预算年度", "field_type": FieldType.NUMBER})
    path = write_file(tmp_path, "c.csv", csv_bytes([[*HEADER, "预算年度"],
                                                    [*_rows(sales_rep)[0], "2025"], [*_rows(sales_rep)[1], "abc"]]))
    _job, result = run_import(admin, "opportunities", path, atomic=False)
    assert (result.created, result.failed) == (1, 1)
    assert Opportunity.objects.get(external_ref="B1").custom == {"budget_year": "2025"}
    assert result.errors[0].row == 3 and result.errors[0].column == "预算年度"
