"""Placing imported sales-team rows in the organisation: departments, users, managers, roles.

Used by the imports app's "sales teams" definition (the imports app sits above org, so the
definition lives there and calls these functions).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from forpcrm.core.errors import ApplicationError

from .models import Department, Role, User
from .services import department_get_or_create_path, role_templates_install, user_create

SALES_ROOT = ("总部", "销售中心")


@dataclass
class PlacedUser:
    user: User
    created: bool
    changed: bool


def username_for(name: str) -> str:
    """'Mei-Mei Johns' → 'mei-mei.johns' (ASCII, lower case, dots between words)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9'-]+", ascii_name.lower())
    return ".".join(w.replace("'", "") for w in words)[:150] or "user"


def find_user_by_name(name: str) -> User | None:
    return (
        User.objects.filter(display_name=name).order_by("id").first()
        or User.objects.filter(username=username_for(name)).first()
    )


def _roles() -> dict[str, Role]:
    return role_templates_install()


@transaction.atomic
def team_department(*, office: str, root: tuple[str, ...] = SALES_ROOT) -> Department:
    return department_get_or_create_path(names=[*root, office])


@transaction.atomic
def team_user_place(*, name: str, role_code: str, department: Department, manager: User | None = None) -> PlacedUser:
    """Find the user by display name (or derived username) or create them; set department, manager, role.

    Created users get no usable password: an administrator sets one or they use the password reset.
    """
    name = name.strip()
    if not name:
        raise ApplicationError(_("A name is required."), code="name_required")
    role = _roles()[role_code]
    user = find_user_by_name(name)
    created = False
    changed = False
    if user is None:
        username = username_for(name)
        if User.objects.filter(username__iexact=username).exists():
            raise ApplicationError(_("The username “%(name)s” is taken by someone else.") % {"name": username})
        user = user_create(username=username, display_name=name, department=department, manager=manager,
                           roles=[role], password=None)
        return PlacedUser(user, True, True)
    updates = []
    if user.department_id != department.pk:
        user.department = department
        updates.append("department")
    if manager is not None and user.manager_id != manager.pk:
        if manager.pk == user.pk:
            raise ApplicationError(_("“%(name)s” cannot be their own manager.") % {"name": name})
        user.manager = manager
        updates.append("manager")
    if updates:
        user.save(update_fields=updates)
        changed = True
    if not user.roles.filter(pk=role.pk).exists():
        user.roles.add(role)
        changed = True
    return PlacedUser(user, created, changed)
