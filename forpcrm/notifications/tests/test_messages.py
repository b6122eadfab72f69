"""Notification texts are stored as a message id + parameters and read in the reader's language:
the inbox and the API in the request's language, e-mail and job-sent reminders in the recipient's.

The Chinese texts are what the catalogue gives for the message ids (gettext under zh-hans), so these
tests hold whether or not a message id is translated yet; the English texts are exact."""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy, gettext_noop, pgettext, pgettext_lazy
from rest_framework.test import APIClient

from forpcrm.notifications import services
from forpcrm.notifications.messages import label, message, render
from forpcrm.notifications.models import Notification

pytestmark = pytest.mark.django_db

URGE = "%(user)s urges you about %(target)s"
REVIEWED = "%(reviewer)s reviewed your %(kind)s of %(period)s"
COMMENTED = "%(user)s commented on %(record)s"
FOLLOW_UP = "Follow up with %(customer)s: %(what)s"
KEEP = "Add a follow-up or win a deal before then to keep this customer."


def zh(msgid: str, **params) -> str:
    with translation.override("zh-hans"):
        return gettext(msgid) % params


def zh_word(msgid: str) -> str:
    with translation.override("zh-hans"):
        return gettext(msgid)


def page_client(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def set_language(user, language: str) -> None:
    user.language = language
    user.save(update_fields=["language"])


@pytest.fixture
def urge_note(sales_manager, sales_rep, django_capture_on_commit_callbacks):
    """王经理, whose pages are in Chinese, urges 张销售 about the opportunity 评审测试商机."""
    from forpcrm.sales.reports.services import urge_create
    from forpcrm.sales.tests.factories import make_opportunity, make_pipeline

    opportunity = make_opportunity(sales_rep, make_pipeline(), name="评审测试商机", amount="1000.00")
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        urge_create(by=sales_manager, data={"opportunity": opportunity, "what": "本周五前提交正式报价",
                                            "due_at": timezone.now() + dt.timedelta(days=1)})
    return Notification.objects.get(recipient=sales_rep, kind="urge_received")


def test_one_notification_reads_in_english_and_in_chinese(urge_note, sales_rep):
    params = {"user": "王经理", "target": "评审测试商机"}
    assert (urge_note.msgid, urge_note.params, urge_note.body) == (URGE, params, "本周五前提交正式报价")
    with translation.override("en"):
        assert urge_note.display_title == "王经理 urges you about 评审测试商机"
    with translation.override("zh-hans"):
        assert urge_note.display_title == gettext(URGE) % params
    # the inbox in the reader's language: their profile's, else the browser's
    set_language(sales_rep, "en")
    assert "王经理 urges you about 评审测试商机" in page_client(sales_rep, "zh-hans").get(
        reverse("notifications:inbox")).content.decode()
    set_language(sales_rep, "zh-hans")
    assert zh(URGE, **params) in page_client(sales_rep, "en").get(reverse("notifications:inbox")).content.decode()
    set_language(sales_rep, "")
    assert "王经理 urges you about 评审测试商机" in page_client(sales_rep, "en").get(
        reverse("notifications:inbox")).content.decode()


def test_the_api_renders_in_the_request_language_and_returns_the_message(urge_note, sales_rep):
    params = {"user": "王经理", "target": "评审测试商机"}
    for language, title in (("en", "王经理 urges you about 评审测试商机"), ("zh-hans", zh(URGE, **params))):
        client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(sales_rep)
        data = client.get(f"/api/v1/notifications/{urge_note.pk}/").json()
        assert (data["title"], data["msgid"], data["params"], data["body"], data["body_msgid"]) == (
            title, URGE, params, "本周五前提交正式报价", "")
        assert client.get("/api/v1/notifications/").json()["results"][0]["title"] == title


def test_report_kind_is_translated_at_render_time_and_comments_name_the_display_name(
        sales_manager, sales_rep, django_capture_on_commit_callbacks):
    from forpcrm.sales.reports import services as reports

    day = dt.date(2024, 5, 8)
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        report = reports.report_create(by=sales_rep, kind="daily", day=day, data={"done": "电话 3 次"})
        report = reports.report_submit(report=report, by=sales_rep)
        reports.report_review(report=report, by=sales_manager, comment="很好")
    reviewed = Notification.objects.get(recipient=sales_rep, kind="report_reviewed")
    kind = {"msgid": "daily report", "params": {}}
    assert (reviewed.msgid, reviewed.params) == (REVIEWED, {"reviewer": "王经理", "kind": kind, "period": "2024-05-08"})
    with translation.override("en"):
        assert reviewed.display_title == "王经理 reviewed your daily report of 2024-05-08"
    with translation.override("zh-hans"):
        assert reviewed.display_title == gettext(REVIEWED) % {
            "reviewer": "王经理", "kind": zh_word("daily report"), "period": "2024-05-08"}
    to_review = Notification.objects.get(recipient=sales_manager, kind="report_to_review")
    with translation.override("en"):
        assert to_review.display_title == "张销售 submitted the daily report of 2024-05-08"

    comment = Notification.objects.get(recipient=sales_rep, kind="comment")
    assert comment.params["user"] == "王经理" and "sales_manager" not in str(comment.params)
    with translation.override("en"):
        assert comment.display_title == "王经理 commented on daily report 2024-05-08 · 张销售"
    with translation.override("zh-hans"):
        record = gettext("%(kind)s %(period)s · %(author)s") % {
            "kind": zh_word("daily report"), "period": "2024-05-08", "author": "张销售"}
        assert comment.display_title == gettext(COMMENTED) % {"user": "王经理", "record": record}


def test_comment_and_mention_name_the_commenter_by_display_name(sales_manager, sales_rep, customer_service):
    from forpcrm.customers.tests.factories import CustomerFactory
    from forpcrm.sales.activity.services import comment_add

    assert (sales_manager.username, sales_manager.get_full_name(), str(sales_manager)) == (
        "sales_manager", "", "王经理")
    customer = CustomerFactory(owner=sales_rep, name="评论客户")
    comment_add(by=sales_manager, target=customer, body="请尽快报价")
    comment_add(by=sales_manager, target=customer, body="@sales_rep 看一下")
    with translation.override("en"):
        titles = sorted((n.kind, n.display_title) for n in Notification.objects.filter(recipient=sales_rep))
    assert titles == [("comment", "王经理 commented on 评论客户"), ("mention", "王经理 mentioned you in a comment")]


def test_email_is_written_in_the_recipient_language(sales_manager, sales_rep, settings,
                                                    django_capture_on_commit_callbacks):
    settings.LANGUAGE_CODE = "en"
    settings.FORPCRM_SITE_URL = "https://crm.example.com"
    set_language(sales_rep, "zh-hans")
    set_language(sales_manager, "en")
    params = {"user": "王经理", "target": "评审测试商机"}
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):  # an English reader acts
        note = services.notify(recipient=sales_rep, kind="urge_received", title=message(URGE, **params),
                               body=message(gettext_noop(KEEP)), url="/sales/urges/1/")
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):  # a Chinese one
        services.notify(recipient=sales_manager, kind="urge_received",
                        title=message(URGE, user="张销售", target="报价"), body="按时提交")
    chinese, english = mail.outbox
    assert (chinese.to, chinese.subject, chinese.body) == (
        ["sales_rep@example.com"], zh(URGE, **params), zh_word(KEEP) + "\n\nhttps://crm.example.com/sales/urges/1/")
    assert (english.to, english.subject, english.body) == (
        ["sales_manager@example.com"], "张销售 urges you about 报价", "按时提交")
    # the stored text is the recipient's rendering (search, admin); readers still get their own language
    assert (note.title, note.body) == (zh(URGE, **params), zh_word(KEEP))
    with translation.override("en"):
        assert (note.display_title, note.display_body) == ("王经理 urges you about 评审测试商机", KEEP)


