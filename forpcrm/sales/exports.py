"""The overview as an XLSX workbook and as the series the ECharts charts draw."""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook


def _safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula is prefixed with ' (C04)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def overview_xlsx(data: dict[str, Any]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Funnel")[:31]
    sheet.append([_("Pipeline"), _("Stage"), _("Probability (%)"), _("Count"), _("Amount"), _("Weighted amount")])
    for row in data["funnel"]:
        sheet.append([_safe(row["pipeline"]), _safe(row["name"]), row["probability"], row["count"], row["amount"],
                      row["weighted"]])
    summary = book.create_sheet(_("Summary")[:31])
    summary.append([_("Figure"), _("Count"), _("Amount"), _("Value")])
    summary.append([_("Won"), data["won"]["count"], data["won"]["amount"], None])
    summary.append([_("Lost"), data["lost"]["count"], data["lost"]["amount"], None])
    summary.append([_("Win rate (%)"), None, None, data["win_rate"]])
    summary.append([_("Average sales cycle (days)"), None, None, data["avg_cycle_days"]])
    for title, key in ((_("Won by month"), "won_by_month"), (_("Won by quarter"), "won_by_quarter")):
        sheet = book.create_sheet(title[:31])
        sheet.append([_("Period"), _("Count"), _("Amount")])
        for row in data[key]:
            sheet.append([row["period"], row["count"], row["amount"]])
    for title, key in ((_("Reps"), "reps"), (_("Managers"), "managers"), (_("Departments"), "departments")):
        sheet = book.create_sheet(title[:31])
        sheet.append([_("Name"), _("Won count"), _("Won amount")])
        for row in data[key]:
            sheet.append([_safe(row["name"]), row["count"], row["amount"]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def chart_data(data: dict[str, Any]) -> dict[str, Any]:
    return {
        # the funnel steps: open stages in pipeline order, then won (lost deals are not a step)
        "funnel": [{"name": r["name"], "value": float(r["amount"]), "count": r["count"]}
                   for r in data["funnel"] if r.get("in_funnel", True)],
        "months": [r["period"] for r in data["won_by_month"]],
        "month_amounts": [float(r["amount"]) for r in data["won_by_month"]],
        "quarters": [r["period"] for r in data["won_by_quarter"]],
        "quarter_amounts": [float(r["amount"]) for r in data["won_by_quarter"]],
        "reps": [r["name"] for r in data["reps"][:15]],
        "rep_amounts": [float(r["amount"]) for r in data["reps"][:15]],
    }
