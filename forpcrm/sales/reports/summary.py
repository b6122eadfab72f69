"""The automatic summary of a sales report: what the CRM recorded for the author in the period.

Extension point: every figure comes from a **summary provider** registered here. A provider is a
callable ``provider(ctx: SummaryContext) -> Iterable[SummaryLine]`` that answers with SQL aggregates
(``aggregate``/``values().annotate()``, never a Python loop over rows). Apps above sales (contracts,
payments) register their own from ``AppConfig.ready``::

    from forpcrm.sales.reports.summary import SummaryLine, summary_provider_register

    def contracts_signed(ctx):
        row = Contract.objects.filter(owner=ctx.author, signed_on__gte=ctx.period_start,
                                      signed_on__lt=ctx.period_end).aggregate(n=Count("id"), amount=Sum("amount"))
        yield SummaryLine("contracts_signed", row["n"], amount=row["amount"] or 0)

    summary_provider_register("contracts", contracts_signed, order=200,
                              labels={"contracts_signed": _("Contracts signed")})

Datetime fields are compared with ``[ctx.start, ctx.end)`` (the period's local midnights in the
author's time zone, as UTC); date fields with ``[ctx.period_start, ctx.period_end)``.

The stored snapshot (``SalesReport.summary``) holds keys and numbers only — amounts as strings with
two places — so labels follow the reader's language::

    {"version": 1, "time_zone": "Asia/Shanghai", "start": "...Z", "end": "...Z",
     "lines": [{"key": "followups", "count": 5, "amount": null, "breakdown": {"phone": 3, "visit": 2}}, ...]}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from forpcrm.core.money import to_money

from .periods import period_bounds_utc


@dataclass(frozen=True)
class SummaryContext:
    author: Any
    period_start: dt.date
    period_end: dt.date
    start: dt.datetime  # UTC instant of the local midnight of period_start
    end: dt.datetime  # UTC instant of the local midnight of period_end (exclusive)
    time_zone: str


@dataclass
class SummaryLine:
    key: str
    count: int
    amount: Decimal | None = None
    breakdown: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "count": int(self.count or 0),
                "amount": None if self.amount is None else str(to_money(self.amount)),
                "breakdown": {str(k): int(v) for k, v in self.breakdown.items()}}


@dataclass(frozen=True)
class _Provider:
    key: str
    fn: Callable[[SummaryContext], Iterable[SummaryLine]]
    order: int


_PROVIDERS: dict[str, _Provider] = {}
_LABELS: dict[str, Any] = {}


def summary_provider_register(key: str, provider: Callable[[SummaryContext], Iterable[SummaryLine]], *,
                              order: int = 100, labels: dict[str, Any] | None = None) -> None:
    """Add (or replace) a provider of summary lines; ``labels`` maps line keys to (lazy) labels."""
    _PROVIDERS[key] = _Provider(key, provider, order)
    _LABELS.update(labels or {})


def summary_providers() -> list[_Provider]:
    return sorted(_PROVIDERS.values(), key=lambda p: (p.order, p.key))


def summary_label(key: str) -> str:
    return str(_LABELS.get(key, key.rsplit(".", 1)[-1]))


def summary_compute(*, author, period_start: dt.date, period_end: dt.date) -> dict[str, Any]:
    """The JSON snapshot for the author and [period_start, period_end) in the author's time zone."""
    tz_name = author.time_zone or "Asia/Shanghai"
    start, end = period_bounds_utc(period_start, period_end, tz_name)
    ctx = SummaryContext(author=author, period_start=period_start, period_end=period_end, start=start, end=end,
                         time_zone=tz_name)
    lines: list[dict[str, Any]] = []
    for provider in summary_providers():
        lines.extend(line.as_json() for line in provider.fn(ctx))
    return {"version": 1, "time_zone": tz_name, "start": start.isoformat(), "end": end.isoformat(),
            "lines": lines}


def summary_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The stored lines with their labels (for pages): key, label, count, amount, breakdown."""
    rows = []
    kind_labels = _followup_kind_names()
    for line in (summary or {}).get("lines", []):
        if line.get("key") == "followups":
            rows.append({**line, "label": summary_label("followups"), "breakdown_rows": [
                (kind_labels.get(k, k), v) for k, v in (line.get("breakdown") or {}).items()]})
            continue
        rows.append({**line, "label": summary_label(line.get("key", "")),
                     "breakdown_rows": [(summary_label(f"{line.get('key')}.{k}"), v)
                                        for k, v in (line.get("breakdown") or {}).items()]})
    return rows


def _followup_kind_names() -> dict[str, str]:
    """Labels of the follow-up kinds (built-in and configured) in the reader's language."""
    try:
        from forpcrm.sales.activity.services import followup_kinds

        return {str(code): str(label) for code, label in followup_kinds()}
    except (ImportError, AttributeError):  # pragma: no cover - the activity part always ships with sales
        return {}


