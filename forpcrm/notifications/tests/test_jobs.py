"""The job registry: intervals, failures, the log, the Celery task (eager) and the pool warning job."""

import datetime as dt

import pytest
from django.utils import timezone

from forpcrm.notifications import jobs, services
from forpcrm.notifications.models import JobRun, Notification, NotificationKind
from forpcrm.org.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def registry(monkeypatch):
    """An isolated registry holding only the built-in jobs."""
    monkeypatch.setattr(jobs, "_JOBS", {})
    jobs.register_builtin_jobs()
    return jobs._JOBS


def test_reminders_job_is_registered_every_60_seconds():
    job = jobs.jobs_registered()["reminders_send_due"]
    assert job.every_seconds == 60


def test_jobs_run_runs_due_jobs_and_honours_intervals(registry):
    calls = []
    jobs.job_register("hourly", lambda now: calls.append(now) or 2, every_seconds=3600)
    t0 = utc(2024, 1, 1, 12, 0)
    assert jobs.jobs_run(now=t0) == {"reminders_send_due": 0, "hourly": 2}
    # 20 s later: the minute job is not due yet (it may start at most 30 s early), the hourly one neither
    assert jobs.jobs_run(now=t0 + dt.timedelta(seconds=20)) == {}
    # 58 s later (the scheduler's clock jitters): the minute job runs again
    assert jobs.jobs_run(now=t0 + dt.timedelta(seconds=58)) == {"reminders_send_due": 0}
    assert jobs.jobs_run(now=t0 + dt.timedelta(minutes=61)) == {"reminders_send_due": 0, "hourly": 2}
    assert calls == [t0, t0 + dt.timedelta(minutes=61)]
    # named jobs run now, whatever the interval
    assert jobs.jobs_run(now=t0 + dt.timedelta(minutes=61, seconds=1), names=["hourly"]) == {"hourly": 2}
    assert JobRun.objects.filter(name="hourly").count() == 3
    assert JobRun.objects.filter(name="hourly", count=2, error="").exclude(finished_at=None).count() == 3


def test_a_failing_job_is_logged_and_does_not_stop_the_others(registry):
    def broken(now):
        raise RuntimeError("boom")

    jobs.job_register("broken", broken, every_seconds=60)
    user = UserFactory()
    services.reminder_schedule(recipient=user, key="k", fire_at=utc(2024, 1, 1), kind="system", title="x")
    assert jobs.jobs_run(now=utc(2024, 1, 1, 0, 1)) == {"reminders_send_due": 1}
    run = JobRun.objects.get(name="broken")
    assert "RuntimeError: boom" in run.error
    # a failed job is retried on the next round
    assert "broken" not in jobs.jobs_run(now=utc(2024, 1, 1, 0, 1, 10))
    assert JobRun.objects.filter(name="broken").count() == 2


def test_unknown_job_name_is_refused(registry):
    with pytest.raises(KeyError):
        jobs.jobs_run(names=["nope"])
    with pytest.raises(ValueError):
        jobs.job_register("zero", lambda now: 0, every_seconds=0)


def test_running_the_jobs_twice_sends_nothing_twice(registry):
    user = UserFactory()
    services.reminder_schedule(recipient=user, key="twice", fire_at=utc(2024, 1, 1), kind="system", title="x")
    now = utc(2024, 1, 1, 0, 0, 30)
    assert jobs.jobs_run(now=now, names=["reminders_send_due"]) == {"reminders_send_due": 1}
    assert jobs.jobs_run(now=now, names=["reminders_send_due"]) == {"reminders_send_due": 0}
    assert Notification.objects.count() == 1


def test_old_job_runs_are_pruned(registry):
    JobRun.objects.create(name="old", started_at=utc(2024, 1, 1))
    JobRun.objects.create(name="recent", started_at=utc(2024, 1, 7))
    jobs.jobs_run(now=utc(2024, 1, 9))
    assert set(JobRun.objects.values_list("name", flat=True)) == {"recent", "reminders_send_due"}


def test_jobs_loop_runs_rounds_and_survives_errors(registry, monkeypatch):
    results, sleeps = [], []
    jobs.jobs_loop(60, iterations=2, sleep=sleeps.append, on_result=results.append)
    assert len(results) == 2
    assert len(sleeps) == 1 and 0 <= sleeps[0] <= 60

    def explode(**kwargs):
        raise RuntimeError("db down")

    monkeypatch.setattr(jobs, "jobs_run", explode)
    jobs.jobs_loop(1, iterations=2, sleep=lambda s: None)  # no exception escapes


def test_celery_task_runs_the_jobs_eagerly_in_the_embedded_profile(registry):
    from forpcrm.notifications.tasks import run_jobs

    user = UserFactory()
    services.reminder_schedule(recipient=user, key="eager", fire_at=timezone.now() - dt.timedelta(minutes=1),
                               kind="system", title="x")
    assert run_jobs.delay().get() == {"reminders_send_due": 1}
    assert run_jobs.delay(["reminders_send_due"]).get() == {"reminders_send_due": 0}
    assert Notification.objects.count() == 1


def test_beat_schedule_runs_the_jobs_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["periodic-jobs"]
    assert entry == {"task": "forpcrm.notifications.tasks.run_jobs", "schedule": 60.0}


def test_pool_warning_notifies_the_owner_once_per_cycle(sales_rep, django_capture_on_commit_callbacks):
    from forpcrm.customers.models import Customer, PoolRule
    from forpcrm.customers.services import pool_rules_apply
    from forpcrm.customers.tests.factories import CustomerFactory

    PoolRule.objects.create(level="", days_without_followup=30, warn_days_before=3)
    customer = CustomerFactory(owner=sales_rep, name="快到期客户")
    moment = timezone.now() - dt.timedelta(days=28)
    Customer.objects.filter(pk=customer.pk).update(owned_since=moment, created_at=moment)

    assert pool_rules_apply()["warned"] == [customer.pk]
    Customer.objects.filter(pk=customer.pk).update(pool_warned_at=None)  # even if the mark were lost
    pool_rules_apply()
    pool_rules_apply()
    notes = list(Notification.objects.filter(kind=NotificationKind.POOL_WARNING))
    assert len(notes) == 1
    note = notes[0]
    assert note.recipient == sales_rep
    assert (note.object_type, note.object_id, note.url) == ("customers.customer", str(customer.pk),
                                                            f"/customers/{customer.pk}/")
    assert note.title.startswith("快到期客户 returns to the public pool on ")
