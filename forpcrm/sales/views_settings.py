"""Settings pages of the sales stage: pipelines and their stages, follow-up kinds, document categories.

They sit in the administration area (``org/settings/base.html``). Viewing needs administration "view"
or the module's own "configure" right; saving needs administration "configure" or that right (the
services check it again)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from forpcrm.core.htmx import SERVICE_ERRORS, post_action, render_page, report_error
from forpcrm.documents.models import DocumentCategory
from forpcrm.documents.services import categories as category_services
from forpcrm.org.access import has_perm, require_page_perm
from forpcrm.org.models import Action, Module
from forpcrm.org.views import settings_context

from . import services
from .activity import services as activity_services
from .activity.models import FollowUpKind, FollowUpKindOption
from .forms_settings import (
    DocumentCategoryForm,
    FollowUpKindForm,
    PipelineForm,
    StageAddForm,
    StageFormSet,
)
from .models import Opportunity, OpportunityStatus, Pipeline, Stage


def config_page(own_right: Callable | None):
    """GET needs administration "view" or ``own_right(user)``; POST needs administration "configure" or
    ``own_right(user)``. Without them: 403, as on the other settings pages."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            own = own_right is not None and own_right(request.user)
            if not own:
                require_page_perm(request.user, Module.ADMINISTRATION, Action.VIEW)
            if request.method == "POST":
                if not own:
                    require_page_perm(request.user, Module.ADMINISTRATION, Action.CONFIGURE)
            elif request.method not in ("GET", "HEAD"):
                return HttpResponseNotAllowed(["GET", "POST"])
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _opportunities_configure(user) -> bool:
    return has_perm(user, Module.OPPORTUNITIES, Action.CONFIGURE)


def _activities_configure(user) -> bool:
    return has_perm(user, Module.ACTIVITIES, Action.CONFIGURE)


pipeline_page = config_page(_opportunities_configure)
followup_kind_page = config_page(_activities_configure)
category_page = config_page(None)


def _context(request, active: str, can_configure: bool, **extra) -> dict:
    context = settings_context(request, active, **extra)
    context["can_configure"] = can_configure
    return context


def _count(queryset, field: str):
    """A correlated COUNT(*) of ``queryset`` rows whose ``field`` is the outer row (0 when none)."""
    counted = (queryset.filter(**{field: OuterRef("pk")}).order_by().values(field)
               .annotate(n=Count("pk")).values("n")[:1])
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _one_or_404(queryset, pk):
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404(_("Not found."))
    return found


def _active_categories() -> list[DocumentCategory]:
    return list(DocumentCategory.objects.filter(is_active=True).order_by("sort_order", "id"))


# ---------------------------------------------------------------- pipelines


@pipeline_page
def pipeline_list(request):
    """Every pipeline with its number of stages and of open opportunities (those the user may see)."""
    open_visible = Opportunity.objects.visible_to(request.user).filter(status=OpportunityStatus.OPEN)
    pipelines = list(Pipeline.objects.annotate(
        stage_count=_count(Stage.objects.all(), "pipeline"),
        open_count=_count(open_visible, "pipeline"),
    ).order_by("sort_order", "id"))
    return render_page(request, "sales/settings/pipelines.html", _context(
        request, "pipelines", services.may_configure_pipelines(request.user), pipelines=pipelines))


@pipeline_page
def pipeline_create(request):
    form = PipelineForm(request.POST or None, creating=True)
    if request.method == "POST" and form.is_valid():
        source = form.cleaned_data.get("start_from")
        try:
            pipeline = services.pipeline_add(by=request.user, data=form.service_data(),
                                             stages=services.pipeline_stage_specs(source) if source else None)
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Pipeline “%(name)s” was created; set up its stages now.")
                             % {"name": pipeline.name})
            return redirect("sales:settings_stages", pk=pipeline.pk)
    return render_page(request, "sales/settings/pipeline_form.html", _context(
        request, "pipelines", services.may_configure_pipelines(request.user), form=form, pipeline=None))


