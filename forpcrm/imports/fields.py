"""Target fields of an import and the parsers that turn a spreadsheet cell into a value.

Every parser raises ValueError with a message for the user; a bad value is never stored as empty.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db.models import Q
from django.utils.translation import gettext as _

from forpcrm.core.money import to_money
from forpcrm.core.parsing import DAY_FIRST, parse_bool, parse_date, parse_decimal
from forpcrm.core.phones import phone_key

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_HEADER_NOISE = re.compile(r"[\s_\-*:：()（）\[\]【】.]+")


def header_key(text: str) -> str:
    """Normalised header for automatic mapping: case, spaces, punctuation and a trailing * don't matter."""
    return _HEADER_NOISE.sub("", str(text or "").replace("\ufeff", "")).lower()


def unguard(value: Any) -> tuple[Any, bool]:
    """Remove the leading ' an export put before text that looks like a formula (C04)."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in FORMULA_STARTS:
        return value[1:], True
    return value, False


@dataclass
class ImportContext:
    """What parsers and definitions share during one run: the user, options and per-run caches."""

    user: Any
    mode: str = "upsert"
    match_on: list[str] = field(default_factory=list)
    date_order: str = DAY_FIRST
    options: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)
    row_warnings: list[tuple[str, str]] = field(default_factory=list)  # (field key, message)
    notes: list[str] = field(default_factory=list)
    deferred: list[dict[str, Any]] = field(default_factory=list)

    def warn(self, key: str, message: str) -> None:
        self.row_warnings.append((key, message))

    def value_alias(self, key: str, text: str) -> str:
        aliases = (self.options.get("value_aliases") or {}).get(key) or {}
        return aliases.get(text, aliases.get(text.lower(), text)) if aliases else text


Choices = Callable[[ImportContext], list[tuple[str, list[str]]]]


@dataclass
class FieldSpec:
    """One target field. ``kind`` selects the parser; ``parse`` overrides it (user-defined fields)."""

    key: str
    label: Any
    kind: str = "text"
    aliases: tuple[str, ...] = ()
    required: bool = False
    max_length: int | None = None
    choices: Choices | None = None
    lookup: Callable[[str, ImportContext], Any] | None = None
    parse: Callable[[Any, ImportContext], Any] | None = None
    help: Any = ""

    def names(self) -> set[str]:
        return {header_key(n) for n in (self.key, str(self.label), *self.aliases) if n}


def parse_cell(spec: FieldSpec, raw: Any, ctx: ImportContext) -> Any:
    value, guarded = unguard(raw)
    if isinstance(value, str) and not guarded:
        value = value.strip().strip("\u3000")
    if value is None or value == "":
        return None
    if isinstance(value, str):
        corrected = ctx.value_alias(spec.key, value)
        if corrected != value:
            ctx.warn(spec.key, _("“%(value)s” was read as “%(corrected)s” (value alias of the mapping).")
                     % {"value": value, "corrected": corrected})
            value = corrected
    if spec.parse is not None:
        return spec.parse(value, ctx)
    parser = PARSERS[spec.kind]
    return parser(spec, value, ctx)


def _text(spec: FieldSpec, value: Any, ctx: ImportContext) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if spec.max_length and len(text) > spec.max_length:
        raise ValueError(_("Too long: at most %(n)d characters.") % {"n": spec.max_length})
    return text


def _integer(spec: FieldSpec, value: Any, ctx: ImportContext) -> int:
    number = parse_decimal(value)
    if number is None or number != number.to_integral_value():
        raise ValueError(_("“%(value)s” is not a whole number.") % {"value": value})
    if number < 0:
        raise ValueError(_("“%(value)s” may not be negative.") % {"value": value})
    return int(number)


def _year(spec: FieldSpec, value: Any, ctx: ImportContext) -> int:
    year = _integer(spec, value, ctx)
    if not 1000 <= year <= 2100:
        raise ValueError(_("“%(value)s” is not a year.") % {"value": value})
    return year


def _decimal(spec: FieldSpec, value: Any, ctx: ImportContext) -> Decimal:
    return parse_decimal(value)


def _money(spec: FieldSpec, value: Any, ctx: ImportContext) -> Decimal:
    return to_money(parse_decimal(value))


def _date(spec: FieldSpec, value: Any, ctx: ImportContext):
    return parse_date(value, order=ctx.date_order)


def _bool(spec: FieldSpec, value: Any, ctx: ImportContext) -> bool:
    return parse_bool(value)


def _phone(spec: FieldSpec, value: Any, ctx: ImportContext) -> str:
    text = _text(spec, value, ctx)
    if not phone_key(text):
        ctx.warn(spec.key, _("“%(value)s” is not a complete phone number; kept as typed and not used to match.")
                 % {"value": text})
    return text


def _email(spec: FieldSpec, value: Any, ctx: ImportContext) -> str:
    text = str(value).strip()
    try:
        EmailValidator()(text)
    except ValidationError as exc:
        raise ValueError(_("“%(value)s” is not an e-mail address.") % {"value": text}) from exc
    return text.lower()


def _url(spec: FieldSpec, value: Any, ctx: ImportContext) -> str:
    text = str(value).strip()
    if not re.match(r"^[a-z][a-z0-9+.-]*://", text, re.IGNORECASE):
        text = "http://" + text
    try:
        URLValidator()(text)
    except ValidationError as exc:
        raise ValueError(_("“%(value)s” is not a web address.") % {"value": value}) from exc
    return text


def _choice(spec: FieldSpec, value: Any, ctx: ImportContext) -> str:
    text = _text(spec, value, ctx)
    options = ctx.cache.get(("choices", spec.key))
    if options is None:
        options = spec.choices(ctx) if spec.choices else []
        ctx.cache[("choices", spec.key)] = options
    if not options:
        return text
    lowered = text.lower()
    for stored, labels in options:
        if lowered in {str(stored).lower(), *(str(label).lower() for label in labels if label)}:
            return stored
    shown = ", ".join(str(labels[0] if labels else stored) for stored, labels in options[:12])
    raise ValueError(_("“%(value)s” is not one of the choices (%(choices)s).") % {"value": text, "choices": shown})


def find_user(text: str, ctx: ImportContext):
    from forpcrm.org.models import User

    cache = ctx.cache.setdefault("users", {})
    if text not in cache:
        cache[text] = list(
            User.objects.filter(Q(username__iexact=text) | Q(display_name=text) | Q(email__iexact=text), is_active=True)[:2]
        )
    found = cache[text]
    if not found:
        raise ValueError(_("No active user “%(value)s”.") % {"value": text})
    if len(found) > 1:
        raise ValueError(_("“%(value)s” names more than one user; use the username.") % {"value": text})
    return found[0]


def _user(spec: FieldSpec, value: Any, ctx: ImportContext):
    return find_user(_text(spec, value, ctx), ctx)


def _lookup(spec: FieldSpec, value: Any, ctx: ImportContext):
    text = _text(spec, value, ctx)
    cache = ctx.cache.setdefault(("fk", spec.key), {})
    if text not in cache:
        cache[text] = spec.lookup(text, ctx) if spec.lookup else text
    return cache[text]


PARSERS: dict[str, Callable[[FieldSpec, Any, ImportContext], Any]] = {
    "text": _text,
    "integer": _integer,
    "year": _year,
    "decimal": _decimal,
    "money": _money,
    "date": _date,
    "bool": _bool,
    "phone": _phone,
    "email": _email,
    "url": _url,
    "choice": _choice,
    "user": _user,
    "fk": _lookup,
}


def auto_mapping(headers: list[str], fields: list[FieldSpec], saved: dict[str, str] | None = None) -> dict[str, str]:
    """Column index (as str) → field key, from a saved preset first and then by header names and aliases."""
    known = {f.key for f in fields}
    by_name: dict[str, str] = {}
    for spec in fields:
        for name in spec.names():
            by_name.setdefault(name, spec.key)
    saved_by_key = {header_key(h): k for h, k in (saved or {}).items()}
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for index, header in enumerate(headers):
        key = header_key(header)
        target = saved_by_key.get(key) if saved is not None and key in saved_by_key else by_name.get(key)
        if target and target in known and target not in used:
            mapping[str(index)] = target
            used.add(target)
    return mapping


def mapping_to_preset(headers: list[str], mapping: dict[str, str]) -> dict[str, str]:
    return {headers[int(i)]: key for i, key in mapping.items() if key and int(i) < len(headers)}
