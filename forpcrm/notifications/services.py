"""Writes of the notifications app: notify, e-mail choices, reminders, marking read.

Every function here is safe to call twice: a notification with a dedupe key exists once per
recipient, a reminder exists once per key and is sent once per arming.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from forpcrm.core.errors import ApplicationError

from .messages import Message, render
from .models import EMAIL_DEFAULT_KINDS, Notification, NotificationKind, NotificationPreference, Reminder

logger = logging.getLogger(__name__)

REMINDER_BATCH = 500


def _object_ref(obj) -> tuple[str, str]:
    if obj is None:
        return "", ""
    return obj._meta.label_lower, str(obj.pk)


def _object_url(obj) -> str:
    if obj is None:
        return ""
    get_url = getattr(obj, "get_absolute_url", None)
    if get_url is None:
        return ""
    try:
        return get_url() or ""
    except Exception:  # a record without a page still gets its notification
        logger.debug("no absolute url for %r", obj, exc_info=True)
        return ""


def _check_kind(kind) -> str:
    value = str(kind.value if isinstance(kind, NotificationKind) else kind)
    if value not in NotificationKind.values:
        raise ApplicationError(_("Unknown notification kind: %(kind)s") % {"kind": value}, code="invalid_kind")
    return value


def email_wanted(user, kind: str) -> bool:
    """Did `user` choose e-mail for notifications of `kind`? (One query.)"""
    choice = NotificationPreference.objects.filter(user=user, kind=kind).values_list("email", flat=True).first()
    if choice is None:
        return kind in EMAIL_DEFAULT_KINDS
    return bool(choice)


def recipient_language(user) -> str:
    """The language a user reads when no request says otherwise (e-mail, jobs): their own choice,
    else the site's default."""
    return (getattr(user, "language", "") or settings.LANGUAGE_CODE) if user is not None else settings.LANGUAGE_CODE


def _text_parts(value, *, what: str) -> tuple[str, dict]:
    """(msgid, params) of a message; ("", {}) for plain text."""
    if isinstance(value, Message):
        if value.context:
            raise ApplicationError(_("A notification text is a sentence, not a word with a context."),
                                   code="invalid", field=what)
        return value.msgid, dict(value.params)
    return "", {}


def _rendered(msgid: str, params: dict, fallback, language: str) -> str:
    """The stored text: a message rendered in ``language``; plain text as given."""
    if not msgid:
        return str(fallback or "")
    with translation.override(language):
        return render(msgid, params)


def _plain(text: str) -> str:
    """Plain text for an e-mail: no control characters other than newlines and tabs."""
    return "".join(ch for ch in text if ch in "\n\t" or ch.isprintable())


def absolute_url(url: str) -> str:
    """``url`` as a full address for e-mail: a path is prefixed with the setting FORPCRM_SITE_URL."""
    if not url or url.startswith(("http://", "https://")):
        return url
    base = str(getattr(settings, "FORPCRM_SITE_URL", "") or "").rstrip("/")
    return f"{base}{url if url.startswith('/') else '/' + url}"


def _send_email(notification_id: int) -> None:
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None or not notification.recipient.email:
        return
    with translation.override(recipient_language(notification.recipient)):
        title, body = notification.display_title, notification.display_body
    subject = " ".join(_plain(title).split())[:200]
    lines = [_plain(body)] if body else []
    if notification.url:
        link = absolute_url(notification.url)
        lines.append(link)
    try:
        send_mail(subject, "\n\n".join(lines) or subject, None, [notification.recipient.email])
    except Exception:  # the in-app notification stands even when the mail server is down
        logger.exception("e-mail for notification %s failed", notification_id)