@pipeline_page
def pipeline_edit(request, pk: int):
    pipeline = _one_or_404(Pipeline.objects.all(), pk)
    if request.method == "POST" and request.POST.get("delete") == "1":
        return post_action(request, lambda: services.pipeline_delete(pipeline=pipeline, by=request.user),
                           done=_("Pipeline “%(name)s” was deleted.") % {"name": pipeline.name},
                           done_url="sales:settings_pipelines", failed_url=request.path)
    initial = {"name": pipeline.name, "description": pipeline.description, "sort_order": pipeline.sort_order,
               "is_default": pipeline.is_default, "is_active": pipeline.is_active}
    form = PipelineForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.pipeline_update(pipeline=pipeline, by=request.user, data=form.service_data())
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Pipeline “%(name)s” was saved.") % {"name": form.cleaned_data["name"]})
            return redirect("sales:settings_pipelines")
    return render_page(request, "sales/settings/pipeline_form.html", _context(
        request, "pipelines", services.may_configure_pipelines(request.user), form=form, pipeline=pipeline))


# ---------------------------------------------------------------- stages


def _stages_of(request, pipeline: Pipeline) -> list[Stage]:
    """The pipeline's stages in order, each with ``in_use`` (every opportunity in it, the recycle bin
    included: what blocks removing it) and ``opportunity_count`` (the live ones the user may see)."""
    visible = Opportunity.objects.visible_to(request.user)
    return list(Stage.objects.filter(pipeline=pipeline).annotate(
        in_use=_count(Opportunity.all_objects.all(), "stage"),
        opportunity_count=_count(visible, "stage"),
    ).order_by("sort_order", "id"))


def _report_table_errors(request, exc, formset) -> list[str]:
    """Put the errors of ``stages_save`` (keyed "<stage id>.<field>") on the rows; returns the others."""
    others: list[str] = []
    for key, errors in exc.message_dict.items():
        stage_id, _dot, field = key.partition(".")
        form = formset.form_for(stage_id) if field else None
        if form is None:
            others.extend(errors)
            messages.error(request, " ".join(errors))
            continue
        name = field if field in form.fields else None
        for error in errors:
            form.add_error(name, error)
        stage_name = form.stage.name if form.stage is not None else stage_id
        if name:
            messages.error(request, _("Stage “%(stage)s”, %(field)s: %(errors)s") % {
                "stage": stage_name, "field": form.fields[name].label, "errors": " ".join(errors)})
        else:
            messages.error(request, _("Stage “%(stage)s”: %(errors)s") % {
                "stage": stage_name, "errors": " ".join(errors)})
    return others


@pipeline_page
def stage_table(request, pk: int):
    """The stages of a pipeline as one editable table, the up / down and remove buttons, and a form to
    add a stage. A fixed number of queries, whatever the number of stages."""
    pipeline = _one_or_404(Pipeline.objects.all(), pk)
    categories = _active_categories()
    stages = _stages_of(request, pipeline)
    formset = StageFormSet(request.POST or None, prefix="stages", stages=stages, categories=categories)
    table_errors: list[str] = []
    if request.method == "POST":
        if formset.is_valid():
            rows = [form.service_data() for form in formset.forms]
            try:
                services.stages_save(pipeline=pipeline, by=request.user, rows=rows)
            except SERVICE_ERRORS as exc:
                if hasattr(exc, "message_dict"):
                    table_errors = _report_table_errors(request, exc, formset)
                else:
                    report_error(request, exc)
                    table_errors = [exc.message]
            else:
                messages.success(request, _("The stages of “%(name)s” were saved.") % {"name": pipeline.name})
                return redirect("sales:settings_stages", pk=pipeline.pk)
        else:
            messages.error(request, _("Some stages could not be saved; see the marked fields."))
    add_form = StageAddForm(categories=categories)
    return render_page(request, "sales/settings/stages.html", _context(
        request, "pipelines", services.may_configure_pipelines(request.user), pipeline=pipeline,
        formset=formset, add_form=add_form, table_errors=table_errors + list(formset.non_form_errors())))


@pipeline_page
@require_POST
def stage_add(request, pk: int):
    pipeline = _one_or_404(Pipeline.objects.all(), pk)
    categories = _active_categories()
    add_form = StageAddForm(request.POST, categories=categories)
    if add_form.is_valid():
        try:
            stage = services.stage_create(pipeline=pipeline, by=request.user, data=add_form.cleaned_data)
        except SERVICE_ERRORS as exc:
            report_error(request, exc, add_form)
        else:
            messages.success(request, _("Stage “%(name)s” was added.") % {"name": stage.name})
            return redirect("sales:settings_stages", pk=pipeline.pk)
    stages = _stages_of(request, pipeline)
    formset = StageFormSet(prefix="stages", stages=stages, categories=categories)
    return render_page(request, "sales/settings/stages.html", _context(
        request, "pipelines", services.may_configure_pipelines(request.user), pipeline=pipeline,
        formset=formset, add_form=add_form, table_errors=[]), status=400)


