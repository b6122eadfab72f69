"""Notification texts stored as a message id + parameters and rendered when shown.

A notification is read by its recipient in whatever language they use at that moment (the page's
language, or the recipient's own language for e-mail), so the text is not rendered when the
notification is created. The caller builds a message::

    from django.utils.translation import gettext_noop

    from forpcrm.notifications.messages import message

    title = message(gettext_noop("%(user)s urges you about %(target)s"), user=str(by), target=str(record))

``gettext_noop`` marks the id for ``makemessages`` without translating it. Parameters are plain
values (text, numbers, dates, None), stored as given. A parameter that is itself translatable (a
report kind, a status) is a nested message — ``label(gettext_noop("daily report"))`` — or a lazy
translation such as a choices label (``ReportKind.DAILY.label``); both are translated at render time.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.functional import Promise

logger = logging.getLogger(__name__)

MSGID_MAX = 255


@dataclass(frozen=True)
class Message:
    """A translatable text: ``msgid`` (the English source, with ``%(name)s`` placeholders), its
    parameters and an optional gettext context (for short nested words only)."""

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)
    context: str = ""

    def render(self) -> str:
        """The text in the active language."""
        return render(self.msgid, self.params, self.context)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"msgid": self.msgid, "params": self.params}
        if self.context:
            data["context"] = self.context
        return data

    def __str__(self) -> str:
        return self.render()


def _clean(value: Any) -> Any:
    """A parameter as stored in JSON: plain values as they are, dates as ISO text, translatable
    values as nested messages."""
    if isinstance(value, Message):
        return value.to_json()
    if isinstance(value, Promise):
        return _from_lazy(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"a message parameter must be a plain value or a message, not {type(value).__name__}")


def _from_lazy(value: Promise) -> Any:
    """A lazy gettext / pgettext string (e.g. a choices label) becomes a nested message; any other
    lazy value is rendered now."""
    try:
        func, args = value.__reduce__()[1][:2]
    except (AttributeError, IndexError, TypeError, ValueError):
        func, args = None, ()
    if func is translation.gettext and len(args) == 1:
        return Message(str(args[0])).to_json()
    if func is translation.pgettext and len(args) == 2:
        return Message(str(args[1]), context=str(args[0])).to_json()
    return str(value)


def message(msgid: str, /, **params: Any) -> Message:
    """A translatable notification text (``msgid`` marked with ``gettext_noop``) and its parameters."""
    if not isinstance(msgid, str) or not msgid:
        raise ValueError("a message needs its id (the source text)")
    if len(msgid) > MSGID_MAX:
        raise ValueError(f"a message id has at most {MSGID_MAX} characters")
    return Message(msgid, {str(k): _clean(v) for k, v in params.items()})


def label(msgid: str, context: str = "") -> Message:
    """A short translatable word used as a parameter (``pgettext`` context when ambiguous)."""
    if not isinstance(msgid, str) or not msgid:
        raise ValueError("a label needs its id (the source text)")
    return Message(msgid, {}, context)


def _param_text(value: Any) -> str:
    if isinstance(value, dict) and isinstance(value.get("msgid"), str):
        return render(value["msgid"], value.get("params") or {}, value.get("context") or "")
    if value is None:
        return ""
    return str(value)


def render(msgid: str, params: dict[str, Any] | None = None, context: str = "") -> str:
    """``msgid`` translated into the active language with ``params`` filled in (nested messages are
    translated too). A translation whose placeholders do not fit falls back to the source text."""
    text = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
    if not params:
        return text
    values = {key: _param_text(value) for key, value in params.items()}
    try:
        return text % values
    except (KeyError, ValueError, TypeError):
        if text != msgid:
            logger.warning("translation of %r does not fit its parameters", msgid)
        try:
            return msgid % values
        except (KeyError, ValueError, TypeError):
            return msgid


def render_in(language: str | None, msgid: str, params: dict[str, Any] | None = None) -> str:
    """``render`` in ``language`` (the recipient's; empty: the site's default language)."""
    from django.conf import settings

    with translation.override(language or settings.LANGUAGE_CODE):
        return render(msgid, params)
