"""Import definition for sales teams: one row per agent with their manager and regional office.

Each office becomes a department under 总部 › 销售中心; agents become sales representatives whose
direct manager is the row's manager; managers become sales managers in the same office.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from forpcrm.org import importers as org_importers
from forpcrm.org.models import Module

from .engine import EntityDefinition, ImportResult, Match, register
from .fields import FieldSpec, ImportContext


class SalesTeamDefinition(EntityDefinition):
    name = "sales_teams"
    label = gettext_lazy("Sales teams (users and departments)")
    module = Module.ADMINISTRATION
    match_fields = [("name", gettext_lazy("name"))]
    default_match_on = ["name"]
    order = 90

    def fields(self, ctx: ImportContext) -> list[FieldSpec]:
        return [
            FieldSpec("sales_agent", gettext_lazy("sales representative"), required=True, max_length=100,
                      aliases=("agent", "name", "姓名", "销售代表", "销售", "业务员")),
            FieldSpec("manager", gettext_lazy("manager"), max_length=100, aliases=("直属上级", "经理", "销售经理")),
            FieldSpec("regional_office", gettext_lazy("regional office"), required=True, max_length=100,
                      aliases=("office", "region", "部门", "大区", "区域")),
        ]

    def begin(self, ctx: ImportContext) -> None:
        ctx.cache["managers_seen"] = set()
        ctx.cache["managers_created"] = 0
        ctx.cache["departments"] = {}

    def _root(self, ctx: ImportContext) -> tuple[str, ...]:
        root = ctx.options.get("department_root")
        return tuple(root) if root else org_importers.SALES_ROOT

    def _department(self, office: str, ctx: ImportContext):
        # Not cached across rows: a failed row's savepoint may roll a new department back.
        ctx.cache.setdefault("departments", {})[office] = True
        return org_importers.team_department(office=office, root=self._root(ctx))

    def find(self, values: dict[str, Any], ctx: ImportContext) -> Match | None:
        user = org_importers.find_user_by_name(values["sales_agent"])
        return Match(user, str(user)) if user else None

    def _manager(self, values: dict[str, Any], department, ctx: ImportContext):
        name = values.get("manager")
        if not name:
            return None
        if name == values["sales_agent"]:
            raise ValueError(_("“%(name)s” cannot be their own manager.") % {"name": name})
        placed = org_importers.team_user_place(name=name, role_code="sales_manager", department=department)
        if placed.created:
            ctx.cache["managers_created"] = ctx.cache.get("managers_created", 0) + 1
        ctx.cache.setdefault("managers_seen", set()).add(placed.user.pk)
        return placed.user

    def create(self, values: dict[str, Any], ctx: ImportContext) -> Any:
        department = self._department(values["regional_office"], ctx)
        manager = self._manager(values, department, ctx)
        placed = org_importers.team_user_place(name=values["sales_agent"], role_code="sales_rep",
                                               department=department, manager=manager)
        return placed.user

    def update(self, match: Match, values: dict[str, Any], ctx: ImportContext) -> bool:
        department = self._department(values["regional_office"], ctx)
        manager = self._manager(values, department, ctx)
        placed = org_importers.team_user_place(name=values["sales_agent"], role_code="sales_rep",
                                               department=department, manager=manager)
        return placed.changed

    def finish(self, ctx: ImportContext, result: ImportResult) -> None:
        seen = len(ctx.cache.get("managers_seen", ()))
        if seen:
            ctx.notes.append(
                _("%(seen)d managers placed as sales managers (%(created)d new).")
                % {"seen": seen, "created": ctx.cache.get("managers_created", 0)}
            )
        offices = sorted(ctx.cache.get("departments", {}))
        if offices:
            ctx.notes.append(_("Departments: %(names)s.") % {"names": ", ".join(
                " › ".join([*self._root(ctx), office]) for office in offices)})


register(SalesTeamDefinition())
