"""The periodic jobs through a real Celery worker over Redis (db 15, flushed before and after).

Skipped, with the reason, when no Redis answers at 127.0.0.1:6379. The worker runs in a thread of
this process (celery.contrib.testing), so it sees the test database on SQLite and PostgreSQL alike.
"""

import datetime as dt
import os

import pytest
from celery.result import EagerResult
from django.db import connections
from django.utils import timezone

from forpcrm.notifications import services
from forpcrm.notifications.models import Notification, Reminder
from forpcrm.org.tests.factories import UserFactory

REDIS_URL = os.environ.get("FORPCRM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def _redis_or_skip():
    try:
        import redis
    except ImportError:  # pragma: no cover - celery[redis] brings it
        pytest.skip("the redis client library is not installed")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
    try:
        client.ping()
    except redis.exceptions.RedisError as exc:
        pytest.skip(f"no Redis server reachable at {REDIS_URL} ({exc.__class__.__name__}): Celery worker test skipped")
    return client


@pytest.fixture
def celery_worker_app():
    """The project's Celery app pointed at the test Redis db, with a worker thread; restored afterwards."""
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    from forpcrm.celery import app

    redis_client = _redis_or_skip()
    redis_client.flushdb()  # only the dedicated test db
    keys = ("broker_url", "result_backend", "task_always_eager", "broker_connection_retry_on_startup",
            "result_expires", "worker_hijack_root_logger")
    saved = {key: app.conf.get(key) for key in keys}

    def reset_caches():
        app._pool = None
        app._backend_cache = None
        if app._local is not None:
            app._local.__dict__.pop("backend", None)
        app.__dict__.pop("amqp", None)

    def close_connections(**kwargs):  # the worker thread's own database connection
        connections.close_all()

    app.conf.update(broker_url=REDIS_URL, result_backend=REDIS_URL, task_always_eager=False,
                    broker_connection_retry_on_startup=True, result_expires=300, worker_hijack_root_logger=False)
    reset_caches()
    task_postrun.connect(close_connections, weak=False)
    try:
        with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30):
            yield app
    finally:
        task_postrun.disconnect(close_connections)
        app.conf.update(saved)
        reset_caches()
        redis_client.flushdb()
        redis_client.close()


def test_run_jobs_through_a_real_worker_sends_the_reminder_exactly_once(celery_worker_app):
    from forpcrm.notifications.tasks import run_jobs

    user = UserFactory(email="")
    services.reminder_schedule(recipient=user, key="worker:1", fire_at=timezone.now() - dt.timedelta(minutes=1),
                               kind="visit_reminder", title="拜访提醒", url="/sales/visits/1/")
    services.reminder_schedule(recipient=user, key="worker:later", fire_at=timezone.now() + dt.timedelta(days=1),
                               kind="visit_reminder", title="明天")

    first = run_jobs.delay()
    assert not isinstance(first, EagerResult)  # really through the broker and the worker
    assert first.get(timeout=30)["reminders_send_due"] == 1
    second = run_jobs.apply_async(args=[["reminders_send_due"]])
    assert second.get(timeout=30) == {"reminders_send_due": 0}
    # two more dispatched at once: still nothing sent twice
    racing = [run_jobs.apply_async(args=[["reminders_send_due"]]) for _ in range(2)]
    assert [r.get(timeout=30) for r in racing] == [{"reminders_send_due": 0}] * 2

    assert list(Notification.objects.values_list("recipient", "title")) == [(user.pk, "拜访提醒")]
    assert Reminder.objects.get(key="worker:1").sent_at is not None
    assert Reminder.objects.get(key="worker:later").sent_at is None
