"""Writes of the imports app: upload a file as an import job, configure it, run it, save presets."""

from __future__ import annotations

import re
import uuid
from pathlib import Path, PureWindowsPath
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forpcrm.core.errors import ApplicationError
from forpcrm.org.access import require_perm
from forpcrm.org.models import Action

from .engine import ImportOptions, ImportResult, ImportRunner, get_definition
from .fields import ImportContext, auto_mapping, mapping_to_preset
from .models import ImportJob, ImportMode, ImportStatus
from .presets import preset_get, preset_save
from .readers import Table, UnreadableFile, open_table, save_upload

UPLOAD_DIR = "imports"


def safe_file_name(name: str) -> str:
    """The base name only: '../../etc/passwd' → 'passwd', 'C:\\x\\a.csv' → 'a.csv'; control characters go."""
    base = PureWindowsPath(str(name or "")).name
    base = Path(base).name
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip().strip(".")
    return base[:200] or "upload"


def _storage_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / UPLOAD_DIR


def open_job_table(job: ImportJob) -> Table:
    try:
        return open_table(job.stored_path, job.original_name)
    except (UnreadableFile, OSError) as exc:
        raise ApplicationError(str(exc), code="unreadable_file") from exc


def import_job_create(*, user, entity: str, upload, name: str = "", preset: str | None = None,
                      options: dict[str, Any] | None = None) -> ImportJob:
    """Store an uploaded file (refusing non-spreadsheets and oversized files) and map its columns.

    ``upload`` is a Django UploadedFile or any binary stream. Raises ApplicationError with a message
    for the user; nothing is kept of a refused file.
    """
    definition = get_definition(entity)
    require_perm(user, definition.module, Action.IMPORT)
    original = safe_file_name(name or getattr(upload, "name", "") or "upload")
    suffix = Path(original).suffix.lower()[:8]
    destination = _storage_dir() / f"{uuid.uuid4().hex}{suffix}"
    size = getattr(upload, "size", None)
    limit = settings.FORPCRM_MAX_IMPORT_BYTES
    if size is not None and size > limit:
        raise ApplicationError(
            _("The file is larger than the limit of %(limit)s MB.") % {"limit": limit // (1024 * 1024)}, code="too_large"
        )
    try:
        save_upload(upload, destination, max_bytes=limit)
        table = open_table(destination, original)
    except UnreadableFile as exc:
        destination.unlink(missing_ok=True)
        raise ApplicationError(str(exc), code="unreadable_file") from exc
    preset_data = preset_get(name=preset, entity=entity, user=user) if preset else None
    job_options = ImportOptions.from_dict({**((preset_data or {}).get("options") or {}), **(options or {})})
    ctx = ImportContext(user=user, options=job_options.extra)
    fields = definition.fields(ctx)
    mapping = auto_mapping(table.headers, fields, (preset_data or {}).get("mapping"))
    if not job_options.match_on:
        job_options.match_on = list(definition.default_match_on)
    return ImportJob.objects.create(
        user=user, entity=entity, original_name=original, stored_path=str(destination), file_format=table.file_format,
        encoding=table.encoding, headers=table.headers, mapping=mapping, options=job_options.as_dict(),
    )


@transaction.atomic
def import_job_configure(*, job: ImportJob, mapping: dict[str, str], options: dict[str, Any],
                         save_as: str = "") -> ImportJob:
    """Set the column mapping and options; optionally save them as the user's preset."""
    definition = get_definition(job.entity)
    ctx = ImportContext(user=job.user)
    known = {spec.key for spec in definition.fields(ctx)}
    cleaned: dict[str, str] = {}
    for index, key in mapping.items():
        if not key:
            continue
        if key not in known:
            raise ApplicationError(_("Unknown field “%(key)s”.") % {"key": key}, code="unknown_field")
        if key in cleaned.values():
            raise ApplicationError(_("Two columns are mapped to the same field “%(key)s”.") % {"key": key},
                                   code="mapping_twice")
        if not str(index).isdigit() or int(index) >= len(job.headers):
            raise ApplicationError(_("Unknown column."), code="unknown_column")
        cleaned[str(int(index))] = key
    parsed = ImportOptions.from_dict({**job.options, **options})
    if parsed.mode not in ImportMode.values:
        raise ApplicationError(_("Unknown import mode."), code="invalid_mode")
    job.mapping = cleaned
    job.options = parsed.as_dict()
    job.save(update_fields=["mapping", "options"])
    if save_as:
        preset_save(user=job.user, entity=job.entity, name=save_as, mapping=mapping_to_preset(job.headers, cleaned),
                    options={k: v for k, v in job.options.items() if k != "constants"})
    return job


def runner_for(job: ImportJob) -> ImportRunner:
    return ImportRunner(definition=get_definition(job.entity), table=open_job_table(job), mapping=job.mapping,
                        user=job.user, options=ImportOptions.from_dict(job.options))


def import_job_preview(*, job: ImportJob, limit: int = 20):
    return runner_for(job).preview(limit=limit)


def progress_key(job_id: int) -> str:
    return f"forpcrm:import-progress:{job_id}"


def import_job_start(*, job: ImportJob) -> ImportJob:
    """Queue the job on Celery (runs at once in the embedded profile, where tasks are eager)."""
    from .tasks import run_import_job

    if job.status not in (ImportStatus.UPLOADED,):
        raise ApplicationError(_("This import has already been started."), code="already_started")
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.QUEUED)
    transaction.on_commit(lambda: run_import_job.delay(job.pk))
    job.status = ImportStatus.QUEUED
    return job


def import_job_run(*, job: ImportJob) -> ImportResult:
    """Run the job now (the Celery task calls this). Progress goes to the cache and, row-by-row, the job."""
    runner = runner_for(job)
    job.status = ImportStatus.RUNNING
    job.started_at = timezone.now()
    job.total = runner.table.count_rows()
    job.save(update_fields=["status", "started_at", "total"])
    atomic = runner.options.atomic

    def progress(result: ImportResult) -> None:
        cache.set(progress_key(job.pk), {"processed": result.processed, "total": result.total}, 3600)
        if not atomic and not transaction.get_connection().in_atomic_block:
            ImportJob.objects.filter(pk=job.pk).update(processed=result.processed)

    try:
        result = runner.run(progress=progress, total=job.total)
    except Exception as exc:
        # The job must not stay "running" for ever: record why it stopped, then let the caller know.
        job.status = ImportStatus.FAILED
        job.message = exc.message if isinstance(exc, ApplicationError) else _("The import stopped: %(error)s") % {
            "error": exc.__class__.__name__}
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "message", "finished_at"])
        cache.delete(progress_key(job.pk))
        raise
    _store_result(job, result)
    return result


def _store_result(job: ImportJob, result: ImportResult) -> None:
    job.processed = result.processed
    for name in ("created", "updated", "unchanged", "skipped", "failed"):
        setattr(job, name, getattr(result, name))
    job.report = result.report()
    job.status = ImportStatus.ROLLED_BACK if result.rolled_back else ImportStatus.DONE
    job.finished_at = timezone.now()
    job.save()
    cache.delete(progress_key(job.pk))


def import_file(*, user, entity: str, path: str | Path, preset: str | None = None,
                options: dict[str, Any] | None = None) -> tuple[ImportJob, ImportResult]:
    """Import a file from disk at once (command line, demo): create the job, run it, return the result."""
    path = Path(path)
    with open(path, "rb") as handle:
        job = import_job_create(user=user, entity=entity, upload=handle, name=path.name, preset=preset,
                                options=options)
    return job, import_job_run(job=job)
