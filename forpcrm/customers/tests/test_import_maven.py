"""The real Maven dataset through the shipped presets: exact counts computed from the files."""

import csv
from pathlib import Path

import pytest
from django.conf import settings

from forpcrm.customers.models import Customer
from forpcrm.imports.testing import media_root_fixture, run_import  # noqa: F401
from forpcrm.org.models import Department, User

DATA = Path(settings.FORPCRM_SHARED_DATA) / "maven-crm-sales"

pytestmark = pytest.mark.django_db


def _rows(name):
    with open(DATA / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_sales_teams_become_departments_and_users(admin, media_root):
    rows = _rows("sales_teams.csv")
    agents = {r["sales_agent"] for r in rows}
    managers = {r["manager"] for r in rows}
    offices = {r["regional_office"] for r in rows}
    assert len(rows) == 35

    _job, result = run_import(admin, "sales_teams", DATA / "sales_teams.csv", preset="maven_sales_teams")

    assert (result.created, result.updated, result.failed, result.skipped) == (len(agents), 0, 0, 0)
    sales = Department.objects.get(name="销售中心", parent__name="总部")
    assert set(Department.objects.filter(parent=sales).values_list("name", flat=True)) >= offices
    assert User.objects.filter(display_name__in=agents, roles__code="sales_rep").count() == len(agents)
    assert User.objects.filter(display_name__in=managers, roles__code="sales_manager").count() == len(managers)
    for row in rows:
        agent = User.objects.get(display_name=row["sales_agent"])
        assert agent.manager.display_name == row["manager"]
        assert agent.department.name == row["regional_office"]
        assert agent.department.parent_id == sales.pk
    for name in managers:
        office = {r["regional_office"] for r in rows if r["manager"] == name}
        assert User.objects.get(display_name=name).department.name in office

    _again_job, again = run_import(admin, "sales_teams", DATA / "sales_teams.csv", preset="maven_sales_teams")
    assert (again.created, again.updated, again.unchanged, again.failed) == (0, 0, len(agents), 0)
    assert User.objects.filter(display_name__in=agents | managers).count() == len(agents | managers)


def test_accounts_become_customers_with_parents(admin, media_root):
    rows = _rows("accounts.csv")
    assert len(rows) == 85
    typo_rows = [i for i, r in enumerate(rows, start=2) if r["sector"] == "technolgy"]

    _job, result = run_import(admin, "customers", DATA / "accounts.csv", preset="maven_accounts")

    assert (result.created, result.failed, result.skipped) == (85, 0, 0)
    assert Customer.objects.count() == 85
    for row in rows:
        customer = Customer.objects.get(name=row["account"])
        assert customer.founded_year == int(row["year_established"])
        assert str(customer.revenue) == f"{float(row['revenue']):.2f}"
        assert customer.employees == int(row["employees"])
        expected_parent = row["subsidiary_of"] or None
        assert (customer.parent.name if customer.parent else None) == expected_parent
    assert Customer.objects.filter(parent__isnull=False).count() == sum(1 for r in rows if r["subsidiary_of"])
    assert Customer.objects.filter(industry="technolgy").count() == 0
    assert Customer.objects.filter(industry="technology").count() == len(typo_rows)
    alias_rows = sorted({w.row for w in result.warnings if "technolgy" in w.reason})
    assert alias_rows == typo_rows
    assert Customer.objects.get(name="Bioholding").country == "Philippines"
