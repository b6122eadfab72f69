"""Reports: one per period, submit / reopen / review / comment, the notifications each produces,
pages and API with the scope rules."""

import datetime as dt

import pytest
from django.urls import reverse

from forpcrm.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from forpcrm.notifications.models import Notification
from forpcrm.sales.reports import services
from forpcrm.sales.reports.models import ReportStatus, SalesReport

from .conftest import api

pytestmark = pytest.mark.django_db
DAY = dt.date(2024, 5, 8)  # a Wednesday


def _notes(kind=None):
    qs = Notification.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    return sorted((n.recipient.username, n.kind) for n in qs.select_related("recipient"))


def test_one_report_per_author_kind_and_period(sales_rep):
    report = services.report_create(by=sales_rep, kind="weekly", day=DAY, data={"done": "拜访客户"})
    assert (report.period_start, report.period_end, report.status) == (dt.date(2024, 5, 6), dt.date(2024, 5, 13),
                                                                       ReportStatus.DRAFT)
    assert report.department_id == sales_rep.department_id
    with pytest.raises(ApplicationError) as exc:
        services.report_create(by=sales_rep, kind="weekly", day=dt.date(2024, 5, 12))
    assert exc.value.code == "report_exists" and exc.value.extra["id"] == report.pk
    services.report_create(by=sales_rep, kind="daily", day=DAY)
    assert SalesReport.objects.filter(author=sales_rep).count() == 2


def test_submit_review_comment_and_their_notifications(sales_rep, sales_manager, django_capture_on_commit_callbacks):
    report = services.report_create(by=sales_rep, kind="daily", day=DAY, data={"done": "电话 3 次"})
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_submit(report=report, by=sales_rep, expected_version=report.version)
    assert report.status == ReportStatus.SUBMITTED and report.submitted_at is not None
    assert _notes() == [("sales_manager", "report_to_review")]
    # locked after submission
    with pytest.raises(ApplicationError) as exc:
        services.report_update(report=report, by=sales_rep, data={"done": "改"})
    assert exc.value.code == "report_locked"
    # the author cannot review; the manager can
    with pytest.raises(PermissionDeniedError):
        services.report_review(report=report, by=sales_rep)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_comment(report=report, by=sales_manager, body="明天跟进报价")
    assert _notes("comment") == [("sales_rep", "comment")]
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_review(report=report, by=sales_manager, comment="很好")
    assert (report.status, report.reviewed_by) == (ReportStatus.REVIEWED, sales_manager)
    assert _notes() == [("sales_manager", "report_to_review"), ("sales_rep", "comment"), ("sales_rep", "comment"),
                        ("sales_rep", "report_reviewed")]
    # a reviewed report is final
    with pytest.raises(ApplicationError):
        services.report_reopen(report=report, by=sales_rep)
    with pytest.raises(ApplicationError):
        services.report_review(report=report, by=sales_manager)


def test_reopen_before_review_and_stale_version(sales_rep, sales_rep_south, django_capture_on_commit_callbacks):
    report = services.report_create(by=sales_rep, kind="daily", day=DAY)
    stale = report.version
    services.report_update(report=report, by=sales_rep, data={"plans": "A"}, expected_version=stale)
    with pytest.raises(ConflictError):
        services.report_update(report=report, by=sales_rep, data={"plans": "B"}, expected_version=stale)
    with pytest.raises(PermissionDeniedError):
        services.report_update(report=report, by=sales_rep_south, data={"plans": "C"})
    report = services.report_submit(report=report, by=sales_rep)
    report = services.report_reopen(report=report, by=sales_rep)
    assert (report.status, report.submitted_at) == (ReportStatus.DRAFT, None)
    assert SalesReport.objects.get(pk=report.pk).plans == "A"
    # no manager, no department head: nobody is asked to review
    south = services.report_create(by=sales_rep_south, kind="daily", day=DAY, data={"problems": "无"})
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submit(report=south, by=sales_rep_south)
    assert Notification.objects.filter(kind="report_to_review").count() == 0


def test_summary_is_frozen_at_submission(sales_rep, rep_customer):
    from forpcrm.sales.activity.services import followup_create
    from forpcrm.sales.reports.periods import today_for
    from forpcrm.sales.reports.summary import summary_value

    report = services.report_create(by=sales_rep, kind="daily", day=today_for(sales_rep), data={"done": "电话"})
    assert summary_value(report.summary, "followups")["count"] == 0
    followup_create(by=sales_rep, data={"customer": rep_customer, "kind": "phone", "content": "a"})
    report = services.report_submit(report=report, by=sales_rep)
    assert summary_value(report.summary, "followups")["count"] == 1
    followup_create(by=sales_rep, data={"customer": rep_customer, "kind": "phone", "content": "b"})
    assert summary_value(SalesReport.objects.get(pk=report.pk).summary, "followups")["count"] == 1