def summary_value(summary: dict[str, Any], key: str) -> dict[str, Any] | None:
    return next((line for line in (summary or {}).get("lines", []) if line.get("key") == key), None)


# ---------------------------------------------------------------- built-in providers


def _customers(ctx: SummaryContext) -> Iterable[SummaryLine]:
    from forpcrm.customers.models import Customer

    n = (Customer.objects.filter(created_at__gte=ctx.start, created_at__lt=ctx.end)
         .filter(Q(created_by=ctx.author) | Q(owner=ctx.author)).count())
    yield SummaryLine("customers_new", n)


def _followups(ctx: SummaryContext) -> Iterable[SummaryLine]:
    from forpcrm.sales.activity.models import FollowUp

    rows = (FollowUp.objects.filter(owner=ctx.author, at__gte=ctx.start, at__lt=ctx.end)
            .order_by().values("kind").annotate(n=Count("id")))
    breakdown = {row["kind"]: row["n"] for row in rows}
    yield SummaryLine("followups", sum(breakdown.values()), breakdown=dict(sorted(breakdown.items())))


def _visits(ctx: SummaryContext) -> Iterable[SummaryLine]:
    from forpcrm.sales.activity.models import VisitPlan, VisitStatus

    row = VisitPlan.objects.filter(owner=ctx.author, starts_at__gte=ctx.start, starts_at__lt=ctx.end).aggregate(
        done=Count("id", filter=Q(status=VisitStatus.DONE)),
        planned=Count("id", filter=Q(status=VisitStatus.PLANNED)))
    yield SummaryLine("visits_done", row["done"])
    yield SummaryLine("visits_planned", row["planned"])


def _opportunities(ctx: SummaryContext) -> Iterable[SummaryLine]:
    from forpcrm.sales.models import Opportunity, OpportunityStatus, StageChange

    created = (Opportunity.objects.filter(created_at__gte=ctx.start, created_at__lt=ctx.end)
               .filter(Q(created_by=ctx.author) | Q(owner=ctx.author))
               .aggregate(n=Count("id"), amount=Sum("amount")))
    yield SummaryLine("opportunities_new", created["n"], amount=created["amount"] or Decimal("0"))
    advanced = (StageChange.objects.filter(by=ctx.author, at__gte=ctx.start, at__lt=ctx.end,
                                           from_stage__isnull=False, opportunity__deleted_at__isnull=True)
                .aggregate(n=Count("id"), deals=Count("opportunity", distinct=True)))
    yield SummaryLine("opportunities_advanced", advanced["n"], breakdown={"deals": advanced["deals"]})
    closed = Opportunity.objects.filter(owner=ctx.author, closed_on__gte=ctx.period_start,
                                        closed_on__lt=ctx.period_end).aggregate(
        won=Count("id", filter=Q(status=OpportunityStatus.WON)),
        won_amount=Sum("amount", filter=Q(status=OpportunityStatus.WON)),
        lost=Count("id", filter=Q(status=OpportunityStatus.LOST)),
        lost_amount=Sum("amount", filter=Q(status=OpportunityStatus.LOST)))
    yield SummaryLine("opportunities_won", closed["won"], amount=closed["won_amount"] or Decimal("0"))
    yield SummaryLine("opportunities_lost", closed["lost"], amount=closed["lost_amount"] or Decimal("0"))


def _followup_kind_labels() -> dict[str, Any]:
    try:
        from forpcrm.sales.activity.models import FollowUpKind
    except ImportError:  # pragma: no cover - the activity part always ships with sales
        return {}
    return {f"followups.{value}": label for value, label in FollowUpKind.choices}


def builtin_providers_register() -> None:
    summary_provider_register("customers", _customers, order=10,
                              labels={"customers_new": _("New customers")})
    summary_provider_register("followups", _followups, order=20, labels={
        "followups": _("Follow-ups logged"), **_followup_kind_labels()})
    summary_provider_register("visits", _visits, order=30, labels={
        "visits_done": _("Visits done"), "visits_planned": _("Visits still planned")})
    summary_provider_register("opportunities", _opportunities, order=40, labels={
        "opportunities_new": _("Opportunities created"), "opportunities_advanced": _("Stage changes"),
        "opportunities_advanced.deals": _("opportunities moved"),
        "opportunities_won": _("Opportunities won"), "opportunities_lost": _("Opportunities lost")})