def test_reminders_sent_by_the_job_keep_the_message(sales_rep, settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the job runs without a request, in the site's language
    set_language(sales_rep, "en")
    fire_at = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    title = message(gettext_noop(FOLLOW_UP), customer="甲公司", what=label(gettext_noop("next follow-up")))
    reminder = services.reminder_schedule(recipient=sales_rep, key="followup:1", fire_at=fire_at,
                                          kind="followup_due", title=title, url="/sales/followups/1/")
    assert (reminder.msgid, reminder.params, reminder.title) == (
        FOLLOW_UP, {"customer": "甲公司", "what": {"msgid": "next follow-up", "params": {}}},
        "Follow up with 甲公司: next follow-up")
    with translation.override("zh-hans"):
        assert services.reminders_send_due(fire_at) == 1
    note = Notification.objects.get(recipient=sales_rep)
    assert (note.kind, note.msgid, note.params, note.title) == (
        "followup_due", FOLLOW_UP, reminder.params, "Follow up with 甲公司: next follow-up")
    with translation.override("zh-hans"):
        assert note.display_title == gettext(FOLLOW_UP) % {"customer": "甲公司", "what": zh_word("next follow-up")}


def test_c12_parameters_are_literal_text_in_the_inbox_and_unchanged_in_the_api(sales_rep):
    evil = {"user": "<svg onload=alert(2)>", "target": '"><img src=x onerror=alert(1)>'}
    services.notify(recipient=sales_rep, kind="urge_received", title=message(URGE, **evil),
                    body=message("%(name)s", name="<script>alert(3)</script>"), url="/customers/1/")
    html = page_client(sales_rep).get(reverse("notifications:inbox")).content.decode()
    assert "&lt;svg onload=alert(2)&gt; urges you about &quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in html
    assert "<svg onload" not in html and "<img src=x" not in html and "<script>alert(3)" not in html
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(sales_rep)
    [data] = client.get("/api/v1/notifications/").json()["results"]
    assert data["params"] == evil
    assert data["title"] == '<svg onload=alert(2)> urges you about "><img src=x onerror=alert(1)>'
    assert data["body"] == "<script>alert(3)</script>"


def test_plain_text_titles_still_work(sales_rep):
    note = services.notify(recipient=sales_rep, kind="system", title="系统维护 <b>", body="今晚")
    assert (note.msgid, note.params, note.title, note.body) == ("", {}, "系统维护 <b>", "今晚")
    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert (note.display_title, note.display_body, str(note)) == ("系统维护 <b>", "今晚", "系统维护 <b>")


def test_message_parameters():
    built = message("%(a)s %(b)s %(c)s %(d)s %(e)s", a=gettext_lazy("daily report"),
                    b=pgettext_lazy("notification kind", "Comment"), c=dt.date(2024, 5, 8), d=3, e=None)
    assert built.params == {"a": {"msgid": "daily report", "params": {}},
                            "b": {"msgid": "Comment", "params": {}, "context": "notification kind"},
                            "c": "2024-05-08", "d": 3, "e": None}
    with translation.override("en"):
        assert built.render() == "daily report Comment 2024-05-08 3 "
    with translation.override("zh-hans"):
        assert built.render() == f"{gettext('daily report')} {pgettext('notification kind', 'Comment')} 2024-05-08 3 "
    with pytest.raises(TypeError):
        message(gettext_noop("%(x)s"), x=object())
    with pytest.raises(ValueError):
        message("")
    # a parameter missing from the stored ones leaves the source text rather than failing the page
    assert render("%(missing)s left", {"other": "x"}) == "%(missing)s left"
