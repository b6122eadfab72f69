"""C17 by import: three 100,000 opportunities re-imported into the 70 % stage; unknown names reported."""

from decimal import Decimal

import pytest

from forpcrm.contracts.services import product_create
from forpcrm.customers.tests.factories import CustomerFactory
from forpcrm.imports.testing import csv_bytes, media_root_fixture, run_import, write_file  # noqa: F401
from forpcrm.sales.models import Opportunity
from forpcrm.sales.selectors import sales_overview

from .factories import make_pipeline

pytestmark = pytest.mark.django_db


def _import(admin, tmp_path, rows, **options):
    path = write_file(tmp_path, "opps.csv", csv_bytes([["id", "owner", "account", "stage", "amount", "product"], *rows]))
    return run_import(admin, "opportunities", path, atomic=False, **options)


def test_reimport_into_the_70_stage_gives_70_each(admin, sales_rep, tmp_path, media_root):
    make_pipeline()
    CustomerFactory(owner=sales_rep, name="甲公司")
    product_create(by=admin, data={"name": "GTX Pro", "list_price": "100000"})
    rows = [[f"R{i}", sales_rep.username, "甲公司", "Qualify", "100000", "GTX Pro"] for i in range(3)]
    _job, first = _import(admin, tmp_path, rows)
    assert (first.created, first.failed) == (3, 0)
    assert list(Opportunity.objects.values_list("probability", flat=True)) == [10, 10, 10]
    _job, again = _import(admin, tmp_path, [[*r[:3], "Negotiate", *r[4:]] for r in rows])
    assert (again.created, again.updated, again.failed) == (0, 3, 0)
    assert list(Opportunity.objects.values_list("probability", flat=True)) == [70, 70, 70]
    assert sales_overview(user=sales_rep, params={})["open"]["weighted"] == Decimal("210000.00")


def test_unknown_product_stage_and_missing_account_are_reported(admin, sales_rep, tmp_path, media_root):
    make_pipeline()
    CustomerFactory(owner=sales_rep, name="甲公司")
    product_create(by=admin, data={"name": "GTX Pro", "list_price": "10"})
    rows = [["A", sales_rep.username, "甲公司", "Qualify", "5", "GTXPro"],
            ["B", sales_rep.username, "甲公司", "Nowhere", "5", "GTX Pro"],
            ["C", sales_rep.username, "", "Qualify", "5", "GTX Pro"],
            ["D", sales_rep.username, "甲公司", "Qualify", "", "GTX Pro"]]
    _job, result = _import(admin, tmp_path, rows)
    assert (result.created, result.failed) == (1, 3)
    reasons = {issue.row: issue.reason for issue in result.errors}
    assert "GTXPro" in reasons[2] and "product_aliases" in reasons[2]
    assert "Nowhere" in reasons[3]
    assert "placeholder" in reasons[4]
    assert Opportunity.objects.get(external_ref="D").amount == Decimal("0.00")
    _job, fixed = _import(admin, tmp_path, rows, product_aliases={"GTXPro": "GTX Pro"},
                          missing_customer="无客户（占位）", amount_default="list_price")
    assert (fixed.created, fixed.updated, fixed.failed) == (2, 1, 1)
    assert Opportunity.objects.get(external_ref="C").customer.name == "无客户（占位）"
    assert Opportunity.objects.get(external_ref="D").amount == Decimal("10.00")
    assert any("GTXPro" in note and "(1 rows)" in note for note in fixed.notes)
