"""Writes of the document categories (administration settings).

A category's code is what stage requirements and imports refer to, so it is fixed once created;
a category that is no longer wanted is deactivated (its documents keep it)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from forpcrm.core.errors import PermissionDeniedError
from forpcrm.documents.models import DocumentCategory
from forpcrm.org.access import has_perm
from forpcrm.org.models import Action, Module, User

CATEGORY_FIELDS = ("code", "name", "name_en", "sort_order", "is_active")


def may_configure_categories(user: User) -> bool:
    """Whether ``user`` may edit the document categories (administration "configure")."""
    return has_perm(user, Module.ADMINISTRATION, Action.CONFIGURE)


def _require(by: User) -> None:
    if not may_configure_categories(by):
        raise PermissionDeniedError(_("Only administrators may configure document categories."))


def _apply(category: DocumentCategory, data: dict[str, Any], *, creating: bool) -> None:
    unknown = set(data) - set(CATEGORY_FIELDS)
    if unknown:
        raise ValidationError({"__all__": [_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))}]})
    errors: dict[str, list[str]] = {}
    if "code" in data:
        code = str(data["code"] or "").strip().lower()
        if creating:
            category.code = code
        elif code != category.code:
            errors["code"] = [_("The code of a document category cannot change; stage rules and imports use it.")]
    if creating:
        if not category.code:
            errors["code"] = [_("A document category needs a code.")]
        elif DocumentCategory.objects.filter(code__iexact=category.code).exists():
            errors["code"] = [_("A document category with the code “%(code)s” exists.") % {"code": category.code}]
    for key in ("name", "name_en"):
        if key in data:
            setattr(category, key, str(data[key] or "").strip())
    if not category.name:
        errors["name"] = [_("A document category needs a name.")]
    if data.get("sort_order") not in (None, ""):
        try:
            category.sort_order = int(data["sort_order"])
        except (TypeError, ValueError):
            errors["sort_order"] = [_("Enter a whole number.")]
    if "is_active" in data:
        category.is_active = bool(data["is_active"])
    if errors:
        raise ValidationError(errors)
    category.full_clean()


@transaction.atomic
def category_create(*, by: User, data: dict[str, Any]) -> DocumentCategory:
    """Add a document category. data: code (a slug), name (Chinese), name_en, sort_order, is_active."""
    _require(by)
    category = DocumentCategory(is_active=True)
    _apply(category, data, creating=True)
    category.save()
    return category


@transaction.atomic
def category_update(*, category: DocumentCategory, by: User, data: dict[str, Any]) -> DocumentCategory:
    """Change the names, order or active mark of a category (the code stays)."""
    _require(by)
    current = DocumentCategory.objects.select_for_update().get(pk=category.pk)
    _apply(current, data, creating=False)
    current.save()
    return current


@transaction.atomic
def category_deactivate(*, category: DocumentCategory, by: User) -> DocumentCategory:
    """No longer offer the category for new documents; existing documents keep it."""
    return category_update(category=category, by=by, data={"is_active": False})
