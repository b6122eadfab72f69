"""Writes of sales.activity: follow-ups, comments, visit plans, check-ins.

Rules kept here for every channel (pages, API, demo data):

- A follow-up belongs to one visible customer; its contact and opportunity must belong to that same
  customer. Creating, editing or deleting one recomputes the customer's ``last_followup_at`` (latest
  ``at`` of its live follow-ups) and ``next_followup_at`` (earliest ``next_at`` still in the future)
  with a plain UPDATE of those two derived columns (no version bump, no history entry: they are
  facts derived from the follow-ups, not edits of the customer). "Days without a follow-up" is derived
  from ``last_followup_at`` (:func:`days_without_followup`).
- A follow-up with a future ``next_at`` has one reminder for its owner (key ``followup:<id>``);
  editing moves it, deleting or clearing ``next_at`` cancels it.
- A visit plan is entered as local wall time in its ``time_zone`` and stored in UTC. A wall time the
  clocks skip that day (the spring DST gap) is refused; an ambiguous one (the autumn hour that occurs
  twice) means its first occurrence. A weekly plan repeats for at most two years. Its reminder
  (key ``visit:<id>``) fires ``remind_minutes`` before the start (0: at the start time; empty: none);
  a fire time already past when the plan is saved schedules nothing. For a weekly plan the reminder
  targets the next occurrence that has not started yet and is later than the last completed one;
  the periodic job ``sales.visit_reminders_rearm`` moves it on after an occurrence has started
  (i.e. after it fired), and completing an occurrence moves it at once.
- Completing a visit records the result and creates exactly one follow-up (kind "visit") linked to
  it, in one transaction. For a weekly plan it completes the current occurrence (the latest one that
  has started, or the next one); the plan stays planned until its last occurrence.
- Planned one-off visits are marked missed 24 hours after their end (job ``sales.visits_mark_missed``).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forpcrm.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from forpcrm.core.parsing import date_in_range
from forpcrm.core.timezones import local_to_utc, utc_to_local, wall_time_exists, weekly_occurrences
from forpcrm.customers.models import Contact, Customer
from forpcrm.notifications.messages import label, message
from forpcrm.notifications.models import NotificationKind
from forpcrm.notifications.services import notify, reminder_cancel, reminder_schedule
from forpcrm.org.access import department_subtree_ids, has_perm, require_perm, scope_for, subordinate_ids
from forpcrm.org.models import Action, DataScope, Module, User
from forpcrm.sales.models import Opportunity

from .models import (
    CheckIn,
    Comment,
    FollowUp,
    FollowUpKind,
    FollowUpKindOption,
    VisitPlan,
    VisitRecurrence,
    VisitStatus,
)

ACT = Module.ACTIVITIES
MISSED_AFTER = dt.timedelta(hours=24)
PHOTO_MAX_BYTES = 5 * 1024 * 1024
COMMENT_MAX_CHARS = 5000
MENTION_RE = re.compile(r"(?<![\w.])@([A-Za-z0-9_.+\-]{1,150})")
_IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")


# ---------------------------------------------------------------- helpers


def followup_kinds() -> list[tuple[str, str]]:
    """(code, label) of every follow-up kind: the built-in ones, then the active extra ones (one query)."""
    kinds = [(str(value), str(label)) for value, label in FollowUpKind.choices]
    known = {code for code, _label in kinds}
    for option in FollowUpKindOption.objects.filter(is_active=True).order_by("sort_order", "id"):
        if option.code not in known:
            kinds.append((option.code, option.display_label))
    return kinds


def followup_kind_label(code: str, kinds: list[tuple[str, str]] | None = None) -> str:
    return dict(kinds if kinds is not None else followup_kinds()).get(code, code)


def covers(user: User, owner_id: int | None) -> bool:
    """Does the user's ACTIVITIES scope cover records owned by ``owner_id`` (self, subordinates, department)?"""
    if owner_id is None:
        return False
    if owner_id == user.pk:
        return True
    scope = scope_for(user, ACT)
    if scope is None:
        return False
    if scope == DataScope.ALL:
        return True
    if scope == DataScope.OWN_AND_SUBORDINATES:
        return owner_id in subordinate_ids(user)
    if scope in (DataScope.DEPARTMENT, DataScope.DEPARTMENT_TREE):
        departments = department_subtree_ids(user) if scope == DataScope.DEPARTMENT_TREE else {user.department_id}
        department_id = User.objects.filter(pk=owner_id).values_list("department_id", flat=True).first()
        return department_id is not None and department_id in departments
    return False