def test_pages_create_detail_review(client, sales_rep, sales_manager, sales_rep_south):
    client.force_login(sales_rep)
    page = client.get(reverse("sales:report_create") + "?kind=weekly&date=2024-05-08")
    assert page.status_code == 200 and b"2024-05-06" in page.content and b"report-summary" in page.content
    response = client.post(reverse("sales:report_create"), {"kind": "weekly", "date": "2024-05-08",
                                                            "done": "<script>alert(3)</script>", "plans": "",
                                                            "problems": "", "submit": "1"})
    report = SalesReport.objects.get(author=sales_rep)
    assert response.status_code == 302 and report.status == ReportStatus.SUBMITTED
    detail = client.get(reverse("sales:report_detail", args=[report.pk]))
    assert b"&lt;script&gt;alert(3)&lt;/script&gt;" in detail.content and b"<script>alert(3)" not in detail.content
    # the same period again leads to the existing report
    again = client.get(reverse("sales:report_create") + "?kind=weekly&date=2024-05-10")
    assert again.status_code == 302 and again.url == reverse("sales:report_detail", args=[report.pk])
    # a peer does not see it (404 on page and API); the manager reviews it
    client.force_login(sales_rep_south)
    assert client.get(reverse("sales:report_detail", args=[report.pk])).status_code == 404
    assert client.post(reverse("sales:report_review", args=[report.pk])).status_code == 404
    assert api(sales_rep_south).get(f"/api/v1/sales-reports/{report.pk}/").status_code == 404
    client.force_login(sales_manager)
    listed = client.get(reverse("sales:report_list") + "?tab=review")
    assert reverse("sales:report_detail", args=[report.pk]).encode() in listed.content
    assert client.post(reverse("sales:report_review", args=[report.pk]), {"comment": ""}).status_code == 302
    assert SalesReport.objects.get(pk=report.pk).status == ReportStatus.REVIEWED


def test_api_flow(sales_rep, sales_manager, sales_rep_south):
    rep = api(sales_rep)
    created = rep.post("/api/v1/sales-reports/", {"kind": "daily", "date": "2024-05-08", "done": "x"}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["period_start"], body["period_end"], body["status"]) == ("2024-05-08", "2024-05-09", "draft")
    pk = body["id"]
    assert rep.post("/api/v1/sales-reports/", {"kind": "daily", "date": "2024-05-08"}, format="json").status_code == 400
    stale = rep.patch(f"/api/v1/sales-reports/{pk}/", {"plans": "p"}, format="json", HTTP_IF_MATCH='"99"')
    assert stale.status_code == 412
    assert rep.patch(f"/api/v1/sales-reports/{pk}/", {"plans": "p"}, format="json").json()["plans"] == "p"
    preview = rep.get("/api/v1/sales-reports/summary/?kind=monthly&date=2024-05-08").json()
    assert (preview["period_start"], preview["period_end"]) == ("2024-05-01", "2024-06-01")
    assert rep.post(f"/api/v1/sales-reports/{pk}/submit/").json()["status"] == "submitted"
    assert api(sales_rep_south).post(f"/api/v1/sales-reports/{pk}/review/").status_code == 404
    assert rep.post(f"/api/v1/sales-reports/{pk}/review/").status_code == 403
    assert api(sales_manager).post(f"/api/v1/sales-reports/{pk}/review/", {"comment": "ok"},
                                   format="json").json()["status"] == "reviewed"
    assert rep.delete(f"/api/v1/sales-reports/{pk}/").status_code == 400
    listed = api(sales_rep_south).get("/api/v1/sales-reports/").json()
    assert listed["count"] == 0
    assert api(sales_manager).get("/api/v1/sales-reports/?tab=all").json()["count"] == 1


def test_list_page_query_count_is_fixed(client, sales_rep, sales_manager, django_assert_max_num_queries):
    for i in range(12):
        services.report_create(by=sales_rep, kind="daily", day=DAY + dt.timedelta(days=i))
    client.force_login(sales_manager)
    client.get(reverse("sales:report_list") + "?tab=team")  # warm up (session, content types)
    with django_assert_max_num_queries(14) as few:
        assert client.get(reverse("sales:report_list") + "?tab=team&page_size=25").status_code == 200
    count = len(few.captured_queries)
    for i in range(12, 30):
        services.report_create(by=sales_rep, kind="daily", day=DAY + dt.timedelta(days=i))
    with django_assert_max_num_queries(count):
        assert client.get(reverse("sales:report_list") + "?tab=team&page_size=25").status_code == 200
    manager_api = api(sales_manager)
    with django_assert_max_num_queries(8):
        response = manager_api.get("/api/v1/sales-reports/")
    assert response.json()["count"] == 30


def test_edit_page_refresh_submit_and_reopen(client, sales_rep, admin):
    report = services.report_create(by=sales_rep, kind="monthly", day=DAY)
    client.force_login(sales_rep)
    url = reverse("sales:report_edit", args=[report.pk])
    assert client.get(url).status_code == 200
    refreshed = client.post(url, {"done": "月度总结", "plans": "", "problems": "", "version": report.version,
                                  "refresh": "1"})
    assert refreshed.status_code == 302 and refreshed.url == url
    stale = client.post(url, {"done": "旧的", "plans": "", "problems": "", "version": report.version})
    assert stale.status_code == 200 and SalesReport.objects.get(pk=report.pk).done == "月度总结"
    current = SalesReport.objects.get(pk=report.pk)
    client.post(url, {"done": "月度总结", "plans": "", "problems": "", "version": current.version, "submit": "1"})
    assert SalesReport.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED
    assert client.get(url).status_code == 302  # locked: back to the detail page
    client.post(reverse("sales:report_reopen", args=[report.pk]))
    assert SalesReport.objects.get(pk=report.pk).status == ReportStatus.DRAFT
    client.force_login(admin)
    assert client.get(reverse("sales:report_rule_create")).status_code == 200
    assert client.get(reverse("sales:report_missing") + "?kind=weekly").status_code == 200
