"""The only door to records: data scopes and action permissions, written once.

Every channel (pages, API, search, export, reports, pickers, attachments) reads through
``Model.objects.visible_to(user)`` / ``editable_by(user)`` or ``get_visible_or_404``. A record the
user may not see answers 404, exactly as a missing one does.

Grants and the user's subordinate set and department subtree are resolved once per user object
(i.e. once per request) and cached on it, so scope filters are plain ``IN`` lists that use indexes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from forpcrm.core.errors import PermissionDeniedError

from .models import Action, DataScope, Department, Module, RoleGrant, User

_SCOPE_NAMES = {
    "own": DataScope.OWN,
    "own_and_subordinates": DataScope.OWN_AND_SUBORDINATES,
    "subordinates": DataScope.OWN_AND_SUBORDINATES,
    "department": DataScope.DEPARTMENT,
    "own_department": DataScope.DEPARTMENT,
    "department_tree": DataScope.DEPARTMENT_TREE,
    "all": DataScope.ALL,
}


def normalise_scope(value: Any) -> DataScope:
    """Accept a stored scope of any type (int, "30", "department", DataScope) and return the enum.

    The same grant gives the same answer whatever type the value was stored with (case C07).
    Unknown values fall back to the narrowest scope.
    """
    if isinstance(value, DataScope):
        return value
    if isinstance(value, bool) or value is None:
        return DataScope.OWN
    if isinstance(value, int | float):
        try:
            return DataScope(int(value))
        except ValueError:
            return DataScope.OWN
    text = str(value).strip().lower()
    if text.lstrip("-").isdigit():
        return normalise_scope(int(text))
    text = text.replace("+", "_and_").replace("&", "_and_").replace(" ", "_").replace("-", "_")
    text = "_".join(part for part in text.split("_") if part)
    return _SCOPE_NAMES.get(text, DataScope.OWN)


@dataclass
class Grant:
    actions: set[str] = field(default_factory=set)
    scope: DataScope = DataScope.OWN


def grants_for(user: User) -> dict[str, Grant]:
    """Module -> combined grant over all the user's roles; the widest grant wins."""
    cached = getattr(user, "_forp_grants", None)
    if cached is not None:
        return cached
    result: dict[str, Grant] = {}
    if user.is_authenticated and user.is_active:
        if user.is_superuser:
            result = {m: Grant(set(Action.values), DataScope.ALL) for m in Module.values}
        else:
            for grant in RoleGrant.objects.filter(role__users=user).only("module", "actions", "scope"):
                current = result.setdefault(grant.module, Grant(set(), DataScope.OWN))
                current.actions.update(str(a) for a in (grant.actions or []))
                current.scope = max(current.scope, normalise_scope(grant.scope))
    user._forp_grants = result  # type: ignore[attr-defined]
    return result


def has_perm(user: User, module: str, action: str) -> bool:
    grant = grants_for(user).get(module)
    return grant is not None and action in grant.actions


def require_perm(user: User, module: str, action: str) -> None:
    if not has_perm(user, module, action):
        raise PermissionDeniedError(
            _("You do not have the “%(action)s” permission on %(module)s.")
            % {"action": Action(action).label if action in Action.values else action,
               "module": Module(module).label if module in Module.values else module}
        )


def require_page_perm(user: User, module: str, action: str) -> None:
    """Module permission for a page: without it the user sees 403. Records outside the scope answer 404."""
    if not has_perm(user, module, action):
        raise PermissionDenied(_("You do not have permission for this page."))


def scope_for(user: User, module: str) -> DataScope | None:
    """The user's data scope for viewing records of the module, or None without view permission."""
    grant = grants_for(user).get(module)
    if grant is None or Action.VIEW not in grant.actions:
        return None
    return grant.scope


def subordinate_ids(user: User) -> set[int]:
    """Everyone below the user in the manager chain (not the user), resolved level by level once."""
    cached = getattr(user, "_forp_subordinates", None)
    if cached is not None:
        return cached
    found: set[int] = set()
    frontier = {user.pk}
    while frontier:
        below = set(User.objects.filter(manager_id__in=frontier).values_list("id", flat=True)) - found - {user.pk}
        found |= below
        frontier = below
    user._forp_subordinates = found  # type: ignore[attr-defined]
    return found


def department_subtree_ids(user: User) -> set[int]:
    cached = getattr(user, "_forp_subtree", None)
    if cached is not None:
        return cached
    ids: set[int] = set()
    if user.department_id:
        path = Department.objects.filter(pk=user.department_id).values_list("path", flat=True).first() or ""
        ids = set(Department.objects.filter(path__startswith=path).values_list("id", flat=True)) if path else {
            user.department_id
        }
    user._forp_subtree = ids  # type: ignore[attr-defined]
    return ids


def departments_in_scope(user: User, scope: DataScope) -> set[int] | None:
    """Department ids the scope covers by department (None = all departments)."""
    if scope == DataScope.ALL:
        return None
    if scope == DataScope.DEPARTMENT_TREE:
        return department_subtree_ids(user)
    if scope == DataScope.DEPARTMENT:
        return {user.department_id} if user.department_id else set()
    return set()


