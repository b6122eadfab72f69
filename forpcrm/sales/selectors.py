"""Reads of the sales app: lists, the kanban board and the overview statistics.

Every figure is an SQL aggregate (GROUP BY) over ``Opportunity.objects.visible_to(user)``: a rep sees
his own figures, a manager those of his subtree, a director his department tree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum, Window
from django.db.models.functions import Coalesce, RowNumber, TruncDate, TruncMonth, TruncQuarter
from django.utils import timezone

from forpcrm.core.money import to_money
from forpcrm.core.parsing import safe_filter_date, safe_filter_id
from forpcrm.customfields import registry as customfields
from forpcrm.customfields.models import Entity
from forpcrm.org.access import subordinate_ids
from forpcrm.org.models import Department, User

from .models import Opportunity, OpportunityStatus, Pipeline, Stage, StageKind

ZERO = Decimal("0.00")
SORTS = {"name", "amount", "probability", "expected_close_date", "closed_on", "created_at", "updated_at", "stage"}


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    if isinstance(value, dt.date):
        return value
    return safe_filter_date(value)


def _int(value: Any) -> int | None:
    return safe_filter_id(value)


def quick_filter(qs: QuerySet, user: User, quick: str) -> QuerySet:
    """mine / team (own and subordinates) / month (expected to close this month)."""
    if quick == "mine":
        return qs.filter(owner=user)
    if quick == "team":
        return qs.filter(owner_id__in=[user.pk, *sorted(subordinate_ids(user))])
    if quick == "month":
        today = timezone.localdate()
        first = today.replace(day=1)
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        return qs.filter(status=OpportunityStatus.OPEN, expected_close_date__range=(first, last))
    return qs


def opportunity_list(*, user: User, params: Mapping[str, str]) -> QuerySet:
    """Scoped, filtered, searched and sorted (with an id tie-breaker) list of opportunities."""
    qs = Opportunity.objects.visible_to(user).select_related("customer", "stage", "pipeline", "owner")
    q = (params.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(customer__name__icontains=q) | Q(external_ref__iexact=q))
    for key in ("pipeline", "stage", "owner", "customer", "department"):
        value = _int(params.get(key))
        if value is not None:
            qs = qs.filter(**{f"{key}_id": value})
    status = params.get("status")
    if status in OpportunityStatus.values:
        qs = qs.filter(status=status)
    tag = (params.get("tag") or "").strip()
    if tag:
        qs = qs.filter(tags__contains=[tag]) if _json_contains_supported() else qs.filter(tags__icontains=f'"{tag}"')
    for key, lookup in (("close_from", "expected_close_date__gte"), ("close_to", "expected_close_date__lte")):
        value = _date(params.get(key))
        if value:
            qs = qs.filter(**{lookup: value})
    if any(key.startswith("custom__") for key in params):
        qs = customfields.filter_queryset(qs, Entity.OPPORTUNITY, {key: params.get(key) for key in params})
    qs = quick_filter(qs, user, params.get("quick") or "")
    sort = params.get("sort") or "-created_at"
    name = sort.lstrip("-")
    if name not in SORTS:
        sort, name = "-created_at", "created_at"
    if name == "stage":
        sort = sort.replace("stage", "stage__sort_order")
    desc = sort.startswith("-")
    return qs.order_by(sort, "-id" if desc else "id")


def _json_contains_supported() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


@dataclass
class Column:
    stage: Stage
    count: int = 0
    amount: Decimal = ZERO
    weighted: Decimal = ZERO
    cards: list[Opportunity] = field(default_factory=list)


CARDS_PER_COLUMN = 50


def kanban_board(*, user: User, pipeline: Pipeline, params: Mapping[str, str]) -> list[Column]:
    """Columns per stage with count, amount and weighted totals (one GROUP BY) and the newest cards
    of each column (one query for all columns: a row number per stage)."""
    stages = list(pipeline.stages.order_by("sort_order", "id"))
    qs = quick_filter(Opportunity.objects.visible_to(user).filter(pipeline=pipeline), user, params.get("quick") or "")
    q = (params.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(customer__name__icontains=q))
    totals = {row["stage_id"]: row for row in qs.order_by().values("stage_id").annotate(
        n=Count("id"), total=Sum("amount"), wsum=Sum(_weighted_expr()))}
    cards: dict[int, list[Opportunity]] = {}
    if totals:
        ranked = (qs.select_related("customer", "owner")
                  .annotate(card_rank=Window(RowNumber(), partition_by=[F("stage_id")],
                                             order_by=[F("updated_at").desc(), F("id").desc()]))
                  .filter(card_rank__lte=CARDS_PER_COLUMN).order_by("stage_id", "-updated_at", "-id"))
        for card in ranked:
            cards.setdefault(card.stage_id, []).append(card)
    columns = []
    for stage in stages:
        row = totals.get(stage.pk) or {}
        columns.append(Column(stage, row.get("n", 0), to_money(row.get("total") or 0),
                              to_money((row.get("wsum") or 0) / Decimal(100)), cards.get(stage.pk, [])))
    return columns


# ---------------------------------------------------------------- overview statistics


def _weighted_expr():
    return ExpressionWrapper(F("amount") * F("probability"), output_field=DecimalField(max_digits=24, decimal_places=2))


@dataclass
class OverviewFilter:
    level: str = "company"  # user / department / company
    user_id: int | None = None
    department_id: int | None = None
    pipeline_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> OverviewFilter:
        level = params.get("level") or "company"
        if level not in ("user", "department", "company"):
            level = "company"
        return cls(level=level, user_id=_int(params.get("user")), department_id=_int(params.get("department")),
                   pipeline_id=_int(params.get("pipeline")), date_from=_date(params.get("date_from")),
                   date_to=_date(params.get("date_to")))


def overview_queryset(*, user: User, flt: OverviewFilter) -> QuerySet:
    """The visible opportunities narrowed to the chosen user / department subtree, pipeline and period.

    The period applies to the deal's date: the close date for won and lost deals, else the engage
    date, else the day it was created."""
    qs = Opportunity.objects.visible_to(user)
    if flt.level == "user":
        qs = qs.filter(owner_id=flt.user_id or user.pk)
    elif flt.level == "department":
        department_id = flt.department_id or user.department_id
        path = Department.objects.filter(pk=department_id).values_list("path", flat=True).first()
        qs = qs.filter(department__path__startswith=path) if path else qs.none()
    if flt.pipeline_id:
        qs = qs.filter(pipeline_id=flt.pipeline_id)
    if flt.date_from or flt.date_to:
        qs = qs.annotate(deal_date=Coalesce("closed_on", "engaged_on", TruncDate("created_at")))
        if flt.date_from:
            qs = qs.filter(deal_date__gte=flt.date_from)
        if flt.date_to:
            qs = qs.filter(deal_date__lte=flt.date_to)
    return qs


def _quarter_label(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _ranking(qs: QuerySet, key: str, label_of: dict[int | None, str]) -> list[dict[str, Any]]:
    rows = (qs.filter(status=OpportunityStatus.WON).order_by().values(key)
            .annotate(n=Count("id"), total=Sum("amount")))
    items = [{"id": r[key], "name": label_of.get(r[key], "—"), "count": r["n"],
              "amount": to_money(r["total"] or 0)} for r in rows]
    items.sort(key=lambda item: (-item["amount"], item["name"]))
    return items


def sales_overview(*, user: User, params: Mapping[str, str]) -> dict[str, Any]:
    """Funnel, won / lost, win rate, average cycle, won by month and quarter, rankings."""
    flt = OverviewFilter.from_params(params)
    qs = overview_queryset(user=user, flt=flt)
    by_stage = {r["stage_id"]: r for r in qs.order_by().values("stage_id").annotate(
        n=Count("id"), total=Sum("amount"), wsum=Sum(_weighted_expr()))}
    stages = Stage.objects.filter(pk__in=list(by_stage)).select_related("pipeline").order_by(
        "pipeline__sort_order", "pipeline_id", "sort_order", "id")
    if flt.pipeline_id:
        stages = Stage.objects.filter(pipeline_id=flt.pipeline_id).select_related("pipeline").order_by("sort_order", "id")
    # Funnel order: the open stages in pipeline order, then won; lost last (shown, but not a funnel step).
    kind_rank = {StageKind.OPEN: 0, StageKind.WON: 1, StageKind.LOST: 2}
    stages = sorted(stages, key=lambda st: (kind_rank.get(st.kind, 0), st.pipeline.sort_order, st.pipeline_id,
                                            st.sort_order, st.id))
    funnel = []
    for stage in stages:
        row = by_stage.get(stage.pk) or {}
        funnel.append({"stage_id": stage.pk, "name": stage.name, "pipeline": stage.pipeline.name, "kind": stage.kind,
                       "in_funnel": stage.kind != StageKind.LOST,
                       "probability": stage.probability, "count": row.get("n", 0),
                       "amount": to_money(row.get("total") or 0),
                       "weighted": to_money((row.get("wsum") or 0) / Decimal(100))})
    status_rows = {r["status"]: r for r in qs.order_by().values("status").annotate(
        n=Count("id"), total=Sum("amount"), wsum=Sum(_weighted_expr()), cycle=Avg("cycle_days"))}
    won = status_rows.get(OpportunityStatus.WON, {})
    lost = status_rows.get(OpportunityStatus.LOST, {})
    open_ = status_rows.get(OpportunityStatus.OPEN, {})
    won_count, lost_count = won.get("n", 0), lost.get("n", 0)
    win_rate = None
    if won_count + lost_count:
        win_rate = (Decimal(100) * won_count / (won_count + lost_count)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    avg_cycle = None
    if won.get("cycle") is not None:
        avg_cycle = Decimal(str(won["cycle"])).quantize(Decimal("0.1"), ROUND_HALF_UP)
    won_qs = qs.filter(status=OpportunityStatus.WON, closed_on__isnull=False).order_by()
    by_month = [{"period": r["period"].strftime("%Y-%m"), "count": r["n"], "amount": to_money(r["total"] or 0)}
                for r in won_qs.annotate(period=TruncMonth("closed_on")).values("period")
                .annotate(n=Count("id"), total=Sum("amount")).order_by("period")]
    by_quarter = [{"period": _quarter_label(r["period"]), "count": r["n"], "amount": to_money(r["total"] or 0)}
                  for r in won_qs.annotate(period=TruncQuarter("closed_on")).values("period")
                  .annotate(n=Count("id"), total=Sum("amount")).order_by("period")]
    owner_ids = set(qs.order_by().values_list("owner_id", flat=True).distinct())
    users = {u.pk: u for u in User.objects.filter(pk__in=owner_ids)}
    manager_ids = {u.manager_id for u in users.values() if u.manager_id}
    managers = {u.pk: str(u) for u in User.objects.filter(pk__in=manager_ids)}
    departments = {d.pk: d.name for d in Department.objects.filter(
        pk__in=set(qs.order_by().values_list("department_id", flat=True).distinct()))}
    return {
        "filter": flt,
        "funnel": funnel,
        "open": {"count": open_.get("n", 0), "amount": to_money(open_.get("total") or 0),
                 "weighted": to_money((open_.get("wsum") or 0) / Decimal(100))},
        "won": {"count": won_count, "amount": to_money(won.get("total") or 0)},
        "lost": {"count": lost_count, "amount": to_money(lost.get("total") or 0)},
        "win_rate": win_rate,
        "avg_cycle_days": avg_cycle,
        "won_by_month": by_month,
        "won_by_quarter": by_quarter,
        "reps": _ranking(qs, "owner_id", {pk: str(u) for pk, u in users.items()}),
        "managers": _ranking(qs, "owner__manager_id", managers),
        "departments": _ranking(qs, "department_id", departments),
    }


def stage_history(*, opportunity: Opportunity) -> QuerySet:
    return opportunity.stage_changes.select_related("from_stage", "to_stage", "by").order_by("at", "id")


def pipelines_visible(*, user: User) -> QuerySet:
    return Pipeline.objects.filter(is_active=True).order_by("sort_order", "id")


__all__ = ["StageKind", "kanban_board", "opportunity_list", "sales_overview"]
