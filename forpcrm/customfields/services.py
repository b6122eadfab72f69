"""Writes of user-defined field definitions and picklist values."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from forpcrm.core.errors import PermissionDeniedError
from forpcrm.core.services import assign_fields
from forpcrm.org.access import has_perm
from forpcrm.org.models import Action, Module, User

from .models import Entity, FieldDefinition, FieldType, PicklistKind, PicklistOption
from .registry import clean_value

CHOICE_TYPES = {FieldType.CHOICE, FieldType.MULTI_CHOICE}
CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
DEFINITION_FIELDS = ("label", "label_en", "field_type", "required", "default", "help_text", "options", "sort_order",
                     "show_in_list", "is_searchable", "is_active")


# Called with the entity when one of its fields starts or stops being searched (apps above customfields, e.g.
# customers, register here in AppConfig.ready to recompute their records' stored search text).
_SEARCHABLE_CHANGED_HOOKS: list[Callable[[str], Any]] = []


def searchable_changed_register(hook: Callable[[str], Any]) -> None:
    """Register ``hook(entity)``, run (inside the saving transaction) when a field of ``entity`` becomes
    searchable or stops being searchable (including activating or deactivating a searchable field)."""
    if hook not in _SEARCHABLE_CHANGED_HOOKS:
        _SEARCHABLE_CHANGED_HOOKS.append(hook)


def _searched(definition: FieldDefinition) -> bool:
    return bool(definition.is_searchable and definition.is_active)


def _require_configure(by: User) -> None:
    if not has_perm(by, Module.ADMINISTRATION, Action.CONFIGURE):
        raise PermissionDeniedError(_("Only administrators may change fields and lists."))


def _clean_options(options: Any) -> list[dict]:
    cleaned, seen, errors = [], set(), []
    for option in options or []:
        value = str(option.get("value", "")).strip()
        label = str(option.get("label", "")).strip() or value
        if not value:
            continue
        if value in seen:
            errors.append(_("The option value “%(value)s” appears twice.") % {"value": value})
            continue
        seen.add(value)
        cleaned.append({"value": value, "label": label, "label_en": str(option.get("label_en", "")).strip()})
    if errors:
        raise ValidationError({"options": errors})
    return cleaned


def _validate(definition: FieldDefinition) -> None:
    errors: dict[str, list[str]] = {}
    if definition.entity not in Entity.values:
        errors["entity"] = [_("Unknown entity.")]
    if not CODE_RE.match(definition.code or ""):
        errors["code"] = [_("The code is lower-case letters, digits and “_”, starting with a letter.")]
    elif FieldDefinition.objects.filter(entity=definition.entity, code=definition.code).exclude(
        pk=definition.pk
    ).exists():
        errors["code"] = [_("The code “%(code)s” is already used for this entity.") % {"code": definition.code}]
    if definition.field_type not in FieldType.values:
        errors["field_type"] = [_("Unknown field type.")]
    if not (definition.label or "").strip():
        errors["label"] = [_("A field needs a label.")]
    if definition.field_type in CHOICE_TYPES and not definition.options:
        errors["options"] = [_("A choice field needs at least one option.")]
    if not errors and definition.default not in (None, "", []):
        try:
            definition.default = clean_value(definition, definition.default)
        except (ValueError, TypeError) as exc:
            errors["default"] = [str(exc)]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def field_definition_create(*, by: User, entity: str, code: str, data: dict) -> FieldDefinition:
    """Define a new user-defined field. Codes are unique per entity and never change afterwards."""
    _require_configure(by)
    definition = FieldDefinition(entity=entity, code=(code or "").strip())
    assign_fields(definition, data, DEFINITION_FIELDS)
    definition.options = _clean_options(definition.options)
    _validate(definition)
    definition.save()
    return definition


@transaction.atomic
def field_definition_update(*, definition: FieldDefinition, by: User, data: dict) -> FieldDefinition:
    """Change a definition; the entity and code stay (stored values are keyed by the code)."""
    _require_configure(by)
    definition = FieldDefinition.objects.select_for_update().get(pk=definition.pk)
    was_searched = _searched(definition)
    assign_fields(definition, data, DEFINITION_FIELDS)
    definition.options = _clean_options(definition.options)
    _validate(definition)
    definition.save()
    if _searched(definition) != was_searched:
        for hook in _SEARCHABLE_CHANGED_HOOKS:
            hook(definition.entity)
    return definition


@transaction.atomic
def field_definition_deactivate(*, definition: FieldDefinition, by: User) -> FieldDefinition:
    """Hide the field everywhere; stored values stay so re-activating brings them back."""
    return field_definition_update(definition=definition, by=by, data={"is_active": False})


def _validate_option(option: PicklistOption) -> None:
    errors: dict[str, list[str]] = {}
    if option.kind not in PicklistKind.values:
        errors["kind"] = [_("Unknown list.")]
    if not (option.value or "").strip():
        errors["value"] = [_("A value is required.")]
    elif PicklistOption.objects.filter(kind=option.kind, value=option.value).exclude(pk=option.pk).exists():
        errors["value"] = [_("The value “%(value)s” is already in this list.") % {"value": option.value}]
    if errors:
        raise ValidationError(errors)


PICKLIST_FIELDS = ("label", "label_en", "sort_order", "is_active")


@transaction.atomic
def picklist_option_create(*, by: User, kind: str, value: str, data: dict) -> PicklistOption:
    _require_configure(by)
    option = PicklistOption(kind=kind, value=(value or "").strip())
    assign_fields(option, data, PICKLIST_FIELDS)
    option.label = (option.label or "").strip() or option.value
    _validate_option(option)
    option.save()
    return option


@transaction.atomic
def picklist_option_update(*, option: PicklistOption, by: User, data: dict) -> PicklistOption:
    """Relabel, reorder or (de)activate a value; the stored value itself stays."""
    _require_configure(by)
    option = PicklistOption.objects.select_for_update().get(pk=option.pk)
    assign_fields(option, data, PICKLIST_FIELDS)
    option.label = (option.label or "").strip() or option.value
    _validate_option(option)
    option.save()
    return option