@dataclass(frozen=True)
class OwnedAccess:
    """How an owned model relates to users: owner, department, team members, optional public pool."""

    module: str
    owner_field: str = "owner"
    department_field: str = "department"
    team_relation: str | None = None  # reverse name of a team table with user, can_edit, expires_at
    pool_module: str | None = None  # records without an owner belong to this module's pool


@dataclass(frozen=True)
class ChildAccess:
    """A record visible through its parent (contacts through their customer)."""

    module: str
    parent_field: str


def _team_q(model: type[models.Model], policy: OwnedAccess, user: User, *, need_edit: bool) -> Q:
    if not policy.team_relation:
        return Q(pk__in=[])
    relation = model._meta.get_field(policy.team_relation)
    team_model = relation.related_model
    link = relation.field.name  # FK on the team table pointing at the record
    now = timezone.now()
    rows = team_model.objects.filter(**{link: OuterRef("pk")}, user=user).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )
    if need_edit:
        rows = rows.filter(can_edit=True)
    return Q(Exists(rows))


def _scope_q(model, policy: OwnedAccess, user: User, scope: DataScope, *, need_edit: bool) -> Q:
    if scope == DataScope.ALL:
        return Q()
    owner = policy.owner_field
    q = Q(**{f"{owner}_id": user.pk}) | _team_q(model, policy, user, need_edit=need_edit)
    if scope == DataScope.OWN_AND_SUBORDINATES:
        subs = subordinate_ids(user)
        if subs:
            q |= Q(**{f"{owner}_id__in": sorted(subs)})
    departments = departments_in_scope(user, scope)
    if departments:
        q |= Q(**{f"{policy.department_field}_id__in": sorted(departments)})
    return q


def _pool_q(policy: OwnedAccess, user: User) -> Q | None:
    if not policy.pool_module:
        return None
    pool_scope = scope_for(user, policy.pool_module)
    if pool_scope is None:
        return None
    unowned = Q(**{f"{policy.owner_field}__isnull": True})
    if pool_scope == DataScope.ALL:
        return unowned
    departments = departments_in_scope(user, pool_scope) or set()
    if pool_scope < DataScope.DEPARTMENT and user.department_id:
        departments = {user.department_id}
    dept = policy.department_field
    return unowned & (Q(**{f"{dept}__isnull": True}) | Q(**{f"{dept}_id__in": sorted(departments)}))


def visible_q(model, user: User) -> Q | None:
    """Q of the model's records the user may see; None means nothing."""
    policy = model.access
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if isinstance(policy, ChildAccess):
        if scope_for(user, policy.module) is None:
            return None
        parent_model = model._meta.get_field(policy.parent_field).related_model
        parent_q = visible_q(parent_model, user)
        if parent_q is None:
            return None
        return Q(**{f"{policy.parent_field}__in": parent_model.objects.filter(parent_q).values("pk")})
    scope = scope_for(user, policy.module)
    pool = _pool_q(policy, user)
    if scope is None:
        return pool
    q = _scope_q(model, policy, user, scope, need_edit=False)
    if pool is not None and scope != DataScope.ALL:
        q |= pool
    return q


def editable_q(model, user: User) -> Q | None:
    policy = model.access
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if isinstance(policy, ChildAccess):
        if not has_perm(user, policy.module, Action.EDIT):
            return None
        parent_model = model._meta.get_field(policy.parent_field).related_model
        parent_q = editable_q(parent_model, user)
        if parent_q is None:
            return None
        return Q(**{f"{policy.parent_field}__in": parent_model.objects.filter(parent_q).values("pk")})
    scope = scope_for(user, policy.module)
    if scope is None or not has_perm(user, policy.module, Action.EDIT):
        return None
    return _scope_q(model, policy, user, scope, need_edit=True)


class ScopedQuerySet(models.QuerySet):
    """Querysets of owned models: ``visible_to(user)`` and ``editable_by(user)``."""

    def visible_to(self, user: User):
        q = visible_q(self.model, user)
        return self.none() if q is None else self.filter(q)

    def editable_by(self, user: User):
        q = editable_q(self.model, user)
        return self.none() if q is None else self.filter(q)


def get_visible_or_404(model_or_qs, user: User, pk: Any):
    """The one way to fetch a record by id: missing and not-yours answer the same 404."""
    qs = model_or_qs if isinstance(model_or_qs, models.QuerySet) else model_or_qs.objects.all()
    try:
        return qs.visible_to(user).get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("Not found.")) from exc


def get_editable_or_404(model_or_qs, user: User, pk: Any):
    """Fetch for writing: invisible → 404; visible but not editable → PermissionDeniedError."""
    record = get_visible_or_404(model_or_qs, user, pk)
    qs = model_or_qs if isinstance(model_or_qs, models.QuerySet) else model_or_qs.objects.all()
    if not qs.editable_by(user).filter(pk=record.pk).exists():
        raise PermissionDeniedError(_("You may view this record but not change it."))
    return record
