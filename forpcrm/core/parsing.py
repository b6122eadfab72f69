"""Parsing of user-typed and spreadsheet values: dates, numbers, yes/no. Every parser raises ValueError
with a message fit for the user when the value is not acceptable; nothing is ever coerced to empty."""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

DAY_FIRST = "day_first"
MONTH_FIRST = "month_first"
EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's serial 1 is 1900-01-01, with the 1900 leap-year bug

_ISO = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_SHORT = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_SERIAL = re.compile(r"^\d{4,6}(\.0+)?$")


def parse_date(value, *, order: str = DAY_FIRST) -> dt.date | None:
    """A date from a date/datetime cell, an ISO or Chinese date, an Excel serial, or dd/mm/yyyy
    (mm/dd/yyyy when order is MONTH_FIRST). Empty → None. Impossible dates raise ValueError."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(float(value))
    text = str(value).strip()
    if not text:
        return None
    text = text.split(" ")[0].split("T")[0] if re.match(r"^\d{4}-\d{1,2}-\d{1,2}[ T]", text) else text
    try:
        if m := _ISO.match(text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _SHORT.match(text):
            first, second, year = int(m[1]), int(m[2]), int(m[3])
            day, month = (first, second) if order == DAY_FIRST else (second, first)
            return dt.date(year, month, day)
    except ValueError as exc:
        raise ValueError(_("“%(value)s” is not a valid date.") % {"value": text}) from exc
    if _SERIAL.match(text):
        return _from_serial(float(text))
    raise ValueError(_("“%(value)s” is not a date this import understands.") % {"value": text})


def _from_serial(serial: float) -> dt.date:
    if not 1 <= serial < 2958466:
        raise ValueError(_("“%(value)s” is not a valid date.") % {"value": serial})
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


def parse_datetime(value, *, order: str = DAY_FIRST) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y/%m/%d %H:%M"):
        try:
            return dt.datetime.strptime(text, fmt)  # noqa: DTZ007 - made aware by the caller's time zone
        except ValueError:
            continue
    day = parse_date(text, order=order)
    return dt.datetime(day.year, day.month, day.day) if day else None  # noqa: DTZ001


def parse_decimal(value) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(_("“%(value)s” is not a number.") % {"value": value})
    if isinstance(value, float):
        value = repr(value)
    text = str(value).strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "")
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(_("“%(value)s” is not a number.") % {"value": value}) from exc
    if not number.is_finite():
        raise ValueError(_("“%(value)s” is not a number.") % {"value": value})
    return number


_TRUE = {"1", "true", "yes", "y", "是", "对", "√", "x"}
_FALSE = {"0", "false", "no", "n", "否", "不", "×"}


def parse_bool(value) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(_("“%(value)s” is not yes or no.") % {"value": value})


# ---------------------------------------------------------------- list filters (query string values)

FILTER_DATE_MIN = dt.date(1900, 1, 1)
FILTER_DATE_MAX = dt.date(9998, 12, 31)
FILTER_ID_MAX = 2**63 - 1  # the largest primary key any supported database stores


def _date_covered(day: dt.date) -> bool:
    return FILTER_DATE_MIN <= day <= FILTER_DATE_MAX


def filter_date(value) -> dt.date | None:
    """A date typed into a list filter, ``YYYY-MM-DD``. Empty → None. Raises ValueError with a message fit
    for the user when it is no date or lies outside the years a filter can cover."""
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    try:
        day = dt.date(int(match[1]), int(match[2]), int(match[3])) if match else None
    except ValueError:
        day = None
    if day is None:
        raise ValueError(_("“%(value)s” is not a valid date (use YYYY-MM-DD); that filter was ignored.")
                         % {"value": text})
    if not _date_covered(day):
        raise ValueError(_("“%(value)s” is outside the dates a filter can cover (%(min)s to %(max)s); "
                           "that filter was ignored.")
                         % {"value": text, "min": FILTER_DATE_MIN.isoformat(), "max": FILTER_DATE_MAX.isoformat()})
    return day


def date_in_range(day: dt.date | dt.datetime | None) -> None:
    """Raise ValueError with a message fit for the user when a typed date (or the day of a datetime) lies
    outside the years the CRM handles, the same range as :func:`filter_date`. None passes."""
    if day is None:
        return
    value = day.date() if isinstance(day, dt.datetime) else day
    if not _date_covered(value):
        raise ValueError(_("%(value)s is outside the dates the CRM handles (%(min)s to %(max)s).")
                         % {"value": value.isoformat(), "min": FILTER_DATE_MIN.isoformat(),
                            "max": FILTER_DATE_MAX.isoformat()})


def filter_id(value) -> int | None:
    """A record id typed into a list filter. Empty → None. Raises ValueError with a message fit for the user
    when it is not a whole number a record id can be."""
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{1,19}", text) or not 0 < int(text) <= FILTER_ID_MAX:
        raise ValueError(_("“%(value)s” is not a valid record id; that filter was ignored.") % {"value": text})
    return int(text)


def safe_filter_date(value) -> dt.date | None:
    """:func:`filter_date`, with an invalid value read as no filter (the page notes it separately)."""
    try:
        return filter_date(value)
    except ValueError:
        return None


def safe_filter_id(value) -> int | None:
    """:func:`filter_id`, with an invalid value read as no filter (the page notes it separately)."""
    try:
        return filter_id(value)
    except ValueError:
        return None


def filter_problems(params, *, dates=(), ids=()) -> dict[str, str]:
    """The filters of ``params`` (a query dict) whose values are unusable, as ``{key: message}``: the keys in
    ``dates`` must be dates, those in ``ids`` record ids. Pages show the messages and ignore those filters;
    the API answers 400 with them."""
    problems: dict[str, str] = {}
    for keys, parse in ((dates, filter_date), (ids, filter_id)):
        for key in keys:
            value = params.get(key)
            if value in (None, ""):
                continue
            try:
                parse(value)
            except ValueError as exc:
                problems[key] = str(exc)
    return problems