def team_user_ids(user: User) -> set[int] | None:
    """Users whose activities the user may look at in the calendar (None = everyone), self included."""
    scope = scope_for(user, ACT)
    if scope is None:
        return {user.pk}
    if scope == DataScope.ALL:
        return None
    ids = {user.pk}
    if scope == DataScope.OWN_AND_SUBORDINATES:
        ids |= subordinate_ids(user)
    elif scope == DataScope.DEPARTMENT:
        if user.department_id:
            ids |= set(User.objects.filter(department_id=user.department_id).values_list("id", flat=True))
    elif scope == DataScope.DEPARTMENT_TREE:
        ids |= set(User.objects.filter(department_id__in=department_subtree_ids(user)).values_list("id", flat=True))
    return ids


def _require_covers(by: User, owner_id: int, action: str) -> None:
    require_perm(by, ACT, action)
    if not covers(by, owner_id):
        raise PermissionDeniedError(_("You may view this record but not change it."))


def _visible_customer(by: User, customer) -> Customer:
    pk = getattr(customer, "pk", customer)
    found = Customer.objects.visible_to(by).filter(pk=pk).first() if pk not in (None, "") else None
    if found is None:
        raise ValidationError({"customer": [_("Choose a customer you may see.")]})
    return found


def _contact_of(by: User, customer: Customer, contact, field: str = "contact") -> Contact | None:
    if contact in (None, ""):
        return None
    pk = getattr(contact, "pk", contact)
    found = Contact.objects.visible_to(by).filter(pk=pk).first()
    if found is None or found.customer_id != customer.pk:
        raise ValidationError({field: [_("The contact must belong to the chosen customer.")]})
    return found


def _opportunity_of(by: User, customer: Customer, opportunity) -> Opportunity | None:
    if opportunity in (None, ""):
        return None
    pk = getattr(opportunity, "pk", opportunity)
    found = Opportunity.objects.visible_to(by).filter(pk=pk).first()
    if found is None or found.customer_id != customer.pk:
        raise ValidationError({"opportunity": [_("The opportunity must belong to the chosen customer.")]})
    return found


def _aware(value, field: str) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        from django.utils.dateparse import parse_datetime

        parsed = parse_datetime(value)
        if parsed is None:
            raise ValidationError({field: [_("Enter a valid date and time.")]})
        value = parsed
    if not isinstance(value, dt.datetime):
        raise ValidationError({field: [_("Enter a valid date and time.")]})
    try:
        date_in_range(value)
    except ValueError as exc:
        raise ValidationError({field: [str(exc)]}) from exc
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_current_timezone())
    return value


def _unknown(data: dict, allowed: set[str]) -> None:
    extra = set(data) - allowed
    if extra:
        raise ApplicationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(extra))},
                               code="unknown_fields")


def _full_clean(obj, exclude=None) -> None:
    obj.full_clean(exclude=exclude)


# ---------------------------------------------------------------- customer follow-up dates


def customer_followups_refresh(customer_id: int, *, now: dt.datetime | None = None) -> None:
    """Recompute the customer's last / next follow-up from its live follow-ups (two aggregates, one UPDATE)."""
    now = now or timezone.now()
    alive = FollowUp.objects.filter(customer_id=customer_id)
    last = alive.aggregate(v=Max("at"))["v"]
    upcoming = alive.filter(next_at__gt=now).aggregate(v=Min("next_at"))["v"]
    Customer.all_objects.filter(pk=customer_id).update(last_followup_at=last, next_followup_at=upcoming)


def days_without_followup(customer: Customer, *, today: dt.date | None = None) -> int | None:
    """Whole days since the customer's last follow-up (None when there was none)."""
    if customer.last_followup_at is None:
        return None
    today = today or timezone.localdate()
    return max(0, (today - timezone.localtime(customer.last_followup_at).date()).days)


def followups_next_refresh(now: dt.datetime | None = None) -> int:
    """Periodic job: customers whose next follow-up has passed get the following one (idempotent)."""
    now = now or timezone.now()
    ids = list(Customer.all_objects.filter(next_followup_at__lte=now).values_list("id", flat=True)[:2000])
    for customer_id in ids:
        customer_followups_refresh(customer_id, now=now)
    return len(ids)


def _followup_reminder(followup: FollowUp) -> None:
    key = f"followup:{followup.pk}"
    if followup.deleted_at is None and followup.next_at is not None and followup.next_at > timezone.now():
        reminder_schedule(
            recipient=followup.owner, key=key, fire_at=followup.next_at, kind=NotificationKind.FOLLOWUP_DUE,
            title=message(gettext_noop("Follow up with %(customer)s: %(what)s"), customer=followup.customer.name,
                          what=followup.next_content or label(gettext_noop("next follow-up"))),
            obj=followup,
        )
    else:
        reminder_cancel(key=key)


# ---------------------------------------------------------------- follow-ups

FOLLOWUP_FUTURE_TOLERANCE = dt.timedelta(hours=1)  # clocks differ; a follow-up is not a plan
FOLLOWUP_FIELDS = {"customer", "contact", "opportunity", "kind", "at", "content", "next_at", "next_content",
                   "visit", "files"}


