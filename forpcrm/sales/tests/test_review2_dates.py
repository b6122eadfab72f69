"""Dates at the calendar's edges, report and urge rules, follow-up times, list search and bulk messages."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from forpcrm.core.timezones import local_to_utc, wall_time_exists
from forpcrm.customers.tests.factories import CustomerFactory
from forpcrm.sales.activity import services as activity
from forpcrm.sales.activity.models import FollowUp, VisitPlan
from forpcrm.sales.models import Opportunity
from forpcrm.sales.reports import services as reports
from forpcrm.sales.reports.models import ReportStatus, SalesReport, Urge, UrgeStatus
from forpcrm.sales.reports.periods import today_for

from .factories import make_opportunity, make_pipeline

pytestmark = pytest.mark.django_db
UTC = dt.UTC
EDGE = "0001-01-01 is outside the dates the CRM handles (1900-01-01 to 9998-12-31)."
EDGE_TZ = "0001-01-01 is too close to the edge of the calendar to convert between time zones; choose a later date."


def page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# ---------------------------------------------------------------- 1. the calendar's edges


def test_time_zone_conversion_at_the_edges_raises_value_error():
    with pytest.raises(ValueError) as first:
        local_to_utc(dt.date(1, 1, 1), dt.time(0, 0), "Asia/Shanghai")
    assert str(first.value) == EDGE_TZ
    with pytest.raises(ValueError) as second:
        wall_time_exists(dt.date(1, 1, 1), dt.time(0, 30), "Asia/Shanghai")
    assert str(second.value) == EDGE_TZ
    with pytest.raises(ValueError) as last:
        local_to_utc(dt.date(9999, 12, 31), dt.time(23, 0), "America/Los_Angeles")
    assert str(last.value).startswith("9999-12-31 is too close to the edge")
    assert local_to_utc(dt.date(1900, 1, 1), dt.time(8, 0), "UTC") == dt.datetime(1900, 1, 1, 8, tzinfo=UTC)


def test_report_form_refuses_year_one(sales_rep):
    client = page(sales_rep)
    shown = client.get("/sales/reports/new/", {"kind": "monthly", "date": "0001-01-01"})
    assert shown.status_code == 400
    assert texts(shown) == [f"A day of the period: {EDGE}"]
    for kind in ("daily", "monthly"):
        posted = client.post("/sales/reports/new/", {"kind": kind, "date": "0001-01-01", "done": "x"})
        assert posted.status_code == 400
        assert texts(posted) == [f"A day of the period: {EDGE}"]
    with pytest.raises(ValidationError) as exc:
        reports.report_create(by=sales_rep, kind="daily", day=dt.date(1, 1, 1))
    assert exc.value.message_dict == {"date": [EDGE]}
    assert SalesReport.objects.count() == 0


def test_visit_in_year_one_is_refused_on_the_date(sales_rep):
    customer = CustomerFactory(owner=sales_rep, name="边界日期有限公司")
    response = page(sales_rep).post("/sales/visits/new/", {
        "customer": customer.pk, "purpose": "拜访", "date": "0001-01-01", "start_time": "00:00",
        "end_time": "00:30", "time_zone": "Asia/Shanghai"})
    assert response.status_code in (200, 400)
    assert EDGE in response.content.decode()
    with pytest.raises(ValidationError) as exc:
        activity.visit_create(by=sales_rep, data={
            "customer": customer, "purpose": "拜访", "date": dt.date(1, 1, 1), "start_time": dt.time(0, 0),
            "end_time": dt.time(0, 30), "time_zone": "Asia/Shanghai"})
    assert exc.value.message_dict == {"date": [EDGE]}
    assert VisitPlan.objects.count() == 0


# ---------------------------------------------------------------- 2. reports

EMPTY = ("Write at least what was done, the plans or the problems (work done, plans, problems and help needed) "
         "before submitting.")
FUTURE = "This period has not started yet; a report can be written from its first day on."


def test_an_empty_report_cannot_be_submitted(sales_rep):
    report = reports.report_create(by=sales_rep, kind="daily", day=dt.date(2024, 5, 8), data={"done": "  "})
    with pytest.raises(ValidationError) as exc:
        reports.report_submit(report=report, by=sales_rep)
    assert exc.value.message_dict == {"done": [EMPTY]}
    assert SalesReport.objects.get(pk=report.pk).status == ReportStatus.DRAFT
    response = page(sales_rep).post("/sales/reports/new/", {"kind": "daily", "date": "2024-05-09", "submit": "1"})
    assert response.status_code == 400
    assert texts(response) == [f"Work done: {EMPTY}"]
    assert list(SalesReport.objects.values_list("period_start", flat=True)) == [dt.date(2024, 5, 8)]
    done = reports.report_create(by=sales_rep, kind="daily", day=dt.date(2024, 5, 10), data={"problems": "缺样品"})
    assert reports.report_submit(report=done, by=sales_rep).status == ReportStatus.SUBMITTED


def test_a_period_that_has_not_started_is_refused(sales_rep):
    today = today_for(sales_rep)
    with pytest.raises(ValidationError) as exc:
        reports.report_create(by=sales_rep, kind="daily", day=today + dt.timedelta(days=1))
    assert exc.value.message_dict == {"date": [FUTURE]}
    response = page(sales_rep).post("/sales/reports/new/", {
        "kind": "monthly", "date": (today.replace(day=1) + dt.timedelta(days=40)).isoformat(), "done": "x"})
    assert response.status_code == 400 and texts(response) == [FUTURE]
    assert SalesReport.objects.count() == 0
    assert reports.report_create(by=sales_rep, kind="weekly", day=today).period_start <= today


def test_unknown_kind_is_shown_on_the_field(sales_rep):
    response = page(sales_rep).get("/sales/reports/new/", {"kind": "bogus"})
    assert response.status_code == 400
    assert ('<div class="invalid-feedback d-block" id="kind-error">Select a valid choice. bogus is not one of the '
            "available choices.</div>") in response.content.decode()


def test_period_labels_and_draft_has_no_review_line(sales_rep):
    client = page(sales_rep)
    daily = reports.report_create(by=sales_rep, kind="daily", day=dt.date(2024, 12, 4), data={"done": "a"})
    weekly = reports.report_create(by=sales_rep, kind="weekly", day=dt.date(2024, 5, 8), data={"done": "b"})
    monthly = reports.report_create(by=sales_rep, kind="monthly", day=dt.date(2024, 5, 8), data={"done": "c"})
    assert (daily.period_label, weekly.period_label, monthly.period_label) == (
        "2024-12-04", "2024-05-06 – 2024-05-12", "2024-05-01 – 2024-05-31")
    detail = client.get(f"/sales/reports/{daily.pk}/").content.decode()
    assert "daily report · 2024-12-04</h2>" in detail
    assert '<dt class="col-4">reviewed</dt>' not in detail
    edit = client.get(f"/sales/reports/{monthly.pk}/edit/").content.decode()
    assert "2024-05-01 – 2024-05-31</small>" in edit and "excluded" not in edit and "exclusive" not in edit
    listing = client.get("/sales/reports/").content.decode()
    assert "2024-05-06 – 2024-05-12</a>" in listing and "2024-12-04</a>" in listing


def test_report_list_search(client, sales_rep, sales_manager, django_assert_max_num_queries):
    reports.report_create(by=sales_rep, kind="daily", day=dt.date(2024, 5, 8), data={"done": "拜访华东客户"})
    reports.report_create(by=sales_rep, kind="daily", day=dt.date(2024, 5, 9), data={"plans": "报价"})
    client.force_login(sales_manager)
    client.get("/sales/reports/?tab=team")
    with django_assert_max_num_queries(14):
        found = client.get("/sales/reports/", {"tab": "team", "q": "华东"})
    assert found.context["reports"][0].done == "拜访华东客户" and len(found.context["reports"]) == 1
    by_author = client.get("/sales/reports/", {"tab": "team", "q": sales_rep.display_name})
    assert len(by_author.context["reports"]) == 2
    assert len(client.get("/sales/reports/", {"tab": "team", "q": "没有这个"}).context["reports"]) == 0


# ---------------------------------------------------------------- 3. urges


@pytest.fixture
def rep_opportunity(sales_rep):
    return make_opportunity(sales_rep, make_pipeline(), customer=CustomerFactory(owner=sales_rep, name="督办客户"),
                            name="督办商机", amount="10.00")


def test_an_urge_due_in_the_past_is_refused(sales_manager, rep_opportunity):
    with pytest.raises(ValidationError) as exc:
        reports.urge_create(by=sales_manager, data={"opportunity": rep_opportunity, "what": "x",
                                                     "due_at": timezone.now() - dt.timedelta(minutes=1)})
    assert exc.value.message_dict == {"due_at": ["The due time has already passed; choose a time in the future."]}
    response = page(sales_manager).post("/sales/urges/new/", {"opportunity": rep_opportunity.pk, "what": "x",
                                                              "due_at": "2020-01-01T10:00"})
    assert response.status_code == 200
    assert texts(response) == ["Due at: The due time has already passed; choose a time in the future."]
    year_one = page(sales_manager).post("/sales/urges/new/", {"opportunity": rep_opportunity.pk, "what": "x",
                                                              "due_at": "0001-01-01T00:00"})
    assert texts(year_one) == [f"Due at: {EDGE}"]
    assert Urge.objects.count() == 0


def test_urge_button_only_for_who_may_urge(sales_manager, sales_rep, rep_opportunity):
    link = f'href="/sales/urges/new/?opportunity={rep_opportunity.pk}"'
    assert link in page(sales_manager).get(f"/opportunities/{rep_opportunity.pk}/urges/").content.decode()
    assert link not in page(sales_rep).get(f"/opportunities/{rep_opportunity.pk}/urges/").content.decode()
    customer_link = f'href="/sales/urges/new/?customer={rep_opportunity.customer_id}"'
    assert customer_link in page(sales_manager).get(f"/customers/{rep_opportunity.customer_id}/").content.decode()
    assert customer_link not in page(sales_rep).get(f"/customers/{rep_opportunity.customer_id}/").content.decode()


def test_urge_list_states_and_search(client, sales_manager, sales_rep, rep_opportunity,
                                     django_assert_max_num_queries):
    due = timezone.now() + dt.timedelta(days=1)
    first = reports.urge_create(by=sales_manager, data={"opportunity": rep_opportunity, "what": "尽快报价",
                                                         "due_at": due})
    second = reports.urge_create(by=sales_manager, data={"customer": rep_opportunity.customer, "what": "回访",
                                                          "due_at": due})
    reports.urge_answer(urge=second, by=sales_rep, answer="明天上门")
    client.force_login(sales_rep)
    listing = client.get("/sales/urges/").content.decode()
    for value in ("open", "answered", "done", "cancelled", "overdue"):
        assert f'<option value="{value}"' in listing
    states = {s: [u.pk for u in client.get("/sales/urges/", {"state": s}).context["urges"]]
              for s in ("open", "answered", "done", "cancelled", "overdue")}
    assert states == {"open": [first.pk], "answered": [second.pk], "done": [], "cancelled": [], "overdue": []}
    with django_assert_max_num_queries(14):
        found = client.get("/sales/urges/", {"q": "上门"})
    assert [u.pk for u in found.context["urges"]] == [second.pk]
    assert [u.pk for u in client.get("/sales/urges/", {"q": "督办商机"}).context["urges"]] == [first.pk]
    assert [u.pk for u in client.get("/sales/urges/", {"q": "报价"}).context["urges"]] == [first.pk]
    assert Urge.objects.get(pk=second.pk).status == UrgeStatus.ANSWERED


# ---------------------------------------------------------------- 4. follow-ups

AHEAD = ("A follow-up records what already happened; this time is more than an hour ahead. Plan it as the next "
         "follow-up or as a visit instead.")


def test_a_follow_up_more_than_an_hour_ahead_is_refused(sales_rep):
    customer = CustomerFactory(owner=sales_rep, name="未来跟进有限公司")
    with pytest.raises(ValidationError) as exc:
        activity.followup_create(by=sales_rep, data={"customer": customer, "kind": "phone", "content": "a",
                                                     "at": timezone.now() + dt.timedelta(hours=2)})
    assert exc.value.message_dict == {"at": [AHEAD]}
    assert FollowUp.objects.count() == 0
    soon = activity.followup_create(by=sales_rep, data={"customer": customer, "kind": "phone", "content": "b",
                                                        "at": timezone.now() + dt.timedelta(minutes=30)})
    assert FollowUp.objects.get().pk == soon.pk
    with pytest.raises(ValidationError) as edge:
        activity.followup_create(by=sales_rep, data={"customer": customer, "kind": "phone", "content": "c",
                                                     "at": dt.datetime(1, 1, 1, 0, 0)})
    assert edge.value.message_dict == {"at": [EDGE]}


# ---------------------------------------------------------------- 5. bulk update names the field


def test_bulk_update_without_stage_or_tags_names_the_field(sales_rep):
    opportunity = make_opportunity(sales_rep, make_pipeline(), amount="10")
    client = page(sales_rep)
    stage = client.post("/opportunities/", {"action": "stage", "ids": [opportunity.pk]})
    assert stage.status_code == 302 and texts(stage) == ["Stage: This field is required."]
    tags = page(sales_rep).post("/opportunities/", {"action": "tags", "tags": " ", "ids": [opportunity.pk]})
    assert texts(tags) == ["Tags: This field is required."]
    assert Opportunity.objects.get(pk=opportunity.pk).tags == []
