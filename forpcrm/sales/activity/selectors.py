"""Reads of sales.activity: follow-ups, visit plans, check-ins, comments, calendar items."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from forpcrm.core.parsing import safe_filter_date, safe_filter_id
from forpcrm.org.models import User

from .models import CheckIn, Comment, FollowUp, VisitPlan, VisitRecurrence, VisitStatus


def target_ref(target) -> tuple[str, str]:
    """(target_type, target_id) of a record: its ``label_lower`` and its primary key as text."""
    return target._meta.label_lower, str(target.pk)


def comments_for(*, target) -> QuerySet[Comment]:
    """The comments on `target`, oldest first. The caller passes a record the user may see."""
    target_type, target_id = target_ref(target)
    return (Comment.objects.filter(target_type=target_type, target_id=target_id)
            .select_related("author").order_by("created_at", "id"))


# ---------------------------------------------------------------- lists

FOLLOWUP_SORTS = {"at": "at", "next_at": "next_at", "customer": "customer__name", "kind": "kind"}
VISIT_SORTS = {"starts_at": "starts_at", "customer": "customer__name", "status": "status"}


def _int(value) -> int | None:
    return safe_filter_id(value)


def user_zone(user) -> ZoneInfo:
    try:
        return ZoneInfo(getattr(user, "time_zone", "") or "Asia/Shanghai")
    except Exception:
        return ZoneInfo("Asia/Shanghai")


def _day_bounds(user, params: Mapping[str, str]) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``date_from`` / ``date_to`` (local days, inclusive) as a half-open UTC range."""
    zone = user_zone(user)
    start = end = None
    first = safe_filter_date(params.get("date_from"))  # an invalid value is no filter; the page notes it
    last = safe_filter_date(params.get("date_to"))
    if first:
        start = dt.datetime.combine(first, dt.time(), tzinfo=zone)
    if last:
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return start, end


def _sorted(qs, params, sorts: dict[str, str], default: str):
    sort = str(params.get("sort") or default)
    name = sort.lstrip("-")
    if name not in sorts:
        sort, name = default, default.lstrip("-")
    desc = sort.startswith("-")
    column = sorts[name]
    return qs.order_by(f"-{column}" if desc else column, "-id" if desc else "id")


def followup_list(*, user: User, params: Mapping[str, str]):
    """Scoped, searched, filtered and sorted follow-ups (id tie-breaker)."""
    qs = FollowUp.objects.visible_to(user).select_related("customer", "contact", "opportunity", "owner")
    q = str(params.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(content__icontains=q) | Q(next_content__icontains=q) | Q(customer__name__icontains=q))
    kind = str(params.get("kind") or "")
    if kind:
        qs = qs.filter(kind=kind)
    for key in ("owner", "customer", "contact", "opportunity", "visit"):
        value = _int(params.get(key))
        if value is not None:
            qs = qs.filter(**{f"{key}_id": value})
    if params.get("mine") in ("1", "true"):
        qs = qs.filter(owner=user)
    start, end = _day_bounds(user, params)
    if start:
        qs = qs.filter(at__gte=start)
    if end:
        qs = qs.filter(at__lt=end)
    return _sorted(qs, params, FOLLOWUP_SORTS, "-at")


def visit_list(*, user: User, params: Mapping[str, str]):
    qs = VisitPlan.objects.visible_to(user).select_related("customer", "owner", "opportunity")
    q = str(params.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(purpose__icontains=q) | Q(customer__name__icontains=q))
    status = str(params.get("status") or "")
    if status in VisitStatus.values:
        qs = qs.filter(status=status)
    for key in ("owner", "customer", "opportunity"):
        value = _int(params.get(key))
        if value is not None:
            qs = qs.filter(**{f"{key}_id": value})
    start, end = _day_bounds(user, params)
    if start:
        qs = qs.filter(starts_at__gte=start)
    if end:
        qs = qs.filter(starts_at__lt=end)
    return _sorted(qs, params, VISIT_SORTS, "-starts_at")


def checkins_for(*, visit: VisitPlan):
    return visit.checkins.select_related("user").order_by("-at", "-id")


def visit_detail_queryset():
    return VisitPlan.objects.select_related("customer", "owner", "opportunity", "department").prefetch_related(
        "contacts", "companions", Prefetch("checkins", queryset=CheckIn.objects.select_related("user")))


# ---------------------------------------------------------------- calendar


@dataclass
class CalendarItem:
    kind: str  # "visit" | "followup" | "next_followup"
    start: dt.datetime
    end: dt.datetime
    title: str
    url: str
    owner: User | None
    customer_name: str = ""
    status: str = ""
    record_id: int = 0
    extra: dict = field(default_factory=dict)


def _who_filter(qs, who: set[int] | None, *, companions: bool = False):
    if who is None:
        return qs
    if companions:
        ids = sorted(who)
        return qs.filter(Q(owner_id__in=ids) | Q(companions__in=ids)).distinct()
    return qs.filter(owner_id__in=sorted(who))


def calendar_items(*, user: User, start: dt.datetime, end: dt.datetime, who: set[int] | None) -> list[CalendarItem]:
    """Visits (each occurrence of weekly ones), follow-ups done and next follow-ups due in [start, end),
    of the users ``who`` (None = everyone the user may see), only from visible records. Four queries."""
    from django.urls import reverse

    from .services import visit_occurrences

    items: list[CalendarItem] = []
    visits = _who_filter(VisitPlan.objects.visible_to(user), who, companions=True).select_related("customer", "owner")
    visits = visits.exclude(status=VisitStatus.CANCELLED)
    one_off = visits.filter(recurrence=VisitRecurrence.NONE, starts_at__lt=end, ends_at__gt=start)
    weekly = visits.filter(recurrence=VisitRecurrence.WEEKLY, starts_at__lt=end).filter(
        Q(repeat_until__isnull=True) | Q(repeat_until__gte=(start - dt.timedelta(days=1)).date()))
    for plan in list(one_off.order_by("starts_at", "id")) + list(weekly.order_by("starts_at", "id")):
        url = reverse("sales:visit_detail", args=[plan.pk])
        for occ_start, occ_end in visit_occurrences(plan, start=start, end=end):
            items.append(CalendarItem("visit", occ_start, occ_end, plan.purpose, url, plan.owner,
                                      plan.customer.name, plan.status, plan.pk,
                                      {"recurring": plan.is_recurring}))
    followups = _who_filter(FollowUp.objects.visible_to(user), who).select_related("customer", "owner")
    for row in followups.filter(at__gte=start, at__lt=end).order_by("at", "id"):
        items.append(CalendarItem("followup", row.at, row.at, row.content[:80], reverse(
            "sales:followup_detail", args=[row.pk]), row.owner, row.customer.name, row.kind, row.pk))
    for row in followups.filter(next_at__gte=start, next_at__lt=end).order_by("next_at", "id"):
        items.append(CalendarItem("next_followup", row.next_at, row.next_at, row.next_content[:80] or row.content[:80],
                                  reverse("sales:followup_detail", args=[row.pk]), row.owner, row.customer.name,
                                  "", row.pk))
    items.sort(key=lambda item: (item.start, item.kind, item.record_id))
    return items


def now_utc() -> dt.datetime:
    return timezone.now()
