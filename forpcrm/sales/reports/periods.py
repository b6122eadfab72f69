"""Report periods (half-open date ranges) and submission deadlines in a user's own time zone."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from forpcrm.core.timezones import local_to_utc, utc_to_local

from .models import ReportKind

SATURDAY = 5


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + (day.month - 1) + months
    if not 1 <= index // 12 <= dt.MAXYEAR:
        raise OverflowError("date value out of range")
    return dt.date(index // 12, index % 12 + 1, 1)


def period_for(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The period of ``kind`` that contains ``day``: [start, end) as dates.

    daily: the day itself; weekly: Monday to the next Monday; monthly: the 1st to the next 1st.
    Raises ValueError with a message fit for the user when the period would leave the calendar's range
    (e.g. the week of 9999-12-31), or for an unknown kind."""
    try:
        return _period_for(kind, day)
    except OverflowError as exc:
        raise ValueError(_("The period of %(day)s goes beyond the dates the calendar covers; choose an "
                           "earlier date.") % {"day": day.isoformat()}) from exc


def _period_for(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    if kind == ReportKind.DAILY:
        return day, day + dt.timedelta(days=1)
    if kind == ReportKind.WEEKLY:
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=7)
    if kind == ReportKind.MONTHLY:
        start = day.replace(day=1)
        return start, _add_months(start, 1)
    raise ValueError(_("“%(kind)s” is not a report kind.") % {"kind": kind})


def period_label(kind: str, start: dt.date, end: dt.date) -> str:
    """The period as people read it: the day of a daily report ("2026-12-04"); the first and the last day
    of a week or a month ("2026-12-01 – 2026-12-31", the last day included)."""
    if kind == ReportKind.DAILY:
        return start.isoformat()
    return f"{start.isoformat()} – {(end - dt.timedelta(days=1)).isoformat()}"


def previous_period(kind: str, start: dt.date) -> tuple[dt.date, dt.date]:
    if kind == ReportKind.MONTHLY:
        return period_for(kind, _add_months(start, -1))
    return period_for(kind, start - dt.timedelta(days=1))


def period_bounds_utc(start: dt.date, end: dt.date, tz_name: str) -> tuple[dt.datetime, dt.datetime]:
    """Local midnight of ``start`` and of ``end`` in ``tz_name``, as UTC instants: [start, end)."""
    midnight = dt.time(0, 0)
    return local_to_utc(start, midnight, tz_name), local_to_utc(end, midnight, tz_name)


def today_for(user, now: dt.datetime | None = None) -> dt.date:
    from django.utils import timezone

    return utc_to_local(now or timezone.now(), user.time_zone or "Asia/Shanghai").date()


def period_required(rule, start: dt.date) -> bool:
    """Daily rules that skip weekends need no report for a Saturday or a Sunday."""
    return not (rule.kind == ReportKind.DAILY and rule.skip_weekends and start.weekday() >= SATURDAY)


def deadline_for(rule, start: dt.date, end: dt.date, tz_name: str) -> dt.datetime:
    """The UTC deadline of the period under ``rule`` for a user in ``tz_name``: ``deadline_days``
    after ``end`` at ``deadline_time`` local; with ``skip_weekends`` a weekend day moves to Monday
    (a Friday's daily report is due on Monday)."""
    day = end + dt.timedelta(days=rule.deadline_days)
    if rule.skip_weekends:
        while day.weekday() >= SATURDAY:
            day += dt.timedelta(days=1)
    return local_to_utc(day, rule.deadline_time, tz_name)


def latest_due_period(rule, tz_name: str, now: dt.datetime) -> tuple[dt.date, dt.date] | None:
    """The most recent required period whose deadline has passed at ``now`` (None if none within reach)."""
    start, end = period_for(rule.kind, utc_to_local(now, tz_name).date())
    for _step in range(40):
        if period_required(rule, start) and deadline_for(rule, start, end, tz_name) <= now:
            return start, end
        start, end = previous_period(rule.kind, start)
    return None
