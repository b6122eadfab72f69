"""Pages of the sales app: opportunity list, kanban per pipeline, detail, create / edit, overview."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from forpcrm.core.htmx import SERVICE_ERRORS, note_filter_problems, render_page, report_error
from forpcrm.core.parsing import safe_filter_id
from forpcrm.customfields.models import Entity, FieldType
from forpcrm.customfields.registry import definitions_for, display_value
from forpcrm.org.access import (
    departments_in_scope,
    get_visible_or_404,
    has_perm,
    require_page_perm,
    scope_for,
)
from forpcrm.org.models import Action, Department, Module, User

from . import exports, selectors, services
from .forms import BulkForm, LostForm, OpportunityForm, may_transfer, owner_choices
from .models import Opportunity, OpportunityStatus, Pipeline, Stage

PAGE_SIZE = 25
OPP = Module.OPPORTUNITIES


def _pipelines(*, with_stages: bool = False):
    qs = Pipeline.objects.filter(is_active=True).order_by("-is_default", "sort_order", "id")
    return list(qs.prefetch_related("stages") if with_stages else qs)


def _custom_columns(params) -> tuple[list, list]:
    """User-defined fields of opportunities, and those shown as list columns: the ``cols`` chosen
    (``custom__<code>`` names, comma-separated), else those marked "shown in list"."""
    definitions = definitions_for(Entity.OPPORTUNITY)
    chosen = {c for c in (params.get("cols") or "").split(",") if c}
    if chosen:
        return definitions, [d for d in definitions if f"custom__{d.code}" in chosen]
    return definitions, [d for d in definitions if d.show_in_list]


def custom_display_rows(definitions, records) -> dict[int, list[str]]:
    """record id → display text of each definition's value; user fields resolved in one query."""
    user_ids = {(r.custom or {}).get(d.code) for r in records for d in definitions if d.field_type == FieldType.USER}
    user_ids = {v for v in user_ids if isinstance(v, int)}
    users = {u.pk: str(u) for u in User.objects.filter(pk__in=sorted(user_ids))} if user_ids else {}
    rows = {}
    for record in records:
        values = record.custom or {}
        rows[record.pk] = [users.get(values.get(d.code), "") if d.field_type == FieldType.USER
                           else display_value(d, values.get(d.code)) for d in definitions]
    return rows


