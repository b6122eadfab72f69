"""Celery tasks of the notifications app (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from .jobs import jobs_run


@shared_task(name="forpcrm.notifications.tasks.run_jobs")
def run_jobs(names: list[str] | None = None) -> dict:
    """Run every registered periodic job that is due (or the named ones). Idempotent."""
    return jobs_run(names=names)