def _followup_apply(followup: FollowUp, by: User, data: dict) -> list:
    _unknown(data, FOLLOWUP_FIELDS)
    files = list(data.get("files") or [])
    if "customer" in data or followup.customer_id is None:
        followup.customer = _visible_customer(by, data.get("customer"))
    customer = followup.customer
    for name in ("contact", "opportunity", "visit"):
        if name not in data and getattr(followup, f"{name}_id") is None:
            continue
        value = data.get(name, getattr(followup, name))
        if name == "contact":
            followup.contact = _contact_of(by, customer, value)
        elif name == "opportunity":
            followup.opportunity = _opportunity_of(by, customer, value)
        else:
            visit = None
            if value not in (None, ""):
                visit = VisitPlan.objects.filter(pk=getattr(value, "pk", value), customer=customer).first()
                if visit is None:
                    raise ValidationError({"visit": [_("The visit plan must belong to the chosen customer.")]})
            followup.visit = visit
    if "kind" in data:
        followup.kind = str(data["kind"] or "")
    if followup.kind not in {code for code, _label in followup_kinds()}:
        raise ValidationError({"kind": [_("Choose a follow-up kind from the list.")]})
    if "at" in data:
        followup.at = _aware(data["at"], "at")
        if followup.at is not None and followup.at > timezone.now() + FOLLOWUP_FUTURE_TOLERANCE:
            raise ValidationError({"at": [_(
                "A follow-up records what already happened; this time is more than an hour ahead. Plan it as "
                "the next follow-up or as a visit instead.")]})
    if followup.at is None:
        followup.at = timezone.now()
    if "content" in data:
        followup.content = str(data["content"] or "").strip()
    if "next_at" in data:
        followup.next_at = _aware(data["next_at"], "next_at")
    if "next_content" in data:
        followup.next_content = str(data["next_content"] or "").strip()
    if followup.next_at is not None and followup.next_at <= followup.at:
        raise ValidationError({"next_at": [_("The next follow-up must be later than this one.")]})
    if followup.next_content and followup.next_at is None:
        raise ValidationError({"next_at": [_("Set when the next follow-up is due.")]})
    return files


def _attach(by: User, followup: FollowUp, files: list) -> None:
    if not files:
        return
    from forpcrm.documents.services import attachments_add

    attachments_add(by=by, target=followup, files=files)


@transaction.atomic
def followup_create(*, by: User, data: dict[str, Any]) -> FollowUp:
    """Record a follow-up on a visible customer; updates the customer's follow-up dates and the reminder."""
    require_perm(by, ACT, Action.CREATE)
    followup = FollowUp(owner=by, department_id=by.department_id, created_by=by, updated_by=by)
    files = _followup_apply(followup, by, data)
    _full_clean(followup, exclude=["owner", "customer", "contact", "opportunity", "visit", "department"])
    followup.save()
    _attach(by, followup, files)
    customer_followups_refresh(followup.customer_id)
    _followup_reminder(followup)
    return followup


@transaction.atomic
def followup_update(*, followup: FollowUp, by: User, data: dict[str, Any]) -> FollowUp:
    _require_covers(by, followup.owner_id, Action.EDIT)
    followup = FollowUp.objects.select_for_update().get(pk=followup.pk)
    old_customer = followup.customer_id
    files = _followup_apply(followup, by, data)
    followup.updated_by = by
    _full_clean(followup, exclude=["owner", "customer", "contact", "opportunity", "visit", "department"])
    followup.save()
    _attach(by, followup, files)
    customer_followups_refresh(followup.customer_id)
    if old_customer != followup.customer_id:
        customer_followups_refresh(old_customer)
    _followup_reminder(followup)
    return followup


@transaction.atomic
def followup_delete(*, followup: FollowUp, by: User) -> None:
    """Move the follow-up to the recycle bin; the customer's dates and the reminder follow."""
    _require_covers(by, followup.owner_id, Action.DELETE)
    FollowUp.objects.filter(pk=followup.pk).update(deleted_at=timezone.now(), deleted_by=by)
    followup.refresh_from_db()
    customer_followups_refresh(followup.customer_id)
    reminder_cancel(key=f"followup:{followup.pk}")


# ---------------------------------------------------------------- comments


def _target_owner(target):
    for name in ("owner", "author", "user", "created_by"):
        owner_id = getattr(target, f"{name}_id", None)
        if owner_id:
            return getattr(target, name)
    return None


def _can_see(user: User, target) -> bool:
    manager = getattr(type(target), "objects", None)
    qs = manager.all() if manager is not None else None
    if qs is None or not hasattr(qs, "visible_to"):
        return True
    return qs.visible_to(user).filter(pk=target.pk).exists()


