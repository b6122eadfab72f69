"""Merge fields of e-mail templates: ``{{ contact.name }}``, ``{{ customer.name }}``, ``{{ user.display_name }}``.

Templates are written by administrators but rendered with a fixed, small context of plain strings
(never model instances, so no method of a record can be reached), by a stand-alone engine without
loaders or tag libraries, and with only a few harmless tags allowed. Bodies are plain text, so
autoescaping is off; the result is shown and sent as text, never as HTML.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.template import Context, Engine, TemplateSyntaxError
from django.utils import timezone
from django.utils.translation import gettext as _

ALLOWED_TAGS = frozenset({"if", "elif", "else", "endif", "for", "empty", "endfor", "with", "endwith", "firstof",
                          "comment", "endcomment"})
MERGE_FIELDS = {
    "contact": ("name", "title", "email", "mobile", "department_name"),
    "customer": ("name", "short_name", "email", "phone", "website", "city"),
    "user": ("display_name", "email", "phone"),
}
_TAG = re.compile(r"{%-?\s*(\w+)")
_ENGINE = Engine(dirs=[], app_dirs=False, libraries={}, autoescape=False, debug=False, string_if_invalid="")


def merge_fields() -> list[str]:
    """Every merge field as ``object.field`` (for the help text of the template form)."""
    return [f"{obj}.{name}" for obj, names in MERGE_FIELDS.items() for name in names]


def _check_one(text: str, field: str) -> None:
    for tag in _TAG.findall(text or ""):
        if tag not in ALLOWED_TAGS:
            raise ValidationError({field: _("The tag “%(tag)s” is not allowed in an e-mail template.") % {"tag": tag}})
    try:
        _ENGINE.from_string(text or "")
    except TemplateSyntaxError as exc:
        raise ValidationError({field: _("The template cannot be read: %(error)s") % {"error": str(exc)}}) from exc


def merge_check(*, subject: str, body: str) -> None:
    """Raise ValidationError naming the field when the subject or body is not a valid template."""
    _check_one(subject, "subject")
    _check_one(body, "body")


def _plain(obj, names) -> dict[str, str]:
    if obj is None:
        return dict.fromkeys(names, "")
    values = {}
    for name in names:
        value = getattr(obj, name, "")
        values[name] = "" if value is None else str(value)
    return values


def merge_context(*, contact=None, customer=None, user=None) -> dict:
    """The only values a template can see: plain strings of a few fields."""
    if customer is None and contact is not None:
        customer = contact.customer
    context = {
        "contact": _plain(contact, MERGE_FIELDS["contact"]),
        "customer": _plain(customer, MERGE_FIELDS["customer"]),
        "user": _plain(user, MERGE_FIELDS["user"]),
        "today": timezone.localdate().isoformat(),
    }
    if user is not None and not context["user"]["display_name"]:
        context["user"]["display_name"] = str(user)
    return context


def merge_render(text: str, context: dict, *, field: str = "body") -> str:
    """Render one template text with a context from ``merge_context``."""
    _check_one(text, field)
    rendered = _ENGINE.from_string(text or "").render(Context(context, autoescape=False))
    # The engine marks its output safe for HTML; this is plain text, so it must be escaped wherever shown.
    return str.__str__(rendered)
