"""Writes of the administration area and the profile page: departments, users, roles.

Kept apart from services.py (the seeding services) so the pages' writes have one home."""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from forpcrm.core.errors import ApplicationError, PermissionDeniedError

from .access import has_perm
from .models import Action, DataScope, Department, Module, Role, RoleGrant, User
from .services import department_create, department_move, role_grant_set, user_create

LANGUAGES = {"", "zh-hans", "en"}


def _require_admin(by: User, action: str = Action.CONFIGURE) -> None:
    if not has_perm(by, Module.ADMINISTRATION, action):
        raise PermissionDeniedError(_("Only administrators may change the organisation."))


def profile_update(*, user: User, language: str | None = None, time_zone: str | None = None) -> User:
    """A user changes their own language and time zone."""
    fields = []
    if language is not None:
        if language not in LANGUAGES:
            raise ValidationError({"language": [_("Unknown language.")]})
        user.language = language
        fields.append("language")
    if time_zone is not None:
        try:
            zoneinfo.ZoneInfo(time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValidationError({"time_zone": [_("Unknown time zone.")]}) from exc
        user.time_zone = time_zone
        fields.append("time_zone")
    if fields:
        User.objects.filter(pk=user.pk).update(**{f: getattr(user, f) for f in fields})
    return user


@transaction.atomic
def department_add(*, by: User, name: str, parent: Department | None) -> Department:
    _require_admin(by)
    return department_create(name=name, parent=parent)


@transaction.atomic
def department_update(*, department: Department, by: User, name: str, parent: Department | None,
                      is_active: bool) -> Department:
    """Rename, move and (de)activate one department."""
    _require_admin(by)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("A department needs a name.")]})
    if not is_active and department.is_active and User.objects.filter(
            department__path__startswith=department.path, is_active=True).exists():
        raise ApplicationError(
            _("“%(name)s” still has active users; move them first.") % {"name": department.name},
            code="department_in_use",
        )
    if (parent.pk if parent else None) != department.parent_id:
        department = department_move(department=department, parent=parent)
    Department.objects.filter(pk=department.pk).update(name=name, is_active=is_active)
    department.refresh_from_db()
    return department


def _check_user_data(data: dict, *, instance: User | None) -> None:
    errors: dict[str, list[str]] = {}
    others = User.objects.exclude(pk=instance.pk) if instance else User.objects.all()
    email = (data.get("email") or "").strip()
    if email and others.filter(email__iexact=email).exists():
        errors["email"] = [_("The e-mail “%(email)s” is taken.") % {"email": email}]
    manager = data.get("manager")
    if instance and manager is not None:
        node, seen = manager, set()
        while node is not None and node.pk not in seen:
            if node.pk == instance.pk:
                errors["manager"] = [_("A user cannot report to themselves or to their own reports.")]
                break
            seen.add(node.pk)
            node = node.manager
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def user_add(*, by: User, data: dict, password: str) -> User:
    _require_admin(by)
    _check_user_data(data, instance=None)
    user = user_create(
        username=data["username"], password=password, email=data.get("email", ""),
        display_name=data.get("display_name", ""), department=data.get("department"),
        manager=data.get("manager"), roles=list(data.get("roles") or []), phone=data.get("phone", ""),
    )
    if data.get("is_active") is False:
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
    return user


USER_FIELDS = ("display_name", "email", "phone", "department", "manager", "is_active")


@transaction.atomic
def user_update(*, user: User, by: User, data: dict) -> User:
    _require_admin(by)
    _check_user_data(data, instance=user)
    if user.pk == by.pk and data.get("is_active") is False:
        raise ApplicationError(_("You cannot deactivate yourself."), code="self_deactivate")
    for field in USER_FIELDS:
        if field in data:
            setattr(user, field, data[field])
    user.full_clean(exclude=["password"])
    user.save()
    if "roles" in data:
        user.roles.set(list(data["roles"]))
    return user


@transaction.atomic
def user_password_set(*, user: User, by: User, password: str) -> User:
    _require_admin(by)
    if len(password or "") < 8:
        raise ValidationError({"password": [_("The password needs at least 8 characters.")]})
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


@transaction.atomic
def role_update(*, role: Role, by: User, name: str, name_en: str, description: str,
                max_owned_customers: int | None, grants: dict[str, tuple[list[str], int]]) -> Role:
    """Rename a role and set its grants: module -> (actions, scope). Modules left out lose every grant."""
    _require_admin(by)
    if not (name or "").strip():
        raise ValidationError({"name": [_("A role needs a name.")]})
    role.name, role.name_en, role.description = name.strip(), name_en.strip(), description
    role.max_owned_customers = max_owned_customers
    role.full_clean()
    role.save()
    for module in Module.values:
        actions, scope = grants.get(module, ([], DataScope.OWN))
        if scope not in DataScope.values:
            raise ValidationError({f"scope_{module}": [_("Unknown data scope.")]})
        if actions:
            role_grant_set(role=role, module=module, actions=actions, scope=scope)
        else:
            RoleGrant.objects.filter(role=role, module=module).delete()
    return role


@transaction.atomic
def role_add(*, by: User, code: str, name: str) -> Role:
    _require_admin(by)
    if Role.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("The code “%(code)s” is taken.") % {"code": code}]})
    role = Role(code=code, name=name)
    role.full_clean()
    role.save()
    return role
