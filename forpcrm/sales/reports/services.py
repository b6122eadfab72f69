"""Writes of sales.reports: sales reports (create, edit, submit, reopen, review, comment), report
rules, urges (create, answer, done, cancel) and the two periodic jobs (missing reports, overdue urges).

Decisions (see docs/sales-reports.md):

- A report belongs to its author: only the author edits, refreshes, submits, reopens or deletes it.
- Submitting recomputes the summary one last time and freezes it; text and summary are then locked.
  The author may **reopen** a submitted report (back to draft) until it is reviewed; a reviewed
  report is final. Only drafts can be deleted.
- Reviewing needs the report in the reviewer's reports scope and a reviewer other than the author.
- Notifications are sent after the transaction commits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forpcrm.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from forpcrm.core.parsing import date_in_range
from forpcrm.notifications.messages import message
from forpcrm.org.access import departments_in_scope, require_perm, scope_for, subordinate_ids
from forpcrm.org.models import Action, DataScope, Department, Module, Role, User

from .models import ReportKind, ReportRule, ReportStatus, SalesReport, Urge, UrgeStatus
from .periods import deadline_for, latest_due_period, period_for, today_for
from .summary import summary_compute

TEXT_FIELDS = ("done", "plans", "problems")


def _notify(**kwargs) -> None:
    """Send after commit (the notification app does the rest)."""
    from forpcrm.notifications.services import notify

    transaction.on_commit(lambda: notify(**kwargs))


# ---------------------------------------------------------------- reports


def report_reviewer(author: User) -> User | None:
    """Who reviews the author's reports: the direct manager, else the head of the author's department."""
    if author.manager_id and author.manager_id != author.pk:
        return author.manager
    if author.department_id:
        head = Department.objects.filter(pk=author.department_id).values_list("manager_id", flat=True).first()
        if head and head != author.pk:
            return User.objects.filter(pk=head, is_active=True).first()
    return None


def _lock(report: SalesReport, expected_version: int | None = None) -> SalesReport:
    current = SalesReport.objects.select_for_update(of=("self",)).select_related("author").get(pk=report.pk)
    if expected_version is not None and expected_version != current.version:
        raise ConflictError(
            _("Someone else changed this report since you opened it; reload and try again."),
            current={"version": current.version, "status": current.status, "done": current.done,
                     "plans": current.plans, "problems": current.problems})
    return current


def _require_author(report: SalesReport, by: User) -> None:
    if report.author_id != by.pk:
        raise PermissionDeniedError(_("Only the author may change a report."))


def _require_draft(report: SalesReport) -> None:
    if report.status != ReportStatus.DRAFT:
        raise ApplicationError(_("The report was submitted and is locked; reopen it first."), code="report_locked")


def _clean_text(data: dict[str, Any]) -> dict[str, str]:
    return {key: str(data[key] or "") for key in TEXT_FIELDS if key in data}


def _set_summary(report: SalesReport) -> None:
    report.summary = summary_compute(author=report.author, period_start=report.period_start,
                                     period_end=report.period_end)
    report.summary_at = timezone.now()


@transaction.atomic
def report_create(*, by: User, kind: str, day: dt.date | None = None, data: dict[str, Any] | None = None
                  ) -> SalesReport:
    """A draft report of ``by`` for the ``kind`` period containing ``day`` (default: today in the
    author's zone), with the summary computed now. One report per author, kind and period."""
    require_perm(by, Module.REPORTS, Action.CREATE)
    if kind not in ReportKind.values:
        raise ValidationError({"kind": [_("Choose daily, weekly or monthly.")]})
    try:
        start, end = period_for(kind, day or today_for(by))
        date_in_range(day)
    except ValueError as exc:
        raise ValidationError({"date": [str(exc)]}) from exc
    if start > today_for(by):
        raise ValidationError({"date": [_("This period has not started yet; a report can be written from its "
                                          "first day on.")]})
    existing = SalesReport.objects.filter(author=by, kind=kind, period_start=start).values_list("pk", flat=True).first()
    if existing:
        raise ApplicationError(_("You already have a report for this period."), code="report_exists",
                               extra={"id": existing})
    report = SalesReport(kind=kind, period_start=start, period_end=end, author=by, department_id=by.department_id,
                         created_by=by, updated_by=by, **_clean_text(data or {}))
    _set_summary(report)
    report.full_clean(exclude=["author", "department", "created_by", "updated_by", "reviewed_by"],
                      validate_unique=False, validate_constraints=False)
    report.save()
    return report


@transaction.atomic
def report_update(*, report: SalesReport, by: User, data: dict[str, Any],
                  expected_version: int | None = None) -> SalesReport:
    """Change the text of a draft (keys done, plans, problems; with ``refresh=True`` the summary too)."""
    require_perm(by, Module.REPORTS, Action.EDIT)
    _require_author(report, by)
    current = _lock(report, expected_version)
    _require_draft(current)
    for key, value in _clean_text(data).items():
        setattr(current, key, value)
    if data.get("refresh"):
        _set_summary(current)
    current.full_clean(exclude=["author", "department", "created_by", "updated_by", "reviewed_by"],
                       validate_unique=False, validate_constraints=False)
    current.version += 1
    current.updated_by = by
    current.save()
    return current


def report_refresh_summary(*, report: SalesReport, by: User) -> SalesReport:
    """Recompute the summary of a draft from the CRM as it is now."""
    return report_update(report=report, by=by, data={"refresh": True})


@transaction.atomic
def report_submit(*, report: SalesReport, by: User, expected_version: int | None = None) -> SalesReport:
    """Draft → submitted: the summary is computed a last time and frozen; the reviewer is notified."""
    require_perm(by, Module.REPORTS, Action.EDIT)
    _require_author(report, by)
    current = _lock(report, expected_version)
    _require_draft(current)
    if not any((getattr(current, key) or "").strip() for key in TEXT_FIELDS):
        raise ValidationError({"done": [_("Write at least what was done, the plans or the problems (work done, "
                                          "plans, problems and help needed) before submitting.")]})
    _set_summary(current)
    current.status = ReportStatus.SUBMITTED
    current.submitted_at = timezone.now()
    current.version += 1
    current.updated_by = by
    current.save()
    reviewer = report_reviewer(current.author)
    if reviewer is not None:
        _notify(recipient=reviewer, kind="report_to_review", actor=by, obj=current,
                title=message(gettext_noop("%(author)s submitted the %(kind)s of %(period)s"),
                              author=str(current.author), kind=ReportKind(current.kind).label,
                              period=current.period_start))
    return current


@transaction.atomic
def report_reopen(*, report: SalesReport, by: User) -> SalesReport:
    """Submitted → draft (the author, before the review); the summary may be refreshed again."""
    require_perm(by, Module.REPORTS, Action.EDIT)
    _require_author(report, by)
    current = _lock(report)
    if current.status != ReportStatus.SUBMITTED:
        raise ApplicationError(_("Only a submitted report that is not reviewed yet can be reopened."),
                               code="report_not_submitted")
    current.status = ReportStatus.DRAFT
    current.submitted_at = None
    current.version += 1
    current.updated_by = by
    current.save()
    return current


def _require_visible(report: SalesReport, by: User) -> None:
    from django.http import Http404

    if not SalesReport.objects.visible_to(by).filter(pk=report.pk).exists():
        raise Http404(_("Not found."))


def can_review(report: SalesReport, user: User) -> bool:
    return (report.status == ReportStatus.SUBMITTED and report.author_id != user.pk
            and SalesReport.objects.visible_to(user).filter(pk=report.pk).exists())


@transaction.atomic
def report_review(*, report: SalesReport, by: User, comment: str = "") -> SalesReport:
    """Submitted → reviewed by someone whose reports scope covers the author (never the author).
    The author gets REPORT_REVIEWED; a ``comment`` is added as a comment (which notifies as comments do)."""
    require_perm(by, Module.REPORTS, Action.VIEW)
    _require_visible(report, by)
    if report.author_id == by.pk:
        raise PermissionDeniedError(_("You cannot review your own report."))
    current = _lock(report)
    if current.status != ReportStatus.SUBMITTED:
        raise ApplicationError(_("Only a submitted report can be marked reviewed."), code="report_not_submitted")
    current.status = ReportStatus.REVIEWED
    current.reviewed_by = by
    current.reviewed_at = timezone.now()
    current.version += 1
    current.save()
    if comment.strip():
        report_comment(report=current, by=by, body=comment)
    _notify(recipient=current.author, kind="report_reviewed", actor=by, obj=current,
            title=message(gettext_noop("%(reviewer)s reviewed your %(kind)s of %(period)s"), reviewer=str(by),
                          kind=ReportKind(current.kind).label, period=current.period_start))
    return current


def report_comment(*, report: SalesReport, by: User, body: str):
    """A comment on a report the user may see (the author is notified by the comments service)."""
    from forpcrm.sales.activity.services import comment_add

    require_perm(by, Module.REPORTS, Action.VIEW)
    _require_visible(report, by)
    if not (body or "").strip():
        raise ValidationError({"body": [_("Write a comment.")]})
    return comment_add(by=by, target=report, body=body)


@transaction.atomic
def report_delete(*, report: SalesReport, by: User) -> None:
    """Delete a draft (its history keeps it). Submitted and reviewed reports stay."""
    _require_author(report, by)
    current = _lock(report)
    _require_draft(current)
    current.delete()


# ---------------------------------------------------------------- rules

RULE_FIELDS = ("name", "kind", "include_subdepartments", "deadline_days", "deadline_time", "skip_weekends",
               "is_active")


def _ids(values, model) -> list:
    if values is None:
        return []
    items = [getattr(v, "pk", v) for v in values]
    found = list(model.objects.filter(pk__in=[i for i in items if str(i).isdigit()]))
    if len(found) != len({str(i) for i in items}):
        raise ValidationError({model._meta.model_name + "s": [_("Unknown value in the list.")]})
    return found


@transaction.atomic
def rule_save(*, by: User, data: dict[str, Any], rule: ReportRule | None = None) -> ReportRule:
    """Create or change a report rule (reports "configure"). Keys: name, kind, departments, roles, users
    (lists of records or ids), include_subdepartments, deadline_days, deadline_time, skip_weekends, is_active."""
    require_perm(by, Module.REPORTS, Action.CONFIGURE)
    rule = ReportRule.objects.select_for_update().get(pk=rule.pk) if rule else ReportRule(created_by=by)
    for key in RULE_FIELDS:
        if key in data:
            setattr(rule, key, data[key])
    if rule.deadline_time is None:
        raise ValidationError({"deadline_time": [_("Enter the local time of the deadline.")]})
    rule.updated_by = by
    rule.full_clean(exclude=["created_by", "updated_by"])
    relations = {name: _ids(data[name], model) for name, model in
                 (("departments", Department), ("roles", Role), ("users", User)) if name in data}
    rule.save()
    for name, records in relations.items():
        getattr(rule, name).set(records)
    return rule


@transaction.atomic
def rule_delete(*, by: User, rule: ReportRule) -> None:
    require_perm(by, Module.REPORTS, Action.CONFIGURE)
    ReportRule.objects.filter(pk=rule.pk).delete()


# ---------------------------------------------------------------- the missing-report job


def reports_missing_job(now: dt.datetime) -> int:
    """REPORT_MISSING to every targeted user whose latest due period has no submitted report, once per
    user, kind and period (dedupe key). Periods that ended before the rule existed are not asked for."""
    from forpcrm.notifications.services import notify

    from .selectors import rule_target_users

    sent = 0
    for rule in ReportRule.objects.filter(is_active=True).order_by("id"):
        users = list(rule_target_users(rule).only("id", "time_zone", "date_joined", "is_active", "email"))
        due: dict[int, tuple[dt.date, dt.date]] = {}
        for user in users:
            tz_name = user.time_zone or "Asia/Shanghai"
            period = latest_due_period(rule, tz_name, now)
            if period is None:
                continue
            deadline = deadline_for(rule, *period, tz_name)
            if deadline < rule.created_at or period[1] <= today_for(user, user.date_joined):
                continue
            due[user.pk] = period
        if not due:
            continue
        starts = {p[0] for p in due.values()}
        submitted = set(SalesReport.objects.filter(
            kind=rule.kind, author_id__in=list(due), period_start__in=starts,
            status__in=[ReportStatus.SUBMITTED, ReportStatus.REVIEWED]).values_list("author_id", "period_start"))
        for user in users:
            period = due.get(user.pk)
            if period is None or (user.pk, period[0]) in submitted:
                continue
            created = notify(
                recipient=user, kind="report_missing",
                title=message(gettext_noop("Your %(kind)s for %(period)s is missing"),
                              kind=ReportKind(rule.kind).label, period=period[0]),
                url=_create_url(rule.kind, period[0]),
                dedupe_key=f"report-missing:{rule.kind}:{period[0].isoformat()}")
            sent += created is not None
    return sent


def _create_url(kind: str, day: dt.date) -> str:
    from django.urls import reverse

    return f"{reverse('sales:report_create')}?kind={kind}&date={day.isoformat()}"


# ---------------------------------------------------------------- urges


def _urge_target(data: dict[str, Any]):
    """(customer, opportunity) from data["customer"] / data["opportunity"] (records or ids), exactly one."""
    from forpcrm.customers.models import Customer
    from forpcrm.sales.models import Opportunity

    customer, opportunity = data.get("customer"), data.get("opportunity")
    if bool(customer) == bool(opportunity):
        raise ValidationError({"customer": [_("Choose a customer or an opportunity (exactly one).")]})
    if opportunity:
        pk = getattr(opportunity, "pk", opportunity)
        record = Opportunity.objects.select_related("customer", "owner").filter(pk=pk).first()
        return (record.customer if record else None), record
    pk = getattr(customer, "pk", customer)
    return Customer.objects.select_related("owner").filter(pk=pk).first(), None


def urge_allowed(*, by: User, record, assignee: User | None = None) -> bool:
    """May ``by`` urge the owner (or ``assignee``) of ``record`` (a customer or an opportunity)?

    The record must be in ``by``'s own data scope of its module (team membership does not count), the
    assignee must not be ``by``, and ``by`` must be above the assignee in the manager chain or hold a
    department / all scope that covers the record."""
    assignee = assignee or record.owner
    if assignee is None or assignee.pk == by.pk or not by.is_active:
        return False
    module = Module.OPPORTUNITIES if record._meta.model_name == "opportunity" else Module.CUSTOMERS
    scope = scope_for(by, module)
    if scope is None or not type(record).objects.visible_to(by).filter(pk=record.pk).exists():
        return False
    if scope == DataScope.ALL or assignee.pk in subordinate_ids(by):
        return True
    departments = departments_in_scope(by, scope) or set()
    return bool(record.department_id and record.department_id in departments)


@transaction.atomic
def urge_create(*, by: User, data: dict[str, Any]) -> Urge:
    """Urge the owner of a customer or an opportunity. data: customer | opportunity (one of them),
    what, due_at (aware; a naive value is wall time in ``by``'s zone), assignee (default: the owner).
    A record ``by`` may not see answers 404; one ``by`` may see but not urge, 403."""
    from django.http import Http404

    require_perm(by, Module.ACTIVITIES, Action.CREATE)
    customer, opportunity = _urge_target(data)
    record = opportunity or customer
    if record is None or not type(record).objects.visible_to(by).filter(pk=record.pk).exists():
        raise Http404(_("Not found."))
    assignee = data.get("assignee") or record.owner
    if assignee is not None and not isinstance(assignee, User):
        assignee = User.objects.filter(pk=assignee, is_active=True).first()
        if assignee is None:
            raise ValidationError({"assignee": [_("Choose an active user.")]})
    if assignee is None:
        raise ValidationError({"assignee": [_("The record has no owner to urge.")]})
    if not urge_allowed(by=by, record=record, assignee=assignee):
        raise PermissionDeniedError(_("You may urge only people whose records are in your charge."))
    due_at = data.get("due_at")
    if isinstance(due_at, dt.datetime):
        try:
            date_in_range(due_at)
            if timezone.is_naive(due_at):
                from forpcrm.core.timezones import local_to_utc

                due_at = local_to_utc(due_at.date(), due_at.time(), by.time_zone or "Asia/Shanghai")
        except ValueError as exc:
            raise ValidationError({"due_at": [str(exc)]}) from exc
    if not isinstance(due_at, dt.datetime):
        raise ValidationError({"due_at": [_("Enter when it is due.")]})
    if due_at <= timezone.now():
        raise ValidationError({"due_at": [_("The due time has already passed; choose a time in the future.")]})
    urge = Urge(customer=customer, opportunity=opportunity, assignee=assignee, department_id=assignee.department_id,
                what=str(data.get("what") or "").strip(), due_at=due_at, created_by=by, updated_by=by)
    urge.full_clean(exclude=["customer", "opportunity", "assignee", "department", "created_by", "updated_by",
                             "escalated_to"])
    urge.save()
    _notify(recipient=assignee, kind="urge_received", actor=by, obj=urge,
            title=message(gettext_noop("%(user)s urges you about %(target)s"), user=str(by), target=str(record)),
            body=urge.what)
    return urge


def _urge_locked(urge: Urge) -> Urge:
    return Urge.objects.select_for_update(of=("self",)).select_related("created_by", "assignee").get(pk=urge.pk)


@transaction.atomic
def urge_answer(*, urge: Urge, by: User, answer: str) -> Urge:
    """The assignee answers (open or answered → answered); the creator gets URGE_ANSWERED."""
    current = _urge_locked(urge)
    if current.assignee_id != by.pk:
        raise PermissionDeniedError(_("Only the person urged may answer."))
    if current.is_closed:
        raise ApplicationError(_("This urge is closed."), code="urge_closed")
    if not (answer or "").strip():
        raise ValidationError({"answer": [_("Write an answer.")]})
    current.answer = answer.strip()
    current.status = UrgeStatus.ANSWERED
    current.answered_at = timezone.now()
    current.updated_by = by
    current.save()
    if current.created_by_id:
        _notify(recipient=current.created_by, kind="urge_answered", actor=by, obj=current,
                title=message(gettext_noop("%(user)s answered your urge"), user=str(by)), body=current.answer)
    return current


@transaction.atomic
def urge_done(*, urge: Urge, by: User, answer: str = "") -> Urge:
    """The assignee (or the creator) marks the urge done; an optional answer is kept."""
    current = _urge_locked(urge)
    if by.pk not in (current.assignee_id, current.created_by_id):
        raise PermissionDeniedError(_("Only the person urged or the one who urged may close it."))
    if current.is_closed:
        raise ApplicationError(_("This urge is closed."), code="urge_closed")
    if (answer or "").strip():
        current.answer = answer.strip()
        current.answered_at = current.answered_at or timezone.now()
    current.status = UrgeStatus.DONE
    current.done_at = timezone.now()
    current.updated_by = by
    current.save()
    return current


@transaction.atomic
def urge_cancel(*, urge: Urge, by: User) -> Urge:
    """The creator withdraws an urge that is not closed."""
    current = _urge_locked(urge)
    if current.created_by_id != by.pk:
        raise PermissionDeniedError(_("Only the one who urged may cancel it."))
    if current.is_closed:
        raise ApplicationError(_("This urge is closed."), code="urge_closed")
    current.status = UrgeStatus.CANCELLED
    current.cancelled_at = timezone.now()
    current.updated_by = by
    current.save()
    return current


@transaction.atomic
def urge_update(*, urge: Urge, by: User, data: dict[str, Any]) -> Urge:
    """The creator changes ``what`` or ``due_at`` of an open urge."""
    current = _urge_locked(urge)
    if current.created_by_id != by.pk:
        raise PermissionDeniedError(_("Only the one who urged may change it."))
    if current.is_closed:
        raise ApplicationError(_("This urge is closed."), code="urge_closed")
    if "what" in data:
        current.what = str(data["what"] or "").strip()
    if data.get("due_at"):
        current.due_at = data["due_at"]
    current.updated_by = by
    current.full_clean(exclude=["customer", "opportunity", "assignee", "department", "created_by", "updated_by",
                                "escalated_to"])
    current.save()
    return current


def urges_escalate_job(now: dt.datetime) -> int:
    """Open urges past due, not escalated yet: escalate to the creator's manager and notify
    URGE_OVERDUE to the assignee and that manager. ``escalated_at`` makes it happen once."""
    from forpcrm.notifications.services import notify

    done = 0
    candidates = list(Urge.objects.filter(status=UrgeStatus.OPEN, due_at__lt=now, escalated_at__isnull=True)
                      .order_by("due_at", "id").values_list("pk", flat=True)[:500])
    for pk in candidates:
        with transaction.atomic():
            urge = (Urge.objects.select_for_update(of=("self",))
                    .filter(pk=pk, status=UrgeStatus.OPEN, escalated_at__isnull=True).select_related("created_by__manager", "assignee", "customer", "opportunity").first())
            if urge is None:
                continue
            manager = urge.created_by.manager if urge.created_by_id and urge.created_by.manager_id else None
            if manager is not None and (manager.pk == urge.assignee_id or not manager.is_active):
                manager = None
            Urge.objects.filter(pk=pk).update(escalated_at=now, escalated_to=manager)
            title = message(gettext_noop("Urge overdue: %(what)s"), what=urge.what[:80])
            notify(recipient=urge.assignee, kind="urge_overdue", title=title, obj=urge,
                   dedupe_key=f"urge-overdue:{pk}")
            if manager is not None:
                notify(recipient=manager, kind="urge_overdue", obj=urge, dedupe_key=f"urge-overdue:{pk}",
                       title=message(gettext_noop("Urge by %(user)s to %(assignee)s is overdue"),
                                     user=str(urge.created_by), assignee=str(urge.assignee)), body=urge.what)
            done += 1
    return done
