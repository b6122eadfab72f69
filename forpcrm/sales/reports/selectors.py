"""Reads of sales.reports: report lists, rule targets, the missing-submissions list, urge lists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forpcrm.core.parsing import safe_filter_date, safe_filter_id
from forpcrm.org.access import departments_in_scope, scope_for, subordinate_ids
from forpcrm.org.models import DataScope, Department, Module, User

from .models import ReportKind, ReportRule, ReportStatus, SalesReport, Urge, UrgeStatus
from .periods import deadline_for, period_for, period_required

REPORT_SORTS = {
    "-period_start": ("-period_start", "-id"), "period_start": ("period_start", "id"),
    "-submitted_at": ("-submitted_at", "-id"), "author": ("author__display_name", "author__username", "id"),
    "status": ("status", "-period_start", "-id"),
}
URGE_STATES = [("open", _("Open")), ("answered", _("Answered")), ("done", _("Done")),
               ("cancelled", _("Cancelled")), ("overdue", _("Overdue"))]
SEARCH_MAX = 100  # longer text is cut: a search is a few words


def _q(params) -> str:
    return str(params.get("q") or "").strip()[:SEARCH_MAX]


URGE_SORTS = {"due_at": ("due_at", "id"), "-due_at": ("-due_at", "-id"), "-created_at": ("-created_at", "-id")}


def _date(value) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    return safe_filter_date(value)  # an invalid value is no filter; the page notes it


def _int(value) -> int | None:
    return safe_filter_id(value)


def report_list(*, user: User, params: Any) -> QuerySet[SalesReport]:
    """Reports the user may see. params: tab=mine|review (review: others' submitted reports),
    kind, status, author, date (reports whose period contains it), date_from/date_to (period start), q (text
    in the author's name or the report's content; the other filters narrow first), sort."""
    qs = SalesReport.objects.visible_to(user).select_related("author", "reviewed_by", "department")
    tab = params.get("tab") or "mine"
    if tab == "mine":
        qs = qs.filter(author=user)
    elif tab == "review":
        qs = qs.exclude(author=user).filter(status=ReportStatus.SUBMITTED)
    elif tab == "team":
        qs = qs.exclude(author=user)
    if params.get("kind") in ReportKind.values:
        qs = qs.filter(kind=params["kind"])
    if params.get("status") in ReportStatus.values:
        qs = qs.filter(status=params["status"])
    author = _int(params.get("author"))
    if author:
        qs = qs.filter(author_id=author)
    day = _date(params.get("date"))
    if day:
        qs = qs.filter(period_start__lte=day, period_end__gt=day)
    if _date(params.get("date_from")):
        qs = qs.filter(period_start__gte=_date(params["date_from"]))
    if _date(params.get("date_to")):
        qs = qs.filter(period_start__lte=_date(params["date_to"]))
    q = _q(params)
    if q:
        qs = qs.filter(Q(author__display_name__icontains=q) | Q(author__username__iexact=q) | Q(done__icontains=q)
                       | Q(plans__icontains=q) | Q(problems__icontains=q))
    return qs.order_by(*REPORT_SORTS.get(params.get("sort") or "", REPORT_SORTS["-period_start"]))


def report_authors(*, user: User) -> QuerySet[User]:
    """Users whose reports the user may see (for the author filter)."""
    ids = SalesReport.objects.visible_to(user).order_by().values("author_id")
    return User.objects.filter(pk__in=ids).order_by("display_name", "username", "id")


# ---------------------------------------------------------------- rules and missing reports


def rule_target_users(rule: ReportRule) -> QuerySet[User]:
    """Active users the rule asks reports of: (in its departments, sub-departments included when set)
    and (holding one of its roles) — an empty list does not narrow, both empty means nobody — plus its
    listed users."""
    departments = list(rule.departments.all())
    role_ids = list(rule.roles.values_list("id", flat=True))
    q = Q(pk__in=[])
    if departments or role_ids:
        group = Q()
        if departments:
            if rule.include_subdepartments:
                dq = Q()
                for department in departments:
                    dq |= Q(department__path__startswith=department.path)
                group &= dq
            else:
                group &= Q(department_id__in=[d.pk for d in departments])
        if role_ids:
            group &= Q(pk__in=User.roles.through.objects.filter(role_id__in=role_ids).values("user_id"))
        q |= group
    q |= Q(pk__in=rule.users.values("pk"))
    return User.objects.filter(q, is_active=True).order_by("display_name", "username", "id")


def users_in_report_scope(user: User) -> QuerySet[User]:
    """Users whose reports fall in the user's reports scope (the user included)."""
    scope = scope_for(user, Module.REPORTS)
    if scope is None:
        return User.objects.none()
    if scope == DataScope.ALL:
        return User.objects.all()
    q = Q(pk=user.pk)
    if scope == DataScope.OWN_AND_SUBORDINATES:
        q |= Q(pk__in=sorted(subordinate_ids(user)))
    departments = departments_in_scope(user, scope)
    if departments:
        q |= Q(department_id__in=sorted(departments))
    return User.objects.filter(q)


@dataclass
class MissingRow:
    user: User
    rule: ReportRule
    deadline: dt.datetime
    report: SalesReport | None
    state: str  # "missing" | "late" | "on_time" | "pending" (deadline not reached, nothing submitted)

    @property
    def is_problem(self) -> bool:
        return self.state in ("missing", "late")


def report_missing(*, user: User, kind: str, day: dt.date, now: dt.datetime | None = None,
                   only_problems: bool = False) -> list[MissingRow]:
    """For the ``kind`` period containing ``day``: everyone in the user's reports scope an active rule
    asks a report of, with their deadline (in their own zone) and whether they submitted, late, or not.
    A fixed number of queries: rules, their targets, the reports of the period."""
    now = now or timezone.now()
    start, end = period_for(kind, day)
    rules = list(ReportRule.objects.filter(is_active=True, kind=kind).prefetch_related("departments").order_by("id"))
    scope_ids = users_in_report_scope(user).values("pk")
    targets: dict[int, tuple[User, ReportRule]] = {}
    for rule in rules:
        if not period_required(rule, start):
            continue
        for target in rule_target_users(rule).filter(pk__in=scope_ids).select_related("department"):
            targets.setdefault(target.pk, (target, rule))
    reports = {r.author_id: r for r in SalesReport.objects.filter(kind=kind, period_start=start,
                                                                  author_id__in=list(targets))}
    rows = []
    for target, rule in targets.values():
        deadline = deadline_for(rule, start, end, target.time_zone or "Asia/Shanghai")
        report = reports.get(target.pk)
        submitted = report.submitted_at if report and report.status != ReportStatus.DRAFT else None
        if submitted is None:
            state = "missing" if now >= deadline else "pending"
        else:
            state = "late" if submitted > deadline else "on_time"
        rows.append(MissingRow(target, rule, deadline, report, state))
    if only_problems:
        rows = [r for r in rows if r.is_problem]
    order = {"missing": 0, "late": 1, "pending": 2, "on_time": 3}
    rows.sort(key=lambda r: (order[r.state], r.user.display_name or r.user.username, r.user.pk))
    return rows


def rules_list() -> QuerySet[ReportRule]:
    return ReportRule.objects.prefetch_related("departments", "roles", "users").order_by("kind", "name", "id")


def department_choices() -> QuerySet[Department]:
    return Department.objects.filter(is_active=True).order_by("path", "id")


# ---------------------------------------------------------------- urges


def urge_list(*, user: User, params: Any, now: dt.datetime | None = None) -> QuerySet[Urge]:
    """Urges the user may see. params: tab=mine (I urged) | me (urged to me) | all,
    state=open|answered|done|cancelled (that status) | overdue (open and past due), customer, opportunity,
    q (text in what, the answer or the customer's / opportunity's name), sort=due_at|-due_at|-created_at."""
    now = now or timezone.now()
    qs = Urge.objects.visible_to(user).select_related("customer", "opportunity", "assignee", "created_by")
    tab = params.get("tab") or "me"
    if tab == "mine":
        qs = qs.filter(created_by=user)
    elif tab == "me":
        qs = qs.filter(assignee=user)
    state = params.get("state") or ""
    if state == "overdue":
        qs = qs.filter(status=UrgeStatus.OPEN, due_at__lt=now)
    elif state in UrgeStatus.values:
        qs = qs.filter(status=state)
    if _int(params.get("customer")):
        qs = qs.filter(customer_id=_int(params["customer"]))
    if _int(params.get("opportunity")):
        qs = qs.filter(opportunity_id=_int(params["opportunity"]))
    q = _q(params)
    if q:
        qs = qs.filter(Q(what__icontains=q) | Q(answer__icontains=q) | Q(customer__name__icontains=q)
                       | Q(opportunity__name__icontains=q))
    return qs.order_by(*URGE_SORTS.get(params.get("sort") or "", URGE_SORTS["due_at"]))


def urges_for(*, user: User, customer=None, opportunity=None, limit: int = 20) -> list[Urge]:
    """The newest urges about a customer (all of its opportunities included) or an opportunity."""
    qs = Urge.objects.visible_to(user).select_related("assignee", "created_by", "opportunity")
    qs = qs.filter(opportunity=opportunity) if opportunity is not None else qs.filter(customer=customer)
    return list(qs.order_by("-created_at", "-id")[:limit])
