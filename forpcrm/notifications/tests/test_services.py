"""notify, e-mail choices, marking read, reminders (schedule, re-arm, cancel, send exactly once)."""

import datetime as dt
import os

import pytest
from django.core.management import call_command

from forpcrm.core.errors import ApplicationError
from forpcrm.core.timezones import local_to_utc
from forpcrm.notifications import services
from forpcrm.notifications.models import Notification, NotificationKind, NotificationPreference, Reminder
from forpcrm.org.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


def test_notify_creates_an_unread_notification_with_its_record_reference():
    user, actor = UserFactory(), UserFactory()
    other = UserFactory()
    n = services.notify(recipient=user, kind=NotificationKind.COMMENT, title="新评论", body="<b>你好</b>",
                        url="/customers/1/", obj=other, actor=actor)
    n.refresh_from_db()
    assert (n.recipient, n.kind, n.title, n.body, n.url) == (user, "comment", "新评论", "<b>你好</b>", "/customers/1/")
    assert (n.object_type, n.object_id, n.actor, n.read_at, n.dedupe_key) == ("org.user", str(other.pk), actor, None, None)


def test_notify_with_the_same_dedupe_key_creates_one_per_recipient():
    a, b = UserFactory(), UserFactory()
    first = services.notify(recipient=a, kind="system", title="x", dedupe_key="k1")
    assert first is not None
    assert services.notify(recipient=a, kind="system", title="again", dedupe_key="k1") is None
    assert services.notify(recipient=b, kind="system", title="x", dedupe_key="k1") is not None
    assert services.notify(recipient=a, kind="system", title="no key") is not None
    assert services.notify(recipient=a, kind="system", title="no key") is not None
    assert Notification.objects.filter(recipient=a).count() == 3
    assert Notification.objects.filter(dedupe_key="k1").count() == 2


def test_notify_refuses_an_unknown_kind_and_skips_inactive_recipients():
    user = UserFactory()
    with pytest.raises(ApplicationError):
        services.notify(recipient=user, kind="nope", title="x")
    user.is_active = False
    user.save()
    assert services.notify(recipient=user, kind="system", title="x") is None
    assert services.notify(recipient=None, kind="system", title="x") is None
    assert Notification.objects.count() == 0


def test_email_goes_after_commit_only_for_the_kinds_chosen(mailoutbox, django_capture_on_commit_callbacks,
                                                           settings):
    settings.FORPCRM_SITE_URL = "http://127.0.0.1:8000"
    user = UserFactory(email="rep@example.com")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.notify(recipient=user, kind=NotificationKind.URGE_RECEIVED, title="请提交周报 <script>",
                        body="经理催办 & 提醒", url="/sales/urges/3/")
        assert mailoutbox == []  # nothing before commit
    assert len(callbacks) == 1
    for callback in callbacks:
        callback()
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert (mail.subject, mail.to) == ("请提交周报 <script>", ["rep@example.com"])
    assert mail.body == "经理催办 & 提醒\n\nhttp://127.0.0.1:8000/sales/urges/3/"  # plain text, stored text unchanged
    assert mail.content_subtype == "plain"
    # COMMENT is in-app only by default
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipient=user, kind=NotificationKind.COMMENT, title="c")
    assert len(mailoutbox) == 1


def test_email_defaults_and_choices(mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory(email="u@example.com")
    defaults = services.preferences_get(user=user)
    assert {k for k, v in defaults.items() if v} == {"urge_received", "urge_overdue", "report_reviewed"}
    assert len(defaults) == len(NotificationKind.values)
    services.preferences_set(user=user, email_kinds=["comment", "mention"])
    assert {k for k, v in services.preferences_get(user=user).items() if v} == {"comment", "mention"}
    assert NotificationPreference.objects.filter(user=user).count() == len(NotificationKind.values)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipient=user, kind="urge_received", title="u")
        services.notify(recipient=user, kind="comment", title="c")
    assert [m.subject for m in mailoutbox] == ["c"]
    with pytest.raises(ApplicationError):
        services.preferences_set(user=user, email_kinds=["comment", "bogus"])
    assert {k for k, v in services.preferences_get(user=user).items() if v} == {"comment", "mention"}