@pipeline_page
@require_POST
def stage_move(request, pk: int):
    stage = _one_or_404(Stage.objects.select_related("pipeline"), pk)
    direction = request.POST.get("direction", "")
    return post_action(request, lambda: services.stage_move(stage=stage, by=request.user, direction=direction),
                       done=_("Stage “%(name)s” was moved.") % {"name": stage.name},
                       done_url=f"{_stages_url(stage)}#stage-{stage.pk}")


@pipeline_page
@require_POST
def stage_delete(request, pk: int):
    stage = _one_or_404(Stage.objects.select_related("pipeline"), pk)
    return post_action(request, lambda: services.stage_delete(stage=stage, by=request.user),
                       done=_("Stage “%(name)s” was removed.") % {"name": stage.name},
                       done_url=_stages_url(stage))


def _stages_url(stage: Stage) -> str:
    return reverse("sales:settings_stages", args=[stage.pipeline_id])


# ---------------------------------------------------------------- follow-up kinds


@followup_kind_page
def followup_kind_list(request):
    may = activity_services.may_configure_followup_kinds(request.user)
    form = FollowUpKindForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            option = activity_services.followup_kind_create(by=request.user, data=form.cleaned_data)
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Follow-up kind “%(label)s” was created.") % {"label": option.label})
            return redirect("sales:settings_followup_kinds")
    options = list(FollowUpKindOption.objects.order_by("sort_order", "id"))
    builtin = FollowUpKind.choices
    return render_page(request, "sales/settings/followup_kinds.html", _context(
        request, "followup_kinds", may, options=options, builtin=builtin, form=form))


@followup_kind_page
def followup_kind_edit(request, pk: int):
    option = _one_or_404(FollowUpKindOption.objects.all(), pk)
    initial = {"code": option.code, "label": option.label, "label_en": option.label_en,
               "sort_order": option.sort_order, "is_active": option.is_active}
    form = FollowUpKindForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "code"}
        try:
            activity_services.followup_kind_update(option=option, by=request.user, data=data)
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Follow-up kind “%(label)s” was saved.") % {"label": data["label"]})
            return redirect("sales:settings_followup_kinds")
    return render_page(request, "sales/settings/followup_kind_form.html", _context(
        request, "followup_kinds", activity_services.may_configure_followup_kinds(request.user),
        form=form, option=option))


# ---------------------------------------------------------------- document categories


@category_page
def document_category_list(request):
    form = DocumentCategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            category = category_services.category_create(by=request.user, data=form.cleaned_data)
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Document category “%(name)s” was created.") % {"name": category.name})
            return redirect("sales:settings_document_categories")
    categories = list(DocumentCategory.objects.order_by("sort_order", "id"))
    return render_page(request, "sales/settings/document_categories.html", _context(
        request, "document_categories", category_services.may_configure_categories(request.user),
        categories=categories, form=form))


@category_page
def document_category_edit(request, pk: int):
    category = _one_or_404(DocumentCategory.objects.all(), pk)
    if request.method == "POST" and request.POST.get("deactivate") == "1":
        return post_action(request, lambda: category_services.category_deactivate(category=category, by=request.user),
                           done=_("Document category “%(name)s” was deactivated.") % {"name": category.name},
                           done_url="sales:settings_document_categories", failed_url=request.path)
    initial = {"code": category.code, "name": category.name, "name_en": category.name_en,
               "sort_order": category.sort_order, "is_active": category.is_active}
    form = DocumentCategoryForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "code"}
        try:
            category_services.category_update(category=category, by=request.user, data=data)
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Document category “%(name)s” was saved.") % {"name": data["name"]})
            return redirect("sales:settings_document_categories")
    return render_page(request, "sales/settings/document_category_form.html", _context(
        request, "document_categories", category_services.may_configure_categories(request.user),
        form=form, category=category))
