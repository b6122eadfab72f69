"""Periodic jobs: a registry other apps add to from ``AppConfig.ready``.

In production Celery beat dispatches ``forpcrm.notifications.tasks.run_jobs`` every minute to a worker;
in the embedded default ``manage.py run_jobs --loop 60`` does the same in-process. Either way
``jobs_run`` runs each job whose interval has passed. Every job must be idempotent: safe to run
twice, concurrently, or late.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connections
from django.utils import timezone

logger = logging.getLogger(__name__)

# Job runs older than this are pruned from the log.
JOB_LOG_KEEP = dt.timedelta(days=7)


@dataclass(frozen=True)
class Job:
    name: str
    fn: Callable[[dt.datetime], int]
    every_seconds: int

    def slack(self) -> dt.timedelta:
        """A run may start this much early: the dispatcher's own clock jitters by a few seconds."""
        return dt.timedelta(seconds=min(self.every_seconds / 2, 30))


_JOBS: dict[str, Job] = {}


def job_register(name: str, fn: Callable[[dt.datetime], int], *, every_seconds: int) -> None:
    """Register a periodic job. ``fn(now) -> int`` (how many things it did); must be idempotent.

    Registering the same name again replaces the job (so ``ready()`` may run twice).
    """
    if every_seconds <= 0:
        raise ValueError("every_seconds must be positive")
    _JOBS[name] = Job(name=name, fn=fn, every_seconds=int(every_seconds))


def jobs_registered() -> dict[str, Job]:
    return dict(_JOBS)


def _is_due(job: Job, now: dt.datetime) -> bool:
    from .models import JobRun

    last = (
        JobRun.objects.filter(name=job.name, error="").order_by("-started_at", "-id")
        .values_list("started_at", flat=True).first()
    )
    if last is None or last > now:  # never ran, or the clock went back: run
        return True
    return now - last >= dt.timedelta(seconds=job.every_seconds) - job.slack()


def jobs_run(now: dt.datetime | None = None, names: Iterable[str] | None = None) -> dict[str, int]:
    """Run the registered jobs and return {name: count}.

    Without `names`, each job runs when its interval has passed since its last successful run
    (the job log); with `names`, those jobs run now. A failing job is logged (JobRun.error) and
    does not stop the others; it is left out of the result.
    """
    from .models import JobRun

    now = now or timezone.now()
    if names is not None:
        names = list(names)
        unknown = [n for n in names if n not in _JOBS]
        if unknown:
            raise KeyError(f"unknown job(s): {', '.join(unknown)}")
        selected = [_JOBS[n] for n in names]
    else:
        selected = [job for job in _JOBS.values() if _is_due(job, now)]
    results: dict[str, int] = {}
    for job in selected:
        run = JobRun.objects.create(name=job.name, started_at=now)
        try:
            count = int(job.fn(now) or 0)
        except Exception:
            logger.exception("job %s failed", job.name)
            JobRun.objects.filter(pk=run.pk).update(
                finished_at=timezone.now(), error=traceback.format_exc()[-4000:] or "error",
            )
            continue
        JobRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), count=count)
        results[job.name] = count
    JobRun.objects.filter(started_at__lt=now - JOB_LOG_KEEP).delete()
    return results


def _refresh_connections() -> None:
    """Drop broken or expired database connections between rounds (a long-lived loop outlives them);
    a connection inside a transaction (e.g. a test's) is left alone."""
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close_if_unusable_or_obsolete()


def jobs_loop(seconds: float, names: Iterable[str] | None = None, *, sleep=None, iterations: int | None = None,
              on_result=None) -> None:
    """Run the jobs every `seconds` until interrupted (the embedded scheduler)."""
    import time

    sleep = sleep or time.sleep
    done = 0
    while iterations is None or done < iterations:
        started = time.monotonic()
        _refresh_connections()
        try:
            result = jobs_run(names=names)
            if on_result:
                on_result(result)
        except Exception:  # keep the loop alive; the next round retries
            logger.exception("job round failed")
        finally:
            _refresh_connections()
        done += 1
        if iterations is not None and done >= iterations:
            break
        sleep(max(0.0, seconds - (time.monotonic() - started)))


def _reminders_job(now: dt.datetime) -> int:
    from .services import reminders_send_due

    return reminders_send_due(now)


def register_builtin_jobs() -> None:
    job_register("reminders_send_due", _reminders_job, every_seconds=60)