def notify(*, recipient, kind, title, body="", url="", obj=None, actor=None, dedupe_key=None):
    """In-app notification (+ e-mail after commit when the recipient chose e-mail for that kind).

    `title` and `body` are plain text or messages (`forpcrm.notifications.messages.message`); a
    message is stored as its id + parameters and rendered when shown, in the reader's language
    (e-mail: the recipient's language). With `dedupe_key`, a second call with the same key for the same recipient creates nothing and
    returns None. `url` defaults to the record's page when `obj` has one. Inactive or missing
    recipients get nothing (None).
    """
    object_type, object_id = _object_ref(obj)
    msgid, params = _text_parts(title, what="title")
    body_msgid, body_params = _text_parts(body, what="body")
    return _notification_create(
        recipient=recipient, kind=kind, title=title, body=body, url=url or _object_url(obj),
        object_type=object_type, object_id=object_id, actor=actor, dedupe_key=dedupe_key,
        msgid=msgid, params=params, body_msgid=body_msgid, body_params=body_params,
    )


def _notification_create(*, recipient, kind, title, body, url, object_type, object_id, actor, dedupe_key,
                         msgid="", params=None, body_msgid="", body_params=None):
    if recipient is None or not getattr(recipient, "is_active", True):
        return None
    kind_value = _check_kind(kind)
    language = recipient_language(recipient)
    params, body_params = params or {}, body_params or {}
    notification = Notification(
        recipient=recipient, kind=kind_value, title=_rendered(msgid, params, title, language)[:255],
        body=_rendered(body_msgid, body_params, body, language),
        msgid=msgid, params=params, body_msgid=body_msgid, body_params=body_params,
        url=str(url or "")[:500], object_type=object_type, object_id=object_id,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        dedupe_key=(str(dedupe_key)[:200] if dedupe_key else None),
    )
    try:
        notification.full_clean(exclude=["recipient", "actor", "dedupe_key"])
    except ValidationError as exc:
        raise ApplicationError(_("The notification is not valid."), code="invalid",
                               extra={"fields": exc.message_dict}) from exc
    if notification.dedupe_key:
        if Notification.objects.filter(recipient=recipient, dedupe_key=notification.dedupe_key).exists():
            return None
        try:
            with transaction.atomic():
                notification.save()
        except IntegrityError:  # a concurrent call won the race
            return None
    else:
        notification.save()
    if recipient.email and email_wanted(recipient, kind_value):
        pk = notification.pk
        transaction.on_commit(lambda: _send_email(pk))
    return notification


@transaction.atomic
def notifications_mark_read(*, user, ids: Iterable[int] | None = None, now: dt.datetime | None = None) -> int:
    """Mark the user's unread notifications read (ids=None: all of them). Returns how many changed.

    Ids of other users' notifications are ignored (nothing changes for them).
    """
    qs = Notification.objects.for_user(user).unread()
    if ids is not None:
        clean: list[int] = []
        for value in ids:
            try:
                clean.append(int(value))
            except (TypeError, ValueError):
                continue
        if not clean:
            return 0
        qs = qs.filter(pk__in=clean)
    return qs.update(read_at=now or timezone.now())


@transaction.atomic
def notification_mark_unread(*, user, notification_id: int) -> int:
    return Notification.objects.for_user(user).filter(pk=notification_id).update(read_at=None)


