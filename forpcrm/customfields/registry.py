"""One table of field types; from it come the validator, form field, serializer field, import parser,
filter and display of every user-defined field.

Stored values are JSON: text → str, number → str of a Decimal, money → str with two places,
date → "YYYY-MM-DD", datetime → ISO 8601 in UTC, choice → option value, multi choice → list of values,
boolean → bool, user → user id (int), phone/e-mail/URL → str.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers

from forpcrm.core.money import to_money
from forpcrm.core.parsing import DAY_FIRST, parse_bool, parse_date, parse_datetime, parse_decimal
from forpcrm.core.phones import phone_display, phone_key

from .models import FieldDefinition, FieldType


def _options(definition: FieldDefinition) -> list[tuple[str, str]]:
    return [(str(o.get("value")), definition.option_label(o.get("value"))) for o in definition.options or []]


def _clean_text(d, v):
    return str(v).strip()


def _clean_number(d, v):
    number = parse_decimal(v)
    return None if number is None else str(number.normalize() if number == number.to_integral() else number)


def _clean_money(d, v):
    number = parse_decimal(v)
    return None if number is None else str(to_money(number))


def _clean_date(d, v, order=DAY_FIRST):
    day = parse_date(v, order=order)
    return day.isoformat() if day else None


def _clean_datetime(d, v, order=DAY_FIRST):
    if isinstance(v, str) and "T" in v and (v.endswith("Z") or "+" in v[10:]):
        value = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
    else:
        value = parse_datetime(v, order=order)
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _choice_value(d, text: str) -> str:
    text = str(text).strip()
    for option in d.options or []:
        names = {str(option.get("value")), str(option.get("label", "")), str(option.get("label_en", ""))}
        if text in names or text.lower() in {n.lower() for n in names}:
            return str(option.get("value"))
    raise ValueError(_("“%(value)s” is not one of the choices.") % {"value": text})


def _clean_choice(d, v):
    return _choice_value(d, v)


def _clean_multi(d, v):
    items = v if isinstance(v, list | tuple) else str(v).replace("，", ",").replace("；", ",").replace(";", ",").split(",")
    values = [_choice_value(d, item) for item in items if str(item).strip()]
    return values or None


def _clean_bool(d, v):
    return parse_bool(v)


def _clean_user(d, v):
    from forpcrm.org.models import User

    if isinstance(v, User):
        return v.pk
    text = str(v).strip()
    user = User.objects.filter(Q(username__iexact=text) | Q(display_name=text) | Q(email__iexact=text)).first()
    if user is None and text.isdigit():
        user = User.objects.filter(pk=int(text)).first()
    if user is None:
        raise ValueError(_("No user “%(value)s”.") % {"value": text})
    return user.pk


def _clean_phone(d, v):
    text = str(v).strip()
    if not phone_key(text):
        raise ValueError(_("“%(value)s” is not a phone number.") % {"value": text})
    return text


def _clean_email(d, v):
    text = str(v).strip()
    try:
        EmailValidator()(text)
    except ValidationError as exc:
        raise ValueError(_("“%(value)s” is not an e-mail address.") % {"value": text}) from exc
    return text.lower()


def _clean_url(d, v):
    text = str(v).strip()
    try:
        URLValidator()(text)
    except ValidationError as exc:
        raise ValueError(_("“%(value)s” is not a web address.") % {"value": text}) from exc
    return text


def _form_choice(d, **kw):
    return forms.ChoiceField(choices=[("", "—"), *_options(d)], **kw)


@dataclass(frozen=True)
class TypeSpec:
    clean: Callable[[FieldDefinition, Any], Any]  # user/import value → stored JSON value; ValueError on bad input
    form_field: Callable[..., forms.Field]
    serializer_field: Callable[..., serializers.Field]
    lookup: str = "exact"  # list filter lookup on the stored JSON value


TYPES: dict[str, TypeSpec] = {
    FieldType.TEXT: TypeSpec(_clean_text, lambda d, **kw: forms.CharField(max_length=500, **kw),
                             lambda d, **kw: serializers.CharField(max_length=500, allow_blank=True, **kw), "icontains"),
    FieldType.LONG_TEXT: TypeSpec(_clean_text, lambda d, **kw: forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **kw),
                                  lambda d, **kw: serializers.CharField(allow_blank=True, **kw), "icontains"),
    FieldType.NUMBER: TypeSpec(_clean_number, lambda d, **kw: forms.DecimalField(**kw),
                               lambda d, **kw: serializers.DecimalField(max_digits=20, decimal_places=6, coerce_to_string=True, **kw)),
    FieldType.MONEY: TypeSpec(_clean_money, lambda d, **kw: forms.DecimalField(decimal_places=2, **kw),
                              lambda d, **kw: serializers.DecimalField(max_digits=18, decimal_places=2, coerce_to_string=True, **kw)),
    FieldType.DATE: TypeSpec(_clean_date, lambda d, **kw: forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **kw),
                             lambda d, **kw: serializers.DateField(**kw)),
    FieldType.DATETIME: TypeSpec(_clean_datetime,
                                 lambda d, **kw: forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), **kw),
                                 lambda d, **kw: serializers.DateTimeField(**kw)),
    FieldType.CHOICE: TypeSpec(_clean_choice, _form_choice,
                               lambda d, **kw: serializers.ChoiceField(choices=_options(d), **kw)),
    FieldType.MULTI_CHOICE: TypeSpec(_clean_multi,
                                     lambda d, **kw: forms.MultipleChoiceField(choices=_options(d), widget=forms.CheckboxSelectMultiple, **kw),
                                     lambda d, **kw: serializers.MultipleChoiceField(choices=_options(d), **kw), "contains"),
    FieldType.BOOLEAN: TypeSpec(_clean_bool, lambda d, **kw: forms.NullBooleanField(**{k: v for k, v in kw.items() if k != "required"}),
                                lambda d, **kw: serializers.BooleanField(allow_null=True, **{k: v for k, v in kw.items() if k != "allow_null"})),
    FieldType.USER: TypeSpec(_clean_user, lambda d, **kw: forms.IntegerField(**kw), lambda d, **kw: serializers.IntegerField(**kw)),
    FieldType.PHONE: TypeSpec(_clean_phone, lambda d, **kw: forms.CharField(max_length=40, **kw),
                              lambda d, **kw: serializers.CharField(max_length=40, allow_blank=True, **kw), "icontains"),
    FieldType.EMAIL: TypeSpec(_clean_email, lambda d, **kw: forms.EmailField(**kw),
                              lambda d, **kw: serializers.EmailField(allow_blank=True, **kw), "iexact"),
    FieldType.URL: TypeSpec(_clean_url, lambda d, **kw: forms.URLField(**kw),
                            lambda d, **kw: serializers.URLField(allow_blank=True, **kw), "icontains"),
}


def definitions_for(entity: str) -> list[FieldDefinition]:
    return list(FieldDefinition.objects.filter(entity=entity, is_active=True).order_by("sort_order", "id"))


def clean_value(definition: FieldDefinition, value: Any, *, date_order: str = DAY_FIRST) -> Any:
    """Stored JSON value for one field, or raise ValueError with a message for the user."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, dt.date | dt.datetime) and definition.field_type == FieldType.DATE:
        return value.isoformat()[:10]
    spec = TYPES[definition.field_type]
    if definition.field_type in (FieldType.DATE, FieldType.DATETIME):
        return spec.clean(definition, value, date_order) if not isinstance(value, dt.datetime) else spec.clean(definition, value)
    return spec.clean(definition, value)


