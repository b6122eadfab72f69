"""Wall-clock time in a named zone to UTC instants (zoneinfo; the server's own zone plays no part)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

UTC = dt.UTC


def _out_of_range(day: dt.date) -> ValueError:
    return ValueError(_("%(day)s is too close to the edge of the calendar to convert between time zones; "
                        "choose a later date.") % {"day": day.isoformat()})


def _zone(tz_name: str) -> ZoneInfo:
    return ZoneInfo(tz_name)


def local_to_utc(day: dt.date, at: dt.time, tz_name: str) -> dt.datetime:
    """The UTC instant of wall time `at` on `day` in zone `tz_name`.

    A wall time skipped by a DST jump (02:30 on the spring-forward day) is taken with the offset
    before the jump, so it lands after the gap; an ambiguous one (autumn) is its first occurrence.
    Raises ValueError (with a message fit for the user) when the instant lies outside the calendar.
    """
    local = dt.datetime.combine(day, at.replace(tzinfo=None), tzinfo=_zone(tz_name))
    try:
        return local.astimezone(UTC)
    except OverflowError as exc:  # the UTC instant falls before year 1 or after year 9999
        raise _out_of_range(day) from exc


def wall_time_exists(day: dt.date, at: dt.time, tz_name: str) -> bool:
    """False for a wall time the clocks skip in ``tz_name`` on ``day`` (02:30 in Europe/Berlin on
    2024-03-31, when summer time starts). An ambiguous time (the autumn hour that occurs twice) exists.
    Raises ValueError (with a message fit for the user) when the instant lies outside the calendar."""
    local = dt.datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=_zone(tz_name))
    try:
        back = local.astimezone(UTC).astimezone(_zone(tz_name))
    except OverflowError as exc:
        raise _out_of_range(day) from exc
    return back.replace(tzinfo=None) == local.replace(tzinfo=None)


def utc_to_local(instant: dt.datetime, tz_name: str) -> dt.datetime:
    """An aware instant as wall time in zone `tz_name`."""
    return instant.astimezone(_zone(tz_name))


def weekly_occurrences(
    first_day: dt.date, at: dt.time, tz_name: str, *, start: dt.datetime, end: dt.datetime
) -> list[dt.datetime]:
    """UTC instants of a weekly event fixed at local wall time `at`, first on `first_day`, within [start, end)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be aware datetimes")
    if end <= start:
        return []
    zone = _zone(tz_name)
    # First candidate week: the week of `start` in local time (one week earlier to cover offsets).
    start_local_day = start.astimezone(zone).date()
    weeks = max(0, (start_local_day - first_day).days // 7 - 1)
    day = first_day + dt.timedelta(weeks=weeks)
    result: list[dt.datetime] = []
    while True:
        instant = local_to_utc(day, at, tz_name)
        if instant >= end:
            break
        if instant >= start:
            result.append(instant)
        day += dt.timedelta(weeks=1)
    return result