def test_no_email_without_an_address(mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory(email="")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.notify(recipient=user, kind="urge_overdue", title="x")
    assert callbacks == []
    assert mailoutbox == []


def test_mark_read_touches_only_the_users_own_notifications():
    me, other = UserFactory(), UserFactory()
    mine = [services.notify(recipient=me, kind="system", title=str(i)) for i in range(3)]
    theirs = services.notify(recipient=other, kind="system", title="t")
    assert services.notifications_mark_read(user=me, ids=[mine[0].pk, theirs.pk, "junk"]) == 1
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert services.notifications_mark_read(user=me, ids=[mine[0].pk]) == 0  # already read
    assert services.notifications_mark_read(user=me) == 2
    assert Notification.objects.filter(recipient=me, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).count() == 1
    assert services.notifications_mark_read(user=me, ids=[]) == 0


def test_reminder_schedule_upserts_by_key_and_rearms_when_moved():
    user = UserFactory()
    r = services.reminder_schedule(recipient=user, key="visit:1", fire_at=utc(2024, 5, 10, 1, 45),
                                   kind="visit_reminder", title="拜访提醒", url="/sales/visits/1/")
    again = services.reminder_schedule(recipient=user, key="visit:1", fire_at=utc(2024, 5, 10, 1, 45),
                                       kind="visit_reminder", title="拜访提醒（改）")
    assert again.pk == r.pk
    assert Reminder.objects.count() == 1
    assert services.reminders_send_due(utc(2024, 5, 10, 1, 45)) == 1
    # same time again: stays sent
    services.reminder_schedule(recipient=user, key="visit:1", fire_at=utc(2024, 5, 10, 1, 45),
                               kind="visit_reminder", title="拜访提醒（改）")
    assert Reminder.objects.get(pk=r.pk).sent_at is not None
    # moved: re-armed, sent again at the new time
    services.reminder_schedule(recipient=user, key="visit:1", fire_at=utc(2024, 5, 11, 1, 45),
                               kind="visit_reminder", title="拜访提醒（改期）")
    assert Reminder.objects.get(pk=r.pk).sent_at is None
    assert services.reminders_send_due(utc(2024, 5, 11, 1, 44)) == 0
    assert services.reminders_send_due(utc(2024, 5, 11, 1, 45)) == 1
    assert list(Notification.objects.filter(recipient=user).order_by("id").values_list("title", flat=True)) == [
        "拜访提醒（改）", "拜访提醒（改期）"]


def test_reminder_needs_an_aware_time_and_cancel_removes_it():
    user = UserFactory()
    with pytest.raises(ApplicationError):
        services.reminder_schedule(recipient=user, key="k", fire_at=dt.datetime(2024, 5, 10, 1, 45),
                                   kind="system", title="x")
    services.reminder_schedule(recipient=user, key="k", fire_at=utc(2024, 5, 10), kind="system", title="x")
    services.reminder_cancel(key="k")
    services.reminder_cancel(key="k")  # nothing there: no error
    assert Reminder.objects.count() == 0
    assert services.reminders_send_due(utc(2030, 1, 1)) == 0


def test_c16_reminder_is_sent_exactly_once_at_its_time():
    user = UserFactory(time_zone="Asia/Shanghai")
    visit_at = local_to_utc(dt.date(2024, 5, 10), dt.time(10, 0), "Asia/Shanghai")
    assert visit_at == utc(2024, 5, 10, 2, 0)
    services.reminder_schedule(recipient=user, key="visit:c16", fire_at=visit_at - dt.timedelta(minutes=15),
                               kind="visit_reminder", title="拜访客户", url="/sales/visits/9/")
    assert Reminder.objects.get().fire_at == utc(2024, 5, 10, 1, 45)
    assert services.reminders_send_due(now=utc(2024, 5, 10, 1, 44)) == 0
    assert Notification.objects.count() == 0
    assert services.reminders_send_due(now=utc(2024, 5, 10, 1, 45)) == 1
    assert services.reminders_send_due(now=utc(2024, 5, 10, 1, 45)) == 0
    assert services.reminders_send_due(now=utc(2024, 5, 10, 3, 0)) == 0
    n = Notification.objects.get()
    assert (n.recipient, n.kind, n.title, n.url) == (user, "visit_reminder", "拜访客户", "/sales/visits/9/")
    assert Reminder.objects.get().sent_at == utc(2024, 5, 10, 1, 45)


def test_a_late_run_sends_everything_due_once():
    user = UserFactory()
    for i in range(3):
        services.reminder_schedule(recipient=user, key=f"r{i}", fire_at=utc(2024, 1, 1, i), kind="system",
                                   title=f"r{i}")
    services.reminder_schedule(recipient=user, key="future", fire_at=utc(2024, 1, 2), kind="system", title="f")
    assert services.reminders_send_due(utc(2024, 1, 1, 12)) == 3
    assert services.reminders_send_due(utc(2024, 1, 1, 12)) == 0
    assert Notification.objects.count() == 3


def test_overlapping_runs_claim_each_reminder_once(monkeypatch):
    """Two runs that both saw the same due ids: only the one whose UPDATE claims the row sends."""
    user = UserFactory()
    r = services.reminder_schedule(recipient=user, key="both", fire_at=utc(2024, 1, 1), kind="system", title="x")
    now = utc(2024, 1, 1, 0, 5)
    assert services._send_one(r.pk, now) is True
    assert services._send_one(r.pk, now) is False  # the second run loses the claim
    # a run that started before the first sent it still sends nothing
    assert services.reminders_send_due(now) == 0
    assert Notification.objects.count() == 1


def test_send_due_runs_a_fixed_number_of_queries_per_reminder(django_assert_num_queries):
    user = UserFactory(email="")
    for i in range(5):
        services.reminder_schedule(recipient=user, key=f"q{i}", fire_at=utc(2024, 1, 1), kind="system", title="x")
    # two id batches; per reminder: savepoint, claim UPDATE, fetch, dedupe check, savepoint, INSERT, 2 releases
    with django_assert_num_queries(2 + 5 * 8):
        assert services.reminders_send_due(utc(2024, 1, 2)) == 5


def test_reminder_email_follows_the_preference(mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory(email="v@example.com")
    services.preferences_set(user=user, email_kinds=["visit_reminder"])
    services.reminder_schedule(recipient=user, key="v", fire_at=utc(2024, 1, 1), kind="visit_reminder", title="拜访")
    with django_capture_on_commit_callbacks(execute=True):
        services.reminders_send_due(utc(2024, 1, 1))
    assert [m.subject for m in mailoutbox] == ["拜访"]


def test_run_jobs_command_once_and_by_name(capsys):
    user = UserFactory()
    services.reminder_schedule(recipient=user, key="cmd", fire_at=utc(2020, 1, 1), kind="system", title="x")
    call_command("run_jobs", "--job", "reminders_send_due")
    assert "reminders_send_due: 1" in capsys.readouterr().out
    call_command("run_jobs", "--job", "reminders_send_due")
    assert "reminders_send_due: 0" in capsys.readouterr().out
    assert Notification.objects.count() == 1


def test_run_jobs_command_refuses_an_unknown_job():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("run_jobs", "--job", "nope")


def test_cli_reminders_sends_due_reminders(capsys):
    from forpcrm import cli

    user = UserFactory()
    services.reminder_schedule(recipient=user, key="cli", fire_at=utc(2020, 1, 1), kind="system", title="x")
    cli.cmd_reminders(cli.build_parser().parse_args(["reminders"]))
    assert "reminders_send_due: 1" in capsys.readouterr().out
    assert Notification.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_each_reminder_once():
    """Real overlap: two threads, each with its own connection (PostgreSQL, or an SQLite file)."""
    import threading

    from django.db import connection, connections

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("in-memory SQLite locks whole tables across threads; run with SQLITE_TEST_NAME=<file> or on "
                    "PostgreSQL to exercise overlapping runs")

    user = UserFactory(email="")
    for i in range(20):
        services.reminder_schedule(recipient=user, key=f"c{i}", fire_at=utc(2024, 1, 1), kind="system", title=str(i))
    counts, errors = [], []
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            counts.append(services.reminders_send_due(utc(2024, 1, 1, 0, 1)))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(counts) == 20
    assert Notification.objects.count() == 20
    assert Notification.objects.values("dedupe_key").distinct().count() == 20


def test_run_jobs_loop_runs_until_stopped(monkeypatch, capsys):
    from forpcrm.notifications.management.commands import run_jobs as command

    seen = {}

    def fake_loop(seconds, names=None, on_result=None):
        seen.update(seconds=seconds, names=names)
        on_result({"reminders_send_due": 2})
        raise KeyboardInterrupt

    monkeypatch.setattr(command, "jobs_loop", fake_loop)
    call_command("run_jobs", "--loop", "60")
    out = capsys.readouterr().out
    assert seen == {"seconds": 60.0, "names": None}
    assert "running jobs every 60 s" in out and "reminders_send_due: 2" in out and "job loop stopped" in out


def test_emailed_links_are_absolute_with_the_site_url(settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.FORPCRM_SITE_URL = "https://crm.example.com/"
    user = UserFactory(email="reader@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipient=user, kind="urge_received", title="催办", body="请处理", url="/sales/reports/1/")
        services.notify(recipient=user, kind="urge_received", title="外链", url="https://other.example.org/x")
    assert [m.body for m in mailoutbox] == [
        "请处理\n\nhttps://crm.example.com/sales/reports/1/", "https://other.example.org/x"]
    # the in-app link stays relative
    assert Notification.objects.get(title="催办").url == "/sales/reports/1/"


@pytest.mark.skipif("FORPCRM_SITE_URL" in os.environ, reason="the environment sets the site address")
def test_site_url_setting_defaults_to_the_local_server():
    from forpcrm import settings as site_settings

    assert site_settings.FORPCRM_SITE_URL == "http://127.0.0.1:8000"