def clean_values(entity: str, values: dict[str, Any], *, partial: bool = False, existing: dict | None = None,
                 date_order: str = DAY_FIRST, definitions: list[FieldDefinition] | None = None) -> dict[str, Any]:
    """Validate the user-defined values of one record. Raises ValidationError keyed by
    ``custom.<code>``. With ``partial`` only the given codes are checked (others kept from ``existing``).
    ``definitions`` (from ``definitions_for(entity)``) lets a batch load them once."""
    result = dict(existing or {})
    errors: dict[str, list[str]] = {}
    known = {d.code: d for d in (definitions if definitions is not None else definitions_for(entity))}
    for code in values:
        if code not in known:
            errors[f"custom.{code}"] = [_("Unknown user-defined field “%(code)s”.") % {"code": code}]
    for code, definition in known.items():
        if code not in values:
            if partial or code in result:
                continue
            if definition.default not in (None, ""):
                result[code] = definition.default
            elif definition.required:
                errors[f"custom.{code}"] = [_("“%(label)s” is required.") % {"label": definition.display_label}]
            continue
        try:
            cleaned = clean_value(definition, values[code], date_order=date_order)
        except (ValueError, TypeError) as exc:
            errors[f"custom.{code}"] = [str(exc)]
            continue
        if cleaned is None and definition.required:
            errors[f"custom.{code}"] = [_("“%(label)s” is required.") % {"label": definition.display_label}]
            continue
        if cleaned is None:
            result.pop(code, None)
        else:
            result[code] = cleaned
    if errors:
        raise ValidationError(errors)
    return result


