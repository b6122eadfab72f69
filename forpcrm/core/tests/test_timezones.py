"""Wall time in a named zone → UTC (case C16); the server's own time zone plays no part."""

import datetime as dt
import os
import time

import pytest
from django.test import override_settings

from forpcrm.core.timezones import local_to_utc, utc_to_local, weekly_occurrences

UTC = dt.UTC


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def c16_values() -> dict:
    shanghai_visit = local_to_utc(dt.date(2024, 5, 10), dt.time(10, 0), "Asia/Shanghai")
    berlin_call = local_to_utc(dt.date(2024, 3, 31), dt.time(10, 0), "Europe/Berlin")
    weekly = weekly_occurrences(dt.date(2024, 3, 18), dt.time(9, 0), "Europe/Berlin",
                                start=utc(2024, 3, 18), end=utc(2024, 4, 9))
    return {
        "visit": shanghai_visit, "visit_fires": shanghai_visit - dt.timedelta(minutes=15),
        "call": berlin_call, "call_fires": berlin_call - dt.timedelta(minutes=30), "weekly": weekly,
    }


EXPECTED = {
    "visit": utc(2024, 5, 10, 2, 0), "visit_fires": utc(2024, 5, 10, 1, 45),
    "call": utc(2024, 3, 31, 8, 0), "call_fires": utc(2024, 3, 31, 7, 30),
    # Monday 09:00 Berlin: 08:00Z in winter (CET), 07:00Z after summer time starts on 31 March (CEST).
    "weekly": [utc(2024, 3, 18, 8, 0), utc(2024, 3, 25, 8, 0), utc(2024, 4, 1, 7, 0), utc(2024, 4, 8, 7, 0)],
}


def test_c16_shanghai_visit_with_15_minute_reminder():
    values = c16_values()
    assert values["visit"] == utc(2024, 5, 10, 2, 0)
    assert values["visit_fires"] == utc(2024, 5, 10, 1, 45)
    assert values["visit"].tzinfo == UTC


def test_c16_berlin_call_on_the_day_summer_time_starts():
    values = c16_values()
    assert values["call"] == utc(2024, 3, 31, 8, 0)
    assert values["call_fires"] == utc(2024, 3, 31, 7, 30)


def test_c16_weekly_berlin_meeting_keeps_its_local_wall_time_across_the_change():
    weekly = c16_values()["weekly"]
    assert weekly == EXPECTED["weekly"]
    assert [utc_to_local(moment, "Europe/Berlin").strftime("%a %H:%M") for moment in weekly] == ["Mon 09:00"] * 4


def test_weekly_occurrences_window_is_half_open_and_starts_at_the_first_day():
    at = dt.time(9, 0)
    # start exactly on an occurrence includes it; end exactly on one excludes it
    assert weekly_occurrences(dt.date(2024, 3, 18), at, "Europe/Berlin",
                              start=utc(2024, 3, 25, 8, 0), end=utc(2024, 4, 1, 7, 0)) == [utc(2024, 3, 25, 8, 0)]
    # nothing before the first day, even when the window starts earlier
    assert weekly_occurrences(dt.date(2024, 3, 18), at, "Europe/Berlin",
                              start=utc(2024, 1, 1), end=utc(2024, 3, 19)) == [utc(2024, 3, 18, 8, 0)]
    # a window far after the first day does not walk week by week from the start
    far = weekly_occurrences(dt.date(2020, 1, 6), at, "Europe/Berlin", start=utc(2024, 10, 21), end=utc(2024, 11, 4))
    assert far == [utc(2024, 10, 21, 7, 0), utc(2024, 10, 28, 8, 0)]  # summer time ends on 27 October
    assert weekly_occurrences(dt.date(2024, 3, 18), at, "Europe/Berlin", start=utc(2024, 4, 1), end=utc(2024, 4, 1)) == []


def test_naive_window_is_refused():
    with pytest.raises(ValueError):
        weekly_occurrences(dt.date(2024, 3, 18), dt.time(9), "Europe/Berlin",
                           start=dt.datetime(2024, 3, 18), end=dt.datetime(2024, 4, 1))


def test_skipped_wall_time_lands_after_the_gap():
    # 02:30 does not exist in Berlin on 2024-03-31: taken with the winter offset → 01:30Z (03:30 CEST)
    assert local_to_utc(dt.date(2024, 3, 31), dt.time(2, 30), "Europe/Berlin") == utc(2024, 3, 31, 1, 30)


@pytest.mark.parametrize("server_zone", ["UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata"])
def test_c16_ignores_the_server_time_zone_setting(server_zone):
    with override_settings(TIME_ZONE=server_zone):
        assert c16_values() == EXPECTED


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="time.tzset is not available on this platform")
@pytest.mark.parametrize("tz", ["America/Los_Angeles", "Europe/Berlin", "Pacific/Auckland"])
def test_c16_ignores_the_process_tz_environment(tz):
    before = os.environ.get("TZ")
    os.environ["TZ"] = tz
    time.tzset()
    try:
        assert time.localtime(time.mktime((2024, 7, 1, 12, 0, 0, 0, 0, -1))).tm_zone != "CST"
        assert c16_values() == EXPECTED
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()
