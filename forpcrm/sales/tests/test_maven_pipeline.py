"""Done-when 2: the 8,800 Maven opportunities imported, and the overview equals a plain-Python
computation from the CSV files (no numbers written down here)."""

import csv
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from forpcrm.contracts.models import OpportunityLine, Product
from forpcrm.imports.testing import media_root_fixture  # noqa: F401
from forpcrm.sales.loading import maven_pipeline_load
from forpcrm.sales.models import Opportunity
from forpcrm.sales.selectors import sales_overview

DATA = Path(settings.FORPCRM_SHARED_DATA) / "maven-crm-sales"
pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _rows(name):
    with open(DATA / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _money(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def _expected():
    pipeline = _rows("sales_pipeline.csv")
    prices = {r["product"]: Decimal(r["sales_price"]) for r in _rows("products.csv")}
    aliases = {"GTXPro": "GTX Pro"}
    teams = {r["sales_agent"]: r for r in _rows("sales_teams.csv")}
    probability = {"Prospecting": 10, "Engaging": 40, "Won": 100, "Lost": 0}
    funnel = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    reps, managers, offices, quarters, months = Counter(), Counter(), Counter(), Counter(), Counter()
    cycles = []
    for row in pipeline:
        amount = Decimal(row["close_value"]) if row["close_value"] else prices[aliases.get(row["product"], row["product"])]
        cell = funnel[row["deal_stage"]]
        cell[0] += 1
        cell[1] += amount
        cell[2] += amount * probability[row["deal_stage"]] / 100
        if row["deal_stage"] == "Won":
            closed = date.fromisoformat(row["close_date"])
            reps[row["sales_agent"]] += amount
            managers[teams[row["sales_agent"]]["manager"]] += amount
            offices[teams[row["sales_agent"]]["regional_office"]] += amount
            quarters[f"{closed.year}-Q{(closed.month - 1) // 3 + 1}"] += amount
            months[closed.strftime("%Y-%m")] += amount
            cycles.append((closed - date.fromisoformat(row["engage_date"])).days)
    won, lost = funnel["Won"][0], funnel["Lost"][0]
    return {
        "rows": len(pipeline), "funnel": funnel, "won": won, "lost": lost,
        "win_rate": (Decimal(100) * won / (won + lost)).quantize(Decimal("0.01")),
        "cycle": (Decimal(sum(cycles)) / len(cycles)).quantize(Decimal("0.1")),
        "reps": reps, "managers": managers, "offices": offices, "quarters": quarters, "months": months,
        "no_account": sum(1 for r in pipeline if not r["account"]),
        "aliased": sum(1 for r in pipeline if r["product"] in aliases),
    }


def test_maven_pipeline_import_and_overview_equal_the_csv(admin, media_root):
    call_command("maven_load", user=admin.username, stdout=StringIO())
    expected = _expected()
    results = maven_pipeline_load(user=admin, directory=DATA)
    products, pipeline = results["products.csv"], results["sales_pipeline.csv"]
    assert Product.objects.count() == len(_rows("products.csv"))

    # every row accounted for: created here, none failed or skipped
    assert (pipeline.total, pipeline.created, pipeline.failed, pipeline.skipped) == (expected["rows"], expected["rows"], 0, 0)
    assert Opportunity.objects.count() == expected["rows"] == OpportunityLine.objects.count()
    assert any(f"({expected['aliased']} rows)" in note and "GTXPro" in note for note in pipeline.notes)
    assert any(str(expected["no_account"]) in note and "placeholder" in note for note in pipeline.notes)
    assert Opportunity.objects.filter(customer__name="Maven: no account (placeholder)").count() == expected["no_account"]

    overview = sales_overview(user=admin, params={})
    funnel = {row["name"]: (row["count"], row["amount"], row["weighted"]) for row in overview["funnel"]}
    assert funnel == {name: (c, _money(a), _money(w)) for name, (c, a, w) in expected["funnel"].items()}
    assert (overview["won"]["count"], overview["lost"]["count"]) == (expected["won"], expected["lost"])
    assert overview["won"]["amount"] == _money(expected["funnel"]["Won"][1])
    assert overview["win_rate"] == expected["win_rate"]
    assert overview["avg_cycle_days"] == expected["cycle"]
    assert {q["period"]: q["amount"] for q in overview["won_by_quarter"]} == {
        k: _money(v) for k, v in expected["quarters"].items()}
    assert {m["period"]: m["amount"] for m in overview["won_by_month"]} == {
        k: _money(v) for k, v in expected["months"].items()}
    assert {r["name"]: r["amount"] for r in overview["reps"]} == {k: _money(v) for k, v in expected["reps"].items()}
    assert {r["name"]: r["amount"] for r in overview["managers"]} == {
        k: _money(v) for k, v in expected["managers"].items()}
    assert {r["name"]: r["amount"] for r in overview["departments"]} == {
        k: _money(v) for k, v in expected["offices"].items()}
    assert [r["amount"] for r in overview["reps"]] == sorted((r["amount"] for r in overview["reps"]), reverse=True)

    # a manager's overview is his team's: equal to the CSV rows of his agents
    from forpcrm.org.models import User

    manager_name = next(iter(expected["managers"]))
    manager = User.objects.get(display_name=manager_name)
    mine = sales_overview(user=manager, params={})
    assert {r["name"] for r in mine["managers"]} == {manager_name}
    assert mine["won"]["amount"] == _money(expected["managers"][manager_name])

    # a second run changes nothing
    again = maven_pipeline_load(user=admin, directory=DATA)["sales_pipeline.csv"]
    assert (again.created, again.updated, again.unchanged, again.failed) == (0, 0, expected["rows"], 0)
    assert products.failed == 0
