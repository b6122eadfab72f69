"""Celery tasks of the imports app."""

from celery import shared_task

from .models import ImportJob


@shared_task(name="forpcrm.imports.tasks.run_import_job")
def run_import_job(job_id: int) -> dict:
    from forpcrm.core.errors import ApplicationError

    from .services import import_job_run

    job = ImportJob.objects.get(pk=job_id)
    try:
        result = import_job_run(job=job)
    except ApplicationError as exc:
        return {"status": "failed", "message": exc.message}
    return {"status": "done", "created": result.created, "updated": result.updated, "failed": result.failed}
