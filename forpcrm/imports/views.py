"""The import wizard: upload → mapping → preview → run (progress bar) → result with error report."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from forpcrm.core.errors import ApplicationError
from forpcrm.org.access import has_perm
from forpcrm.org.models import Action

from .engine import ImportOptions, get_definition
from .fields import ImportContext
from .forms import OptionsForm, UploadForm
from .presets import presets_for
from .reports import error_report_response
from .selectors import import_job_get, import_job_list, importable_definitions
from .services import (
    import_job_configure,
    import_job_create,
    import_job_preview,
    import_job_start,
    progress_key,
)

PREVIEW_ROWS = 20


def _definitions_or_403(user):
    allowed = importable_definitions(user=user)
    if not allowed:
        raise PermissionDenied(_("You do not have permission to import."))
    return allowed


def _job_for(request, pk):
    job = import_job_get(user=request.user, pk=pk)
    if not has_perm(request.user, get_definition(job.entity).module, Action.IMPORT):
        raise PermissionDenied(_("You do not have permission to import."))
    return job


@login_required
@require_http_methods(["GET", "POST"])
def index(request):
    allowed = _definitions_or_403(request.user)
    entities = [(d.name, str(d.label)) for d in allowed]
    presets = [(p["name"], p.get("label") or p["name"]) for d in allowed
               for p in presets_for(entity=d.name, user=request.user)]
    form = UploadForm(request.POST or None, request.FILES or None, entities=entities, presets=presets,
                      initial={"entity": request.GET.get("entity")})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                job = import_job_create(user=request.user, entity=form.cleaned_data["entity"],
                                        upload=form.cleaned_data["file"], preset=form.cleaned_data["preset"] or None)
            except ApplicationError as exc:
                form.add_error("file", exc.message)
                status = 400
            else:
                return redirect("imports:mapping", pk=job.pk)
        else:
            status = 400
    context = {"form": form, "jobs": import_job_list(user=request.user), "nav_active": "imports"}
    return render(request, "imports/index.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def mapping(request, pk):
    job = _job_for(request, pk)
    definition = get_definition(job.entity)
    fields = definition.fields(ImportContext(user=request.user))
    options = ImportOptions.from_dict(job.options)
    form = OptionsForm(request.POST or None, match_choices=definition.match_fields, initial={
        "mode": options.mode, "match_on": options.match_on, "date_order": options.date_order, "atomic": options.atomic})
    status = 200
    current = dict(job.mapping)
    if request.method == "POST":
        current = {str(i): request.POST.get(f"column_{i}", "") for i in range(len(job.headers))}
        if form.is_valid():
            data = form.cleaned_data
            try:
                import_job_configure(job=job, mapping=current, save_as=data["save_as"], options={
                    "mode": data["mode"], "match_on": data["match_on"], "date_order": data["date_order"],
                    "atomic": data["atomic"]})
            except ApplicationError as exc:
                messages.error(request, exc.message)
                status = 400
            else:
                if data["save_as"]:
                    messages.success(request, _("Preset “%(name)s” saved.") % {"name": data["save_as"]})
                return redirect("imports:preview", pk=job.pk)
        else:
            status = 400
    columns = [{"index": i, "header": h, "selected": current.get(str(i), "")} for i, h in enumerate(job.headers)]
    context = {"job": job, "definition": definition, "fields": fields, "columns": columns, "form": form,
               "required": [str(f.label) for f in fields if f.required], "nav_active": "imports"}
    return render(request, "imports/mapping.html", context, status=status)


@login_required
def preview(request, pk):
    job = _job_for(request, pk)
    try:
        rows = import_job_preview(job=job, limit=PREVIEW_ROWS)
        missing = _missing(job)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("imports:mapping", pk=job.pk)
    mapped = {int(i): key for i, key in job.mapping.items()}
    context = {"job": job, "rows": rows, "missing": missing, "mapped": mapped, "nav_active": "imports",
               "error_count": sum(len(r.errors) for r in rows)}
    return render(request, "imports/preview.html", context)


def _missing(job) -> list[str]:
    from .services import runner_for

    return runner_for(job).missing_required()


@login_required
@require_POST
def start(request, pk):
    job = _job_for(request, pk)
    try:
        import_job_start(job=job)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("imports:result", kwargs={"pk": job.pk})
        return response
    return redirect("imports:result", pk=job.pk)


@login_required
def progress(request, pk):
    """The progress bar fragment (polled by HTMX every second while the job runs)."""
    job = _job_for(request, pk)
    live = cache.get(progress_key(job.pk)) or {}
    processed = live.get("processed", job.processed)
    total = live.get("total", job.total)
    percent = min(100, round(processed * 100 / total)) if total else (100 if job.is_finished else 0)
    response = render(request, "imports/_progress.html",
                      {"job": job, "processed": processed, "total": total, "percent": percent})
    if job.is_finished and request.headers.get("HX-Request"):
        response["HX-Redirect"] = reverse("imports:result", kwargs={"pk": job.pk})
    return response


@login_required
def result(request, pk):
    job = _job_for(request, pk)
    report = job.report or {}
    context = {"job": job, "errors": report.get("errors", [])[:500], "warnings": report.get("warnings", [])[:500],
               "skipped": report.get("skipped", [])[:500], "notes": report.get("notes", []), "nav_active": "imports"}
    return render(request, "imports/result.html", context)


@login_required
def error_report(request, pk):
    job = _job_for(request, pk)
    fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
    try:
        return error_report_response(job=job, fmt=fmt)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("imports:result", pk=job.pk)