@login_required
def opportunity_list(request):
    """GET: the list. POST: the bulk action on the selected rows (see ``opportunity_bulk``)."""
    if request.method == "POST":
        return opportunity_bulk(request)
    require_page_perm(request.user, OPP, Action.VIEW)
    note_filter_problems(request, dates=("close_from", "close_to"),
                         ids=("pipeline", "stage", "owner", "customer", "department"))
    qs = selectors.opportunity_list(user=request.user, params=request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    opportunities = list(page.object_list)
    definitions, columns = _custom_columns(request.GET)
    cells = custom_display_rows(columns, opportunities) if columns else {}
    for opportunity in opportunities:
        opportunity.custom_cells = cells.get(opportunity.pk, [])
    pipelines = _pipelines(with_stages=True)
    may_edit = has_perm(request.user, OPP, Action.EDIT)
    context = {
        "page_obj": page, "opportunities": opportunities, "pipelines": pipelines,
        "statuses": OpportunityStatus.choices, "params": request.GET, "nav_active": "opportunities",
        "can_create": has_perm(request.user, OPP, Action.CREATE), "can_bulk": may_edit,
        "custom_definitions": definitions, "custom_columns": columns,
        "custom_filters": [d for d in definitions if d.field_type in FILTERABLE_TYPES],
        "chosen_cols": [f"custom__{d.code}" for d in columns],
        "bulk_stages": [s for p in pipelines for s in p.stages.all()] if may_edit else [],
        "bulk_owners": (list(owner_choices(request.user)) if may_edit and may_transfer(request.user) else []),
    }
    return render_page(request, "sales/opportunity_list.html", context, fragment="sales/_opportunity_table.html")


FILTERABLE_TYPES = {FieldType.TEXT, FieldType.CHOICE, FieldType.MULTI_CHOICE, FieldType.BOOLEAN, FieldType.EMAIL,
                    FieldType.PHONE, FieldType.URL, FieldType.LONG_TEXT}


def opportunity_bulk(request):
    """Bulk action on the selected rows of the list: each row goes through the services, with the same
    scope and stage rules as one by one; the summary names the refused rows and why."""
    require_page_perm(request.user, OPP, Action.EDIT)
    form = BulkForm(request.POST)
    back = request.POST.get("next") or ""
    target = back if back.startswith("/opportunities/") else reverse("sales:opportunity_list")
    if not form.is_valid():
        for field, errors in form.errors.items():  # "Stage: This field is required." names the field
            label = capfirst(str(form.fields[field].label)) if field in form.fields else ""
            text = " ".join(str(e) for e in errors)
            messages.error(request, _("%(field)s: %(errors)s") % {"field": label, "errors": text} if label else text)
        return redirect(target)
    data = form.cleaned_data
    ids = data["ids"]
    try:
        if data["action"] == "stage":
            result = services.opportunities_bulk_stage(opportunity_ids=ids, stage=data["stage"], by=request.user,
                                                       reason=data.get("reason") or "")
        elif data["action"] == "owner":
            result = services.opportunities_bulk_owner(opportunity_ids=ids, owner=data["owner"], by=request.user)
        else:
            result = services.opportunities_bulk_tags_add(opportunity_ids=ids, tags=data["tag_list"], by=request.user)
    except SERVICE_ERRORS as exc:
        report_error(request, exc)
        return redirect(target)
    if result.done:
        messages.success(request, ngettext("%(n)d opportunity changed.", "%(n)d opportunities changed.",
                                           len(result.done)) % {"n": len(result.done)})
    if result.failed:
        names = dict(Opportunity.objects.visible_to(request.user).filter(pk__in=list(result.failed))
                     .values_list("pk", "name"))
        refused = "; ".join(f"{names.get(pk, f'#{pk}')}: {reason}" for pk, reason in result.failed.items())
        messages.warning(request, ngettext("%(n)d opportunity refused — %(rows)s",
                                           "%(n)d opportunities refused — %(rows)s", len(result.failed))
                         % {"n": len(result.failed), "rows": refused})
    return redirect(target)


def _board_context(request, pipeline: Pipeline, params) -> dict:
    return {"pipeline": pipeline, "pipelines": _pipelines(), "params": params, "nav_active": "kanban",
            "columns": selectors.kanban_board(user=request.user, pipeline=pipeline, params=params)}


@login_required
def kanban(request, pipeline_pk: int | None = None):
    require_page_perm(request.user, OPP, Action.VIEW)
    pipelines = _pipelines()
    if pipeline_pk is not None:
        pipeline = next((p for p in pipelines if p.pk == pipeline_pk), None)
        if pipeline is None:
            raise Http404(_("Not found."))
    elif pipelines:
        pipeline = pipelines[0]
    else:
        return render_page(request, "sales/kanban.html", {"pipeline": None, "pipelines": [], "columns": []})
    return render_page(request, "sales/kanban.html", _board_context(request, pipeline, request.GET),
                       fragment="sales/_kanban_board.html")


@login_required
@require_POST
def kanban_move(request, pk: int):
    """Drag and drop or the card's "Move to…" control: move the card, then answer the board again (a
    refused move shows why)."""
    opportunity = get_visible_or_404(Opportunity.objects.select_related("pipeline"), request.user, pk)
    stage_id = safe_filter_id(request.POST.get("stage"))
    stage = Stage.objects.filter(pk=stage_id, pipeline_id=opportunity.pipeline_id).first() if stage_id else None
    error = ""
    if stage is None:
        error = _("Choose a stage of the opportunity's pipeline.")
    else:
        try:
            services.opportunity_stage_move(opportunity=opportunity, stage=stage, by=request.user,
                                            reason=request.POST.get("reason") or None)
        except SERVICE_ERRORS as exc:
            error = exc.message if hasattr(exc, "message") else " ".join(exc.messages)
    context = _board_context(request, opportunity.pipeline, request.POST)
    context["move_error"] = error
    return render_page(request, "sales/_kanban_board.html", context, status=200)


@login_required
def opportunity_detail(request, pk: int):
    require_page_perm(request.user, OPP, Action.VIEW)
    opportunity = get_visible_or_404(
        Opportunity.objects.select_related("customer", "contact", "stage", "pipeline", "owner", "department"),
        request.user, pk)
    editable = Opportunity.objects.editable_by(request.user).filter(pk=pk).exists()
    lines = []
    if hasattr(opportunity, "lines"):
        lines = list(opportunity.lines.select_related("product"))
    definitions = definitions_for(Entity.OPPORTUNITY)
    custom_rows = list(zip([d.display_label for d in definitions],
                           custom_display_rows(definitions, [opportunity])[opportunity.pk], strict=True))
    return render_page(request, "sales/opportunity_detail.html", {
        "opportunity": opportunity, "editable": editable, "lines": lines, "nav_active": "opportunities",
        "custom_rows": custom_rows,
        "history": list(selectors.stage_history(opportunity=opportunity)), "lost_form": LostForm(),
        "stages": list(opportunity.pipeline.stages.order_by("sort_order", "id")),
    })


@login_required
def opportunity_create(request):
    require_page_perm(request.user, OPP, Action.CREATE)
    form = OpportunityForm(request.POST or None, user=request.user,
                           initial={"customer": request.GET.get("customer"), "currency": "CNY"})
    if request.method == "POST" and form.is_valid():
        try:
            opportunity = services.opportunity_create(by=request.user, data=form.service_data())
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Opportunity “%(name)s” created.") % {"name": opportunity.name})
            return redirect("sales:opportunity_detail", pk=opportunity.pk)
    return render_page(request, "sales/opportunity_form.html", {"form": form, "opportunity": None,
                                                                "nav_active": "opportunities"})


@login_required
def opportunity_edit(request, pk: int):
    require_page_perm(request.user, OPP, Action.EDIT)
    opportunity = get_visible_or_404(Opportunity.objects.select_related("stage"), request.user, pk)
    form = OpportunityForm(request.POST or None, user=request.user, instance=opportunity)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        data.pop("pipeline", None)
        if data["stage"].pk == opportunity.stage_id:
            data.pop("stage")
        if data.get("probability") is None and not opportunity.probability_overridden:
            data.pop("probability", None)
        try:
            services.opportunity_update(opportunity=opportunity, by=request.user, data=data,
                                        expected_version=safe_filter_id(request.POST.get("version")) or opportunity.version)
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Saved."))
            return redirect("sales:opportunity_detail", pk=pk)
    return render_page(request, "sales/opportunity_form.html", {"form": form, "opportunity": opportunity,
                                                                "nav_active": "opportunities"})


@login_required
@require_POST
def opportunity_close(request, pk: int, outcome: str):
    opportunity = get_visible_or_404(Opportunity.objects.select_related("pipeline"), request.user, pk)
    try:
        if outcome == "won":
            services.opportunity_won(opportunity=opportunity, by=request.user, reason=request.POST.get("reason", ""))
        else:
            services.opportunity_lost(opportunity=opportunity, by=request.user, reason=request.POST.get("reason", ""))
    except SERVICE_ERRORS as exc:
        report_error(request, exc, model=Opportunity)
    return redirect("sales:opportunity_detail", pk=pk)


def _overview_departments(user: User):
    """The departments the overview offers: those the user's opportunities scope covers ("mine" is always
    offered by the page)."""
    scope = scope_for(user, OPP)
    if scope is None:
        return Department.objects.none()
    covered = departments_in_scope(user, scope)
    departments = Department.objects.filter(is_active=True).order_by("path", "id")
    return departments if covered is None else departments.filter(pk__in=sorted(covered))


def _overview_context(request) -> dict:
    note_filter_problems(request, dates=("date_from", "date_to"), ids=("user", "department", "pipeline"))
    data = selectors.sales_overview(user=request.user, params=request.GET)
    visible_owner_ids = Opportunity.objects.visible_to(request.user).order_by().values("owner_id")
    return {
        "o": data, "params": request.GET, "pipelines": _pipelines(), "nav_active": "overview",
        "users": User.objects.filter(pk__in=visible_owner_ids).order_by("display_name", "username"),
        "departments": _overview_departments(request.user),
        "chart": exports.chart_data(data),
    }


@login_required
def overview(request):
    require_page_perm(request.user, OPP, Action.VIEW)
    if request.GET.get("format") == "xlsx":
        require_page_perm(request.user, OPP, Action.EXPORT)
        data = selectors.sales_overview(user=request.user, params=request.GET)
        response = HttpResponse(exports.overview_xlsx(data),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = 'attachment; filename="sales-overview.xlsx"'
        return response
    return render_page(request, "sales/overview.html", _overview_context(request))