def _record_label(target):
    """The commented record as a notification parameter: a report's name holds its translatable kind."""
    if target._meta.label_lower == "sales.salesreport":
        from forpcrm.sales.reports.models import ReportKind

        return message(gettext_noop("%(kind)s %(period)s · %(author)s"), kind=ReportKind(target.kind).label,
                       period=target.period_start, author=str(target.author))
    return str(target)


@transaction.atomic
def comment_add(*, by: User, target, body: str) -> Comment:
    """Add a comment to ``target`` (a record the caller already fetched as visible to ``by``).

    ``@username`` mentions of active users who may see the target get a MENTION notification; the
    target's owner gets COMMENT (never for their own comment, and not twice when also mentioned)."""
    text = str(body or "").strip()
    if not text:
        raise ValidationError({"body": [_("Write a comment.")]})
    if len(text) > COMMENT_MAX_CHARS:
        raise ValidationError({"body": [_("A comment has at most %(n)d characters.") % {"n": COMMENT_MAX_CHARS}]})
    if target is None or getattr(target, "pk", None) is None:
        raise ApplicationError(_("The record to comment on does not exist."), code="invalid_target")
    customer_id = getattr(target, "customer_id", None)
    if customer_id is None and target._meta.label_lower == "customers.customer":
        customer_id = target.pk
    comment = Comment.objects.create(target_type=target._meta.label_lower, target_id=str(target.pk),
                                     customer_id=customer_id, author=by, body=text)
    names = set(MENTION_RE.findall(text))
    mentioned: list[User] = []
    if names:
        candidates = User.objects.filter(is_active=True, username__in=sorted(names)[:50]).exclude(pk=by.pk)
        mentioned = [u for u in candidates.order_by("id") if _can_see(u, target)]
        comment.mentions.set(mentioned)
    url = getattr(target, "get_absolute_url", lambda: "")() if hasattr(target, "get_absolute_url") else ""
    snippet = text[:200]
    for user in mentioned:
        notify(recipient=user, kind=NotificationKind.MENTION, actor=by, obj=target, url=url, body=snippet,
               title=message(gettext_noop("%(user)s mentioned you in a comment"), user=str(by)),
               dedupe_key=f"comment:{comment.pk}:mention")
    owner = _target_owner(target)
    if owner is not None and owner.pk != by.pk and owner.pk not in {u.pk for u in mentioned}:
        notify(recipient=owner, kind=NotificationKind.COMMENT, actor=by, obj=target, url=url, body=snippet,
               title=message(gettext_noop("%(user)s commented on %(record)s"), user=str(by),
                             record=_record_label(target)),
               dedupe_key=f"comment:{comment.pk}:owner")
    return comment


# ---------------------------------------------------------------- visit plans

VISIT_FIELDS = {"customer", "contacts", "companions", "opportunity", "purpose", "starts_at", "ends_at", "date",
                "start_time", "end_time", "time_zone", "recurrence", "repeat_until", "remind_minutes"}


def visit_local_start(visit: VisitPlan) -> dt.datetime:
    return utc_to_local(visit.starts_at, visit.time_zone)