def form_fields(entity: str, *, initial: dict | None = None) -> dict[str, forms.Field]:
    """Form fields named ``custom__<code>`` for a model form."""
    fields = {}
    for d in definitions_for(entity):
        kw = {"label": d.display_label, "required": d.required, "help_text": d.help_text}
        field = TYPES[d.field_type].form_field(d, **kw)
        value = (initial or {}).get(d.code, d.default)
        if value not in (None, ""):
            field.initial = value
        fields[f"custom__{d.code}"] = field
    return fields


def serializer_fields(entity: str) -> dict[str, serializers.Field]:
    fields = {}
    for d in definitions_for(entity):
        fields[d.code] = TYPES[d.field_type].serializer_field(d, required=False, allow_null=True, help_text=d.help_text or None)
    return fields


def filter_queryset(qs, entity: str, params: dict[str, str], prefix: str = "custom__"):
    """Apply list filters ``custom__<code>=value`` (and ``__from``/``__to`` for numbers and dates)."""
    known = {d.code: d for d in definitions_for(entity)}
    for key, raw in params.items():
        if not key.startswith(prefix) or raw in (None, ""):
            continue
        code, _sep, suffix = key[len(prefix):].partition("__")
        definition = known.get(code)
        if definition is None:
            continue
        spec = TYPES[definition.field_type]
        if suffix in {"from", "to"} and definition.field_type in (FieldType.DATE, FieldType.DATETIME):
            qs = qs.filter(**{f"custom__{code}__{'gte' if suffix == 'from' else 'lte'}": str(raw)})
            continue
        if definition.field_type == FieldType.BOOLEAN:
            try:
                qs = qs.filter(**{f"custom__{code}": parse_bool(raw)})
            except ValueError:
                continue
            continue
        if definition.field_type == FieldType.MULTI_CHOICE:
            # JSON containment differs across databases; match the quoted value inside the stored list.
            qs = qs.filter(**{f"custom__{code}__icontains": f'"{raw}"'})
            continue
        if definition.field_type == FieldType.USER:
            qs = qs.filter(**{f"custom__{code}": int(raw)}) if str(raw).isdigit() else qs
            continue
        qs = qs.filter(**{f"custom__{code}__{spec.lookup}": str(raw)})
    return qs


def display_value(definition: FieldDefinition, value: Any) -> str:
    """Human text for a stored value (detail pages, list columns, exports)."""
    if value in (None, "", []):
        return ""
    t = definition.field_type
    if t == FieldType.CHOICE:
        return definition.option_label(value)
    if t == FieldType.MULTI_CHOICE:
        return "、".join(definition.option_label(v) for v in value)
    if t == FieldType.BOOLEAN:
        return _("Yes") if value else _("No")
    if t == FieldType.USER:
        from forpcrm.org.models import User

        user = User.objects.filter(pk=value).first()
        return str(user) if user else str(value)
    if t == FieldType.PHONE:
        return phone_display(value)
    if t == FieldType.DATETIME:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    return str(value)
