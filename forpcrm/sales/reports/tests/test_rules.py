"""Submission rules: who is targeted, the missing-submissions list (missing, late, on time) on page
and API, and the REPORT_MISSING job (run twice, notify once)."""

import datetime as dt

import pytest
from django.urls import reverse

from forpcrm.core.errors import PermissionDeniedError
from forpcrm.notifications.models import Notification
from forpcrm.org.models import User
from forpcrm.sales.reports import services
from forpcrm.sales.reports.models import ReportRule, SalesReport
from forpcrm.sales.reports.selectors import report_missing, rule_target_users

from .conftest import api, at

pytestmark = pytest.mark.django_db
TUESDAY = dt.date(2024, 5, 7)


@pytest.fixture
def rule(admin, roles, departments, sales_manager, sales_rep, sales_rep_south):
    rule = services.rule_save(by=admin, data={
        "name": "销售日报", "kind": "daily", "departments": [departments.sales], "roles": [roles["sales_rep"]],
        "users": [sales_manager.pk], "deadline_days": 0, "deadline_time": dt.time(9, 0), "skip_weekends": True})
    ReportRule.objects.filter(pk=rule.pk).update(created_at=at(2024, 1, 1))
    User.objects.update(date_joined=at(2024, 1, 1))
    return ReportRule.objects.get(pk=rule.pk)


def test_rule_targets_departments_with_roles_plus_listed_users(rule, sales_rep, sales_rep_south, sales_manager,
                                                               admin, departments):
    assert set(rule_target_users(rule)) == {sales_rep, sales_rep_south, sales_manager}
    services.rule_save(by=admin, rule=rule, data={"include_subdepartments": False, "users": []})
    assert set(rule_target_users(ReportRule.objects.get(pk=rule.pk))) == set()


def test_only_configure_may_change_rules(rule, sales_manager):
    with pytest.raises(PermissionDeniedError):
        services.rule_save(by=sales_manager, rule=rule, data={"name": "x"})
    assert ReportRule.objects.get(pk=rule.pk).name == "销售日报"


def _submitted(author, day, when):
    report = services.report_create(by=author, kind="daily", day=day, data={"done": "拜访"})
    services.report_submit(report=report, by=author)
    SalesReport.objects.filter(pk=report.pk).update(submitted_at=when)


def test_missing_list_in_the_managers_scope(rule, sales_manager, sales_rep, sales_rep_south, admin):
    # deadline of Tuesday's report: Wednesday 09:00 Shanghai = 01:00Z
    _submitted(sales_rep, TUESDAY, at(2024, 5, 8, 1, 30))  # late
    _submitted(admin, TUESDAY, at(2024, 5, 7, 12))  # not targeted: not listed
    now = at(2024, 5, 8, 2)
    rows = report_missing(user=sales_manager, kind="daily", day=TUESDAY, now=now)
    assert [(r.user.username, r.state) for r in rows] == [("sales_manager", "missing"), ("sales_rep", "late")]
    rows = report_missing(user=admin, kind="daily", day=TUESDAY, now=now)
    assert sorted((r.user.username, r.state) for r in rows) == [
        ("sales_manager", "missing"), ("sales_rep", "late"), ("sales_rep_south", "missing")]
    before = report_missing(user=admin, kind="daily", day=TUESDAY, now=at(2024, 5, 8, 0, 59))
    assert sorted(r.state for r in before) == ["late", "pending", "pending"]
    # weekend days need no daily report
    assert report_missing(user=admin, kind="daily", day=dt.date(2024, 5, 11), now=now) == []
    # a rep's scope is himself
    assert [(r.user.username, r.state) for r in report_missing(user=sales_rep_south, kind="daily", day=TUESDAY,
                                                                now=now)] == [("sales_rep_south", "missing")]


def test_missing_page_and_api(client, rule, sales_manager, sales_rep):
    _submitted(sales_rep, TUESDAY, at(2024, 5, 7, 10))
    client.force_login(sales_manager)
    page = client.get(reverse("sales:report_missing") + "?kind=daily&date=2024-05-07")
    assert page.status_code == 200
    assert page.content.count(b'data-state="missing"') == 1 and page.content.count(b'data-state="on_time"') == 1
    rows = api(sales_manager).get("/api/v1/report-missing/?kind=daily&date=2024-05-07").json()
    assert sorted((r["user_name"], r["state"]) for r in rows) == [("张销售", "on_time"), ("王经理", "missing")]


def test_missing_job_notifies_once_per_user_and_period(rule, sales_rep, sales_rep_south, sales_manager):
    _submitted(sales_rep, TUESDAY, at(2024, 5, 7, 10))
    now = at(2024, 5, 8, 2)
    assert services.reports_missing_job(now) == 2
    assert services.reports_missing_job(now + dt.timedelta(minutes=15)) == 0
    notes = Notification.objects.filter(kind="report_missing").select_related("recipient")
    assert sorted((n.recipient.username, n.dedupe_key) for n in notes) == [
        ("sales_manager", "report-missing:daily:2024-05-07"), ("sales_rep_south", "report-missing:daily:2024-05-07")]
    # the next day asks for Wednesday's report
    assert services.reports_missing_job(at(2024, 5, 9, 2)) == 3


def test_rule_pages_need_configure(client, rule, sales_manager, admin):
    client.force_login(sales_manager)
    assert client.get(reverse("sales:report_rules")).status_code == 403
    client.force_login(admin)
    assert client.get(reverse("sales:report_rules")).status_code == 200
    response = client.post(reverse("sales:report_rule_create"), {
        "name": "周报", "kind": "weekly", "deadline_days": "0", "deadline_time": "12:00", "skip_weekends": "on",
        "is_active": "on"})
    assert response.status_code == 302
    assert ReportRule.objects.get(name="周报").deadline_time == dt.time(12, 0)
    assert api(sales_manager).post("/api/v1/report-rules/", {"name": "x", "kind": "daily",
                                                             "deadline_time": "09:00"}, format="json").status_code == 403
    assert api(admin).post("/api/v1/report-rules/", {"name": "月报", "kind": "monthly", "deadline_days": 1,
                                                     "deadline_time": "18:00"}, format="json").status_code == 201