def visit_occurrences(visit: VisitPlan, *, start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """(start, end) UTC of the plan's occurrences overlapping [start, end)."""
    duration = visit.ends_at - visit.starts_at
    if not visit.is_recurring:
        if visit.starts_at < end and visit.ends_at > start:
            return [(visit.starts_at, visit.ends_at)]
        return []
    local = visit_local_start(visit)
    found = weekly_occurrences(local.date(), local.time(), visit.time_zone,
                               start=max(start - duration, visit.starts_at), end=end)
    result = []
    for instant in found:
        if visit.repeat_until and utc_to_local(instant, visit.time_zone).date() > visit.repeat_until:
            break
        # a local wall time skipped by DST moves the instant; keep its length
        if instant + duration > start:
            result.append((instant, instant + duration))
    return result


def visit_next_occurrence(visit: VisitPlan, *, after: dt.datetime) -> dt.datetime | None:
    """The first occurrence starting after ``after`` (and after the last completed one)."""
    if not visit.is_recurring:
        return visit.starts_at if visit.starts_at > after else None
    floor = max(after, visit.last_done_occurrence or after)
    floor = max(floor, visit.starts_at - dt.timedelta(seconds=1))
    for start, _end in visit_occurrences(visit, start=floor + dt.timedelta(seconds=1),
                                         end=floor + dt.timedelta(days=15)):
        if start > floor:
            return start
    return None


def visit_reminder_fire_at(visit: VisitPlan, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the plan's reminder fires: start (of the next occurrence for weekly plans) − remind_minutes,
    computed from the local wall time with ``local_to_utc``."""
    if visit.remind_minutes is None or visit.status != VisitStatus.PLANNED or visit.deleted_at is not None:
        return None
    now = now or timezone.now()
    start = visit.starts_at if not visit.is_recurring else visit_next_occurrence(visit, after=now)
    if start is None:
        return None
    local = utc_to_local(start, visit.time_zone)
    return local_to_utc(local.date(), local.time(), visit.time_zone) - dt.timedelta(minutes=visit.remind_minutes)


def _visit_reminder(visit: VisitPlan, *, now: dt.datetime | None = None) -> None:
    """Schedule (or cancel) the plan's reminder. A fire time already past when the plan is saved schedules
    nothing: a visit planned after the fact sends no instant reminder."""
    now = now or timezone.now()
    fire_at = visit_reminder_fire_at(visit, now=now)
    key = f"visit:{visit.pk}"
    if fire_at is None or fire_at <= now:
        reminder_cancel(key=key)
        return
    reminder_schedule(recipient=visit.owner, key=key, fire_at=fire_at, kind=NotificationKind.VISIT_REMINDER,
                      title=message(gettext_noop("Visit %(customer)s: %(purpose)s"), customer=visit.customer.name,
                                    purpose=visit.purpose),
                      obj=visit)


MAX_SERIES_YEARS = 2  # a weekly visit's repeat_until lies at most this far after its first visit


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _visit_times(visit: VisitPlan, data: dict) -> None:
    tz_name = str(data.get("time_zone") or visit.time_zone or "Asia/Shanghai")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(tz_name)
    except Exception as exc:
        raise ValidationError({"time_zone": [_("Unknown time zone.")]}) from exc
    visit.time_zone = tz_name
    if data.get("date") not in (None, "") or data.get("start_time") not in (None, ""):
        day, start_time, end_time = data.get("date"), data.get("start_time"), data.get("end_time")
        if not isinstance(day, dt.date) or not isinstance(start_time, dt.time):
            raise ValidationError({"date": [_("Enter the date and the start time.")]})
        try:
            date_in_range(day)
        except ValueError as exc:
            raise ValidationError({"date": [str(exc)]}) from exc
        # A skipped wall time is refused; an ambiguous one (autumn) is its first occurrence.
        for key, at in (("start_time", start_time), ("end_time", end_time)):
            try:
                exists = not isinstance(at, dt.time) or wall_time_exists(day, at, tz_name)
            except ValueError as exc:
                raise ValidationError({"date": [str(exc)]}) from exc
            if not exists:
                raise ValidationError({key: [_(
                    "%(time)s does not exist in %(zone)s on %(day)s: the clocks skip that hour (daylight saving "
                    "time). Choose another time.") % {"time": at.strftime("%H:%M"), "zone": tz_name,
                                                    "day": day.isoformat()}]})
        visit.starts_at = local_to_utc(day, start_time, tz_name)
        if isinstance(end_time, dt.time):
            visit.ends_at = local_to_utc(day, end_time, tz_name)
        else:
            visit.ends_at = visit.starts_at + dt.timedelta(hours=1)
    else:
        if "starts_at" in data:
            visit.starts_at = _aware(data["starts_at"], "starts_at")
        if "ends_at" in data:
            visit.ends_at = _aware(data["ends_at"], "ends_at")
        if visit.starts_at is not None and visit.ends_at is None:
            visit.ends_at = visit.starts_at + dt.timedelta(hours=1)
    if visit.starts_at is None:
        raise ValidationError({"starts_at": [_("Enter when the visit starts.")]})
    if visit.ends_at <= visit.starts_at:
        raise ValidationError({"end_time": [_("The visit must end after it starts.")]})
    if visit.ends_at - visit.starts_at > dt.timedelta(days=1):
        raise ValidationError({"end_time": [_("A visit lasts at most one day.")]})


def _visit_apply(visit: VisitPlan, by: User, data: dict) -> tuple[list | None, list | None]:
    _unknown(data, VISIT_FIELDS)
    if "customer" in data or visit.customer_id is None:
        visit.customer = _visible_customer(by, data.get("customer"))
    customer = visit.customer
    if "opportunity" in data:
        visit.opportunity = _opportunity_of(by, customer, data["opportunity"])
    elif visit.opportunity_id and visit.opportunity.customer_id != customer.pk:
        visit.opportunity = None
    if "purpose" in data:
        visit.purpose = str(data["purpose"] or "").strip()
    if "recurrence" in data:
        visit.recurrence = str(data["recurrence"] or "")
    if "repeat_until" in data:
        visit.repeat_until = data["repeat_until"] or None
    if "remind_minutes" in data:
        value = data["remind_minutes"]
        visit.remind_minutes = None if value in (None, "") else int(value)
        if visit.remind_minutes is not None and not 0 <= visit.remind_minutes <= 7 * 24 * 60:
            raise ValidationError({"remind_minutes": [_("Remind between 0 minutes and 7 days before.")]})
    _visit_times(visit, data)
    if visit.repeat_until and visit.repeat_until < visit_local_start(visit).date():
        raise ValidationError({"repeat_until": [_("The last day cannot be before the first visit.")]})
    first_day = visit_local_start(visit).date()
    if visit.is_recurring and visit.repeat_until and visit.repeat_until > _years_later(first_day, MAX_SERIES_YEARS):
        raise ValidationError({"repeat_until": [_(
            "A weekly visit repeats for at most %(years)d years: choose a last day on or before %(day)s.")
            % {"years": MAX_SERIES_YEARS, "day": _years_later(first_day, MAX_SERIES_YEARS).isoformat()}]})
    contacts = None
    if "contacts" in data:
        contacts = [_contact_of(by, customer, c, field="contacts") for c in (data["contacts"] or [])]
    elif visit.pk and "customer" in data:
        contacts = [c for c in visit.contacts.all() if c.customer_id == customer.pk]
    companions = None
    if "companions" in data:
        ids = {getattr(u, "pk", u) for u in (data["companions"] or [])}
        companions = list(User.objects.filter(pk__in=ids, is_active=True).exclude(pk=visit.owner_id))
        if len(companions) != len(ids - {visit.owner_id}):
            raise ValidationError({"companions": [_("Choose active users as companions.")]})
    return contacts, companions


def _visit_save(visit: VisitPlan, contacts, companions) -> None:
    _full_clean(visit, exclude=["owner", "customer", "opportunity", "department", "contacts", "companions"])
    visit.save()
    if contacts is not None:
        visit.contacts.set(contacts)
    if companions is not None:
        visit.companions.set(companions)


@transaction.atomic
def visit_create(*, by: User, data: dict[str, Any]) -> VisitPlan:
    """Plan a visit; ``date`` + ``start_time`` (+ ``end_time``) are wall time in ``time_zone`` (default:
    the user's zone), or ``starts_at`` / ``ends_at`` aware datetimes."""
    require_perm(by, ACT, Action.CREATE)
    visit = VisitPlan(owner=by, department_id=by.department_id, created_by=by, updated_by=by,
                      time_zone=str(data.get("time_zone") or by.time_zone or "Asia/Shanghai"))
    contacts, companions = _visit_apply(visit, by, data)
    _visit_save(visit, contacts, companions)
    _visit_reminder(visit)
    return visit


def _locked_visit(visit: VisitPlan, expected_version: int | None) -> VisitPlan:
    current = VisitPlan.objects.select_for_update().select_related("customer", "owner").get(pk=visit.pk)
    if expected_version is not None and current.version != int(expected_version):
        raise ConflictError(_("Someone else changed this visit plan meanwhile. Reload it and try again."),
                            current={"version": current.version, "status": current.status})
    return current


@transaction.atomic
def visit_update(*, visit: VisitPlan, by: User, data: dict[str, Any], expected_version: int | None = None) -> VisitPlan:
    _require_covers(by, visit.owner_id, Action.EDIT)
    visit = _locked_visit(visit, expected_version)
    if visit.status != VisitStatus.PLANNED:
        raise ApplicationError(_("Only a planned visit can be changed."), code="not_planned")
    contacts, companions = _visit_apply(visit, by, data)
    visit.version += 1
    visit.updated_by = by
    _visit_save(visit, contacts, companions)
    _visit_reminder(visit)
    return visit


@transaction.atomic
def visit_delete(*, visit: VisitPlan, by: User) -> None:
    _require_covers(by, visit.owner_id, Action.DELETE)
    VisitPlan.objects.filter(pk=visit.pk).update(deleted_at=timezone.now(), deleted_by=by)
    reminder_cancel(key=f"visit:{visit.pk}")


@transaction.atomic
def visit_cancel(*, visit: VisitPlan, by: User, reason: str = "", expected_version: int | None = None) -> VisitPlan:
    _require_covers(by, visit.owner_id, Action.EDIT)
    visit = _locked_visit(visit, expected_version)
    if visit.status != VisitStatus.PLANNED:
        raise ApplicationError(_("Only a planned visit can be cancelled."), code="not_planned")
    visit.status = VisitStatus.CANCELLED
    visit.cancel_reason = str(reason or "").strip()[:255]
    visit.version += 1
    visit.updated_by = by
    visit.save()
    reminder_cancel(key=f"visit:{visit.pk}")
    return visit


def _current_occurrence(visit: VisitPlan, now: dt.datetime) -> dt.datetime | None:
    floor = visit.last_done_occurrence
    started = [s for s, _e in visit_occurrences(visit, start=now - dt.timedelta(days=8), end=now + dt.timedelta(seconds=1))
               if floor is None or s > floor]
    if started:
        return started[-1]
    return visit_next_occurrence(visit, after=now)


@transaction.atomic
def visit_complete(*, visit: VisitPlan, by: User, result: str, at: dt.datetime | None = None,
                   next_at=None, next_content: str = "", expected_version: int | None = None) -> FollowUp:
    """Record the visit's result and create its follow-up (kind "visit"); returns the follow-up."""
    _require_covers(by, visit.owner_id, Action.EDIT)
    require_perm(by, ACT, Action.CREATE)
    visit = _locked_visit(visit, expected_version)
    if visit.status != VisitStatus.PLANNED:
        raise ApplicationError(_("This visit is not planned any more (already completed, cancelled or missed)."),
                               code="not_planned")
    text = str(result or "").strip()
    if not text:
        raise ValidationError({"result": [_("Describe the result of the visit.")]})
    now = timezone.now()
    occurrence = None
    if visit.is_recurring:
        occurrence = _current_occurrence(visit, now)
        if occurrence is None:
            raise ApplicationError(_("This weekly visit has no occurrence left to complete."), code="no_occurrence")
        visit.last_done_occurrence = occurrence
        if visit_next_occurrence(visit, after=occurrence) is None:
            visit.status = VisitStatus.DONE
    else:
        visit.status = VisitStatus.DONE
    visit.result = text
    visit.completed_at = now
    visit.version += 1
    visit.updated_by = by
    visit.save()
    contact = visit.contacts.order_by("id").first()
    followup = followup_create(by=by, data={
        "customer": visit.customer, "contact": contact, "opportunity": visit.opportunity, "visit": visit,
        "kind": FollowUpKind.VISIT, "at": _aware(at, "at") or min(now, visit.ends_at if occurrence is None
                                                                  else occurrence + (visit.ends_at - visit.starts_at)),
        "content": text, "next_at": next_at, "next_content": next_content,
    })
    _visit_reminder(visit, now=now)
    return followup


def visits_mark_missed(now: dt.datetime | None = None) -> int:
    """Periodic job: planned one-off visits whose end is 24 h past become missed. Idempotent."""
    now = now or timezone.now()
    ids = list(VisitPlan.objects.filter(status=VisitStatus.PLANNED, recurrence=VisitRecurrence.NONE,
                                        ends_at__lte=now - MISSED_AFTER).values_list("id", flat=True)[:5000])
    if not ids:
        return 0
    with transaction.atomic():
        count = VisitPlan.objects.filter(pk__in=ids, status=VisitStatus.PLANNED).update(status=VisitStatus.MISSED)
        for pk in ids:
            reminder_cancel(key=f"visit:{pk}")
    return count


def visit_reminders_rearm(now: dt.datetime | None = None) -> int:
    """Periodic job: move the reminder of each weekly plan to its next occurrence. Idempotent."""
    from forpcrm.notifications.models import Reminder

    now = now or timezone.now()
    plans = list(VisitPlan.objects.filter(status=VisitStatus.PLANNED, recurrence=VisitRecurrence.WEEKLY,
                                          remind_minutes__isnull=False).select_related("customer", "owner"))
    current = {r.key: r for r in Reminder.objects.filter(key__in=[f"visit:{p.pk}" for p in plans])}
    moved = 0
    for plan in plans:
        fire_at = visit_reminder_fire_at(plan, now=now)
        reminder = current.get(f"visit:{plan.pk}")
        if fire_at is None:
            if reminder is not None:
                reminder_cancel(key=reminder.key)
                moved += 1
            continue
        if reminder is not None and reminder.fire_at == fire_at:
            continue
        _visit_reminder(plan, now=now)
        moved += 1
    return moved


# ---------------------------------------------------------------- check-in


def _decimal(value, field: str, low: int, high: int) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ValidationError({field: [_("Enter a number.")]}) from exc
    if not number.is_finite() or not low <= number <= high:
        raise ValidationError({field: [_("Enter a value between %(low)d and %(high)d.") % {"low": low, "high": high}]})
    return number.quantize(Decimal("0.000001"))


def _check_photo(photo) -> None:
    if photo is None:
        return
    if photo.size > PHOTO_MAX_BYTES:
        raise ValidationError({"photo": [_("The photo is larger than %(mb)d MB.") % {"mb": PHOTO_MAX_BYTES // 1048576}]})
    head = photo.read(16)
    photo.seek(0)
    is_image = any(head.startswith(sig) for sig in _IMAGE_SIGNATURES) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
    if not is_image:
        raise ValidationError({"photo": [_("The photo must be a JPEG, PNG, GIF or WebP image.")]})
    name = get_valid_filename((photo.name or "photo").replace("\\", "/").rsplit("/", 1)[-1]) or "photo"
    photo.name = name[-100:]


def can_check_in(user: User, visit: VisitPlan, companion_ids: set[int] | None = None) -> bool:
    if companion_ids is None:
        companion_ids = set(visit.companions.values_list("id", flat=True))
    return visit.status == VisitStatus.PLANNED and (
        user.pk in companion_ids or covers(user, visit.owner_id)) and has_perm(user, ACT, Action.EDIT)


@transaction.atomic
def checkin_add(*, visit: VisitPlan, by: User, latitude, longitude, accuracy_m=None, address: str = "",
                photo=None, at: dt.datetime | None = None) -> CheckIn:
    """Record where ``by`` is for the visit (owner, companion or a manager of the owner)."""
    if not can_check_in(by, visit):
        if visit.status != VisitStatus.PLANNED:
            raise ApplicationError(_("A completed, cancelled or missed visit takes no check-in."), code="not_planned")
        raise PermissionDeniedError(_("Only the visit's owner and companions can check in."))
    errors = {}
    values = {}
    for field, value, low, high in (("latitude", latitude, -90, 90), ("longitude", longitude, -180, 180)):
        try:
            values[field] = _decimal(value, field, low, high)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    accuracy = None
    if accuracy_m not in (None, ""):
        try:
            accuracy = float(accuracy_m)
            if not 0 <= accuracy <= 1_000_000:
                raise ValueError
        except (TypeError, ValueError):
            errors["accuracy_m"] = [_("Enter the accuracy in metres (0 or more).")]
    try:
        _check_photo(photo)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    checkin = CheckIn(visit=visit, user=by, at=_aware(at, "at") or timezone.now(), accuracy_m=accuracy,
                      address=str(address or "").strip()[:255], **values)
    if photo is not None:
        checkin.photo = photo
    _full_clean(checkin, exclude=["visit", "user", "photo"])
    checkin.save()
    return checkin


def customer_merge_move(survivor: Customer, merged: Customer, by: User) -> None:
    """During a customer merge: the merged customer's follow-ups, visits and comments move to the survivor."""
    FollowUp.all_objects.filter(customer=merged).update(customer=survivor)
    VisitPlan.all_objects.filter(customer=merged).update(customer=survivor)
    Comment.objects.filter(customer=merged).update(customer=survivor)
    customer_followups_refresh(survivor.pk)
    customer_followups_refresh(merged.pk)


# ---------------------------------------------------------------- follow-up kinds (settings)

FOLLOWUP_KIND_FIELDS = ("code", "label", "label_en", "sort_order", "is_active")


def may_configure_followup_kinds(user: User) -> bool:
    """Whether ``user`` may edit the extra follow-up kinds (administration or activities "configure")."""
    return has_perm(user, Module.ADMINISTRATION, Action.CONFIGURE) or has_perm(user, ACT, Action.CONFIGURE)


def _followup_kind_apply(option: FollowUpKindOption, data: dict[str, Any], *, creating: bool) -> None:
    _unknown(data, set(FOLLOWUP_KIND_FIELDS))
    errors: dict[str, list[str]] = {}
    if "code" in data:
        code = str(data["code"] or "").strip().lower()
        if creating:
            option.code = code
        elif code != option.code:
            errors["code"] = [_("The code of a follow-up kind cannot change; follow-ups keep it.")]
    if creating:
        if not option.code:
            errors["code"] = [_("A follow-up kind needs a code.")]
        elif option.code in FollowUpKind.values:
            errors["code"] = [_("“%(code)s” is a built-in follow-up kind.") % {"code": option.code}]
        elif FollowUpKindOption.objects.filter(code=option.code).exists():
            errors["code"] = [_("A follow-up kind with the code “%(code)s” exists.") % {"code": option.code}]
    for key in ("label", "label_en"):
        if key in data:
            setattr(option, key, str(data[key] or "").strip())
    if not option.label:
        errors["label"] = [_("A follow-up kind needs a Chinese label.")]
    if data.get("sort_order") not in (None, ""):
        try:
            option.sort_order = int(data["sort_order"])
        except (TypeError, ValueError):
            errors["sort_order"] = [_("Enter a whole number.")]
    if "is_active" in data:
        option.is_active = bool(data["is_active"])
    if errors:
        raise ValidationError(errors)
    _full_clean(option)


@transaction.atomic
def followup_kind_create(*, by: User, data: dict[str, Any]) -> FollowUpKindOption:
    """Add a follow-up kind. data: code (a slug, not a built-in kind), label (Chinese), label_en, sort_order,
    is_active."""
    if not may_configure_followup_kinds(by):
        raise PermissionDeniedError(_("Only administrators may configure follow-up kinds."))
    option = FollowUpKindOption(is_active=True)
    _followup_kind_apply(option, data, creating=True)
    option.save()
    return option


@transaction.atomic
def followup_kind_update(*, option: FollowUpKindOption, by: User, data: dict[str, Any]) -> FollowUpKindOption:
    """Change the labels, order or active mark of a follow-up kind (the code stays: follow-ups keep it).
    An inactive kind is no longer offered; follow-ups of that kind keep it."""
    if not may_configure_followup_kinds(by):
        raise PermissionDeniedError(_("Only administrators may configure follow-up kinds."))
    current = FollowUpKindOption.objects.select_for_update().get(pk=option.pk)
    _followup_kind_apply(current, data, creating=False)
    current.save()
    return current