def preferences_get(*, user) -> dict[str, bool]:
    """{kind: e-mail on?} for every kind, defaults filled in."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
    return {kind: chosen.get(kind, kind in EMAIL_DEFAULT_KINDS) for kind in NotificationKind.values}


@transaction.atomic
def preferences_set(*, user, email_kinds: Iterable[str]) -> dict[str, bool]:
    """E-mail exactly the kinds in `email_kinds` (every other kind in-app only). Returns the new choice."""
    wanted = {str(k) for k in email_kinds}
    unknown = wanted - set(NotificationKind.values)
    if unknown:
        raise ApplicationError(
            _("Unknown notification kind: %(kind)s") % {"kind": ", ".join(sorted(unknown))}, code="invalid_kind",
        )
    existing = {p.kind: p for p in NotificationPreference.objects.select_for_update().filter(user=user)}
    to_create, to_update = [], []
    for kind in NotificationKind.values:
        email = kind in wanted
        pref = existing.get(kind)
        if pref is None:
            to_create.append(NotificationPreference(user=user, kind=kind, email=email))
        elif pref.email != email:
            pref.email = email
            to_update.append(pref)
    NotificationPreference.objects.bulk_create(to_create)
    NotificationPreference.objects.bulk_update(to_update, ["email"])
    return {kind: kind in wanted for kind in NotificationKind.values}


@transaction.atomic
def reminder_schedule(*, recipient, key, fire_at, kind, title, url="", obj=None) -> Reminder:
    """Upsert by key: one pending reminder per key; moving fire_at re-arms it. fire_at is aware.

    `title` is plain text or a message (rendered when the notification is shown, as for `notify`)."""
    if fire_at is None or timezone.is_naive(fire_at):
        raise ApplicationError(_("A reminder needs a date and time with a time zone."), code="naive_datetime")
    if not key:
        raise ApplicationError(_("A reminder needs a key."), code="invalid")
    kind_value = _check_kind(kind)
    fire_at = fire_at.astimezone(dt.UTC)
    object_type, object_id = _object_ref(obj)
    msgid, params = _text_parts(title, what="title")
    values = {
        "recipient": recipient, "kind": kind_value, "msgid": msgid, "params": params,
        "title": _rendered(msgid, params, title, recipient_language(recipient))[:255],
        "url": str(url or _object_url(obj))[:500], "object_type": object_type, "object_id": object_id,
    }
    reminder = Reminder.objects.select_for_update().filter(key=key).first()
    if reminder is None:
        reminder = Reminder(key=key, fire_at=fire_at, **values)
        reminder.full_clean(exclude=["recipient"])
        try:
            with transaction.atomic():
                reminder.save()
            return reminder
        except IntegrityError:  # created concurrently: update that one
            reminder = Reminder.objects.select_for_update().get(key=key)
    for name, value in values.items():
        setattr(reminder, name, value)
    if reminder.fire_at != fire_at or reminder.recipient_id != recipient.pk:
        reminder.fire_at = fire_at
        reminder.sent_at = None
    reminder.full_clean(exclude=["recipient"])
    reminder.save()
    return reminder


@transaction.atomic
def reminder_cancel(*, key) -> None:
    """Drop the reminder with this key (nothing happens when there is none)."""
    Reminder.objects.filter(key=key).delete()


def _send_one(reminder_id: int, now: dt.datetime) -> bool:
    """Claim one due reminder (a conditional UPDATE: only one run wins) and notify its recipient."""
    with transaction.atomic():
        claimed = Reminder.objects.filter(pk=reminder_id, sent_at__isnull=True, fire_at__lte=now).update(sent_at=now)
        if claimed != 1:
            return False
        reminder = Reminder.objects.select_related("recipient").get(pk=reminder_id)
        created = _notification_create(
            recipient=reminder.recipient, kind=reminder.kind, title=reminder.title, body="", url=reminder.url,
            msgid=reminder.msgid, params=reminder.params,
            object_type=reminder.object_type, object_id=reminder.object_id, actor=None,
            dedupe_key=f"reminder:{reminder.key}:{reminder.fire_at.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}",
        )
        return created is not None


def reminders_send_due(now: dt.datetime | None = None) -> int:
    """Send every reminder due at `now` (fire_at <= now) not sent yet; each exactly once, even when
    two runs overlap. Late runs send what is due. Returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    last_id = 0
    while True:
        ids = list(
            Reminder.objects.filter(sent_at__isnull=True, fire_at__lte=now, id__gt=last_id)
            .order_by("id").values_list("id", flat=True)[:REMINDER_BATCH]
        )
        if not ids:
            break
        for reminder_id in ids:
            if _send_one(reminder_id, now):
                sent += 1
        last_id = ids[-1]
    return sent
