"""Odd input never answers 500; messages name fields by their labels; amounts, labels and error pages."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from forpcrm.customers.tests.factories import CustomerFactory
from forpcrm.notifications.models import Reminder
from forpcrm.sales.activity import services as activity
from forpcrm.sales.activity.models import VisitPlan
from forpcrm.sales.leads import services as leads
from forpcrm.sales.models import Opportunity
from forpcrm.sales.reports.models import SalesReport

from .factories import make_opportunity, make_pipeline

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# ---------------------------------------------------------------- 1. filters and odd input


@pytest.mark.parametrize("url", ["/sales/followups/", "/sales/visits/"])
@pytest.mark.parametrize("key", ["date_from", "date_to"])
def test_impossible_filter_date_is_ignored_with_a_note(sales_rep, url, key):
    response = page(sales_rep).get(url, {key: "2024-13-45"})
    assert response.status_code == 200
    assert texts(response) == ["“2024-13-45” is not a valid date (use YYYY-MM-DD); that filter was ignored."]


@pytest.mark.parametrize("url", ["/api/v1/followups/", "/api/v1/visits/"])
def test_impossible_filter_date_on_the_api_is_400(sales_rep, url):
    response = api(sales_rep).get(url, {"date_from": "2024-13-45", "date_to": "9999-12-31"})
    assert response.status_code == 400
    assert response.json() == {
        "date_from": ["“2024-13-45” is not a valid date (use YYYY-MM-DD); that filter was ignored."],
        "date_to": ["“9999-12-31” is outside the dates a filter can cover (1900-01-01 to 9998-12-31); "
                    "that filter was ignored."]}


@pytest.mark.parametrize(("url", "params"), [
    ("/sales/calendar/", {"date": "9999-12-31"}), ("/sales/calendar/", {"date": "0001-01-01"}),
    ("/sales/calendar/", {"who": "99999999999999999999999"}), ("/sales/reports/missing/", {"date": "9999-12-31"}),
    ("/sales/reports/", {"date": "2024-13-45", "author": "abc"}), ("/sales/urges/", {"customer": "9" * 23}),
    ("/leads/", {"owner": "9" * 23}), ("/opportunities/", {"stage": "9" * 23, "close_from": "2024-02-30"}),
    ("/sales/overview/", {"pipeline": "9" * 23}), ("/emails/", {"customer": "9" * 23}),
    ("/customers/", {"owner": "9" * 23, "created_from": "0001-01-01"}), ("/products/", {"page": "9" * 23}),
])
def test_odd_filters_never_answer_500(admin, url, params):
    assert page(admin).get(url, params).status_code == 200


@pytest.mark.parametrize(("url", "params", "key"), [
    ("/api/v1/report-missing/", {"date": "9999-12-31"}, "date"),
    ("/api/v1/opportunities/", {"customer": "9" * 23}, "customer"),
    ("/api/v1/urges/", {"opportunity": "abc"}, "opportunity"),
    ("/api/v1/leads/", {"owner": "9" * 23}, "owner"),
    ("/api/v1/sales-reports/", {"date": "2024-13-45"}, "date"),
])
def test_odd_filters_on_the_api_are_400(admin, url, params, key):
    response = api(admin).get(url, params)
    assert response.status_code == 400
    assert list(response.json()) == [key]


def test_calendar_api_refuses_an_impossible_start(sales_rep):
    response = api(sales_rep).get("/api/v1/calendar-items/", {"start": "2024-13-45T00:00:00Z",
                                                              "end": "2024-12-31T00:00:00Z"})
    assert response.status_code == 400
    assert response.json() == {"start": ["Give start and end as date-times with a time zone."]}


def test_kanban_move_to_a_stage_that_is_no_number(sales_rep):
    opportunity = make_opportunity(sales_rep, make_pipeline())
    response = page(sales_rep).post(f"/opportunities/{opportunity.pk}/move/", {"stage": "abc"})
    assert response.status_code == 200
    assert response.context["move_error"] == "Choose a stage of the opportunity's pipeline."
    assert Opportunity.objects.get(pk=opportunity.pk).stage_id == opportunity.stage_id


def test_weekly_report_for_the_last_day_of_the_calendar(sales_rep):
    response = page(sales_rep).post("/sales/reports/new/", {"kind": "weekly", "date": "9999-12-31", "done": "x"})
    assert response.status_code == 400
    assert texts(response) == ["A day of the period: The period of 9999-12-31 goes beyond the dates the calendar "
                               "covers; choose an earlier date."]
    assert SalesReport.objects.count() == 0


def test_report_of_an_unknown_kind_and_no_date(sales_rep):
    response = page(sales_rep).post("/sales/reports/new/", {"kind": "yearly", "date": "abc", "done": "x"})
    assert response.status_code == 400
    assert texts(response) == ["Kind: Select a valid choice. yearly is not one of the available choices.",
                               "A day of the period: Enter a valid date."]
    assert SalesReport.objects.count() == 0


def test_stale_version_that_is_no_number_is_no_500(sales_rep):
    opportunity = make_opportunity(sales_rep, make_pipeline())
    response = page(sales_rep).post(f"/opportunities/{opportunity.pk}/edit/", {"version": "abc"})
    assert response.status_code in (200, 400)


def test_huge_amount_says_it_is_too_large(sales_rep):
    pipeline = make_pipeline()
    customer = CustomerFactory(owner=sales_rep)
    response = api(sales_rep).post("/api/v1/opportunities/", {
        "name": "大单", "customer": customer.pk, "pipeline": pipeline.pk, "amount": "1e30"}, format="json")
    assert response.status_code == 400
    assert response.json()["amount"] == ["The amount is too large: at most 9,999,999,999,999,999.99."]
    form = page(sales_rep).post("/leads/new/", {"company_name": "甲", "contact_name": "乙", "status": "new",
                                                "estimated_amount": "1e30"})
    assert form.status_code in (200, 400)
    assert form.context["form"].errors["estimated_amount"] == [
        "The amount is too large: at most 9,999,999,999,999,999.99."]
    assert Opportunity.objects.count() == 0


def test_records_of_other_users_are_404(sales_rep, sales_rep_south):
    theirs = make_opportunity(sales_rep_south, make_pipeline())
    client = page(sales_rep)
    assert client.post(f"/opportunities/{theirs.pk}/move/", {"stage": theirs.stage_id}).status_code == 404
    assert client.post(f"/opportunities/{theirs.pk}/lost/", {"reason": ""}).status_code == 404
    assert api(sales_rep).get(f"/api/v1/opportunities/{theirs.pk}/").status_code == 404


# ---------------------------------------------------------------- 2. report submitted


def test_save_and_submit_says_submitted(sales_rep):
    response = page(sales_rep).post("/sales/reports/new/", {"kind": "daily", "date": "2024-05-10", "done": "拜访",
                                                            "submit": "1"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Report submitted."]
    assert SalesReport.objects.get().status == "submitted"


# ---------------------------------------------------------------- 3. visits


def visit_data(customer, **extra):
    return {"customer": customer, "purpose": "拜访", "date": dt.date(2024, 3, 31), "start_time": dt.time(10, 0),
            "end_time": dt.time(11, 0), "time_zone": "Europe/Berlin", **extra}


def test_visit_in_the_dst_gap_is_refused(sales_rep):
    customer = CustomerFactory(owner=sales_rep)
    with pytest.raises(Exception) as refused:
        activity.visit_create(by=sales_rep, data=visit_data(customer, start_time=dt.time(2, 30),
                                                             end_time=dt.time(3, 30)))
    assert refused.value.message_dict == {"start_time": [
        "02:30 does not exist in Europe/Berlin on 2024-03-31: the clocks skip that hour (daylight saving time). "
        "Choose another time."]}
    assert VisitPlan.objects.count() == 0


def test_ambiguous_autumn_time_is_its_first_occurrence(sales_rep):
    customer = CustomerFactory(owner=sales_rep)
    visit = activity.visit_create(by=sales_rep, data=visit_data(
        customer, date=dt.date(2024, 10, 27), start_time=dt.time(2, 30), end_time=dt.time(3, 30)))
    assert visit.starts_at == dt.datetime(2024, 10, 27, 0, 30, tzinfo=UTC)  # still summer time (+02:00)


def test_reminder_already_past_is_not_scheduled(sales_rep):
    customer = CustomerFactory(owner=sales_rep)
    visit = activity.visit_create(by=sales_rep, data=visit_data(customer, remind_minutes=15))
    assert not Reminder.objects.filter(key=f"visit:{visit.pk}").exists()


def test_weekly_series_is_limited_to_two_years(sales_rep):
    customer = CustomerFactory(owner=sales_rep)
    with pytest.raises(Exception) as refused:
        activity.visit_create(by=sales_rep, data=visit_data(customer, recurrence="weekly",
                                                             repeat_until=dt.date(2027, 1, 1)))
    assert refused.value.message_dict == {"repeat_until": [
        "A weekly visit repeats for at most 2 years: choose a last day on or before 2026-03-31."]}
    ok = activity.visit_create(by=sales_rep, data=visit_data(customer, recurrence="weekly",
                                                             repeat_until=dt.date(2026, 3, 31)))
    assert ok.repeat_until == dt.date(2026, 3, 31)


def test_completed_visit_hides_the_check_in_form_and_keeps_check_ins(sales_rep, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2024, 3, 31, 8, 10, tzinfo=UTC))
    customer = CustomerFactory(owner=sales_rep)
    visit = activity.visit_create(by=sales_rep, data=visit_data(customer, remind_minutes=0))
    activity.checkin_add(visit=visit, by=sales_rep, latitude="31.2", longitude="121.4", address="上海")
    client = page(sales_rep)
    planned = client.get(f"/sales/visits/{visit.pk}/").content.decode()
    assert 'id="checkin-form"' in planned
    assert '<dd class="col-sm-8" data-testid="visit-reminder">at the start time</dd>' in planned
    activity.visit_complete(visit=VisitPlan.objects.get(pk=visit.pk), by=sales_rep, result="谈妥")
    done = client.get(f"/sales/visits/{visit.pk}/").content.decode()
    assert 'id="checkin-form"' not in done
    assert "上海" in done


# ---------------------------------------------------------------- 4. labels instead of field names and codes


def test_lost_without_reason_names_the_field_by_its_label(sales_rep):
    opportunity = make_opportunity(sales_rep, make_pipeline())
    response = page(sales_rep).post(f"/opportunities/{opportunity.pk}/lost/", {"reason": ""})
    assert response.status_code == 302
    assert texts(response) == ["Won / lost reason: Say why the opportunity was lost."]
    assert Opportunity.objects.get(pk=opportunity.pk).status == "open"


def test_conversion_duplicates_show_reason_labels(sales_rep):
    customer = CustomerFactory(owner=sales_rep, name="上海示例贸易有限公司")
    from forpcrm.customers.tests.factories import ContactFactory

    ContactFactory(customer=customer, name="陈杰", email="chen.jie@example.com")
    lead = leads.lead_create(by=sales_rep, data={"company_name": "上海示例贸易有限公司", "contact_name": "陈杰",
                                                 "email": "chen.jie@example.com"})
    text = page(sales_rep).get(f"/leads/{lead.pk}/convert/").content.decode()
    assert "· same e-mail, same name</li>" in text
    assert "· email, name" not in text


def test_lead_list_shows_source_labels(admin, sales_rep):
    from forpcrm.customfields.services import picklist_option_create

    picklist_option_create(by=admin, kind="source", value="exhibition", data={"label": "展会", "label_en": "Trade fair"})
    leads.lead_create(by=sales_rep, data={"company_name": "甲公司", "contact_name": "乙", "source": "exhibition"})
    text = page(sales_rep).get("/leads/").content.decode()
    assert "<td>Trade fair</td>" in text
    assert "<td>exhibition</td>" not in text


# ---------------------------------------------------------------- 5. detail labels and amounts


def test_opportunity_detail_labels_status_and_amounts(sales_rep):
    opportunity = make_opportunity(sales_rep, make_pipeline(), amount=Decimal("100000"))
    client = page(sales_rep)
    text = client.get(f"/opportunities/{opportunity.pk}/").content.decode()
    for label in ("Customer", "Pipeline", "Amount", "Win probability (%)", "Owner"):
        assert f'<dt class="col-4">{label}</dt>' in text
    assert '<span class="badge ms-2" data-testid="opportunity-status">Open</span>' in text
    assert "100,000.00 CNY" in text
    assert "100,000.00 CNY" in client.get("/opportunities/").content.decode()
    assert "100,000.00 CNY" in client.get("/sales/kanban/").content.decode()
    assert "100,000.00" in client.get("/sales/overview/").content.decode()
    zh = client.get(f"/opportunities/{opportunity.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "100,000.00 CNY" in zh


def test_money_filter():
    from forpcrm.core.templatetags.forp import money

    assert [money(Decimal("100000")), money("1234.5"), money(None), money(0)] == [
        "100,000.00", "1,234.50", "", "0.00"]


# ---------------------------------------------------------------- 6. bulk owner only with owners


def test_bulk_assign_owner_needs_transfer(sales_rep, sales_manager):
    make_opportunity(sales_rep, make_pipeline())
    rep_page = page(sales_rep).get("/opportunities/").content.decode()
    assert '<option value="owner">' not in rep_page
    assert 'name="owner" aria-label' not in rep_page
    manager_page = page(sales_manager).get("/opportunities/").content.decode()
    assert '<option value="owner">' in manager_page


# ---------------------------------------------------------------- 7. and 8. error pages, language menu


def test_error_pages_with_debug_off(settings, sales_rep):
    settings.DEBUG = False
    client = page(sales_rep)
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert "Page not found. The address may be wrong" in missing.content.decode()
    assert 'id="main-nav"' in missing.content.decode()  # the product layout


def test_500_page_needs_no_request_and_no_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        html = render_to_string("500.html")
    assert "Something went wrong on the server." in html
    assert "tabler.min.css" in html


def test_403_page_renders_in_the_layout(rf, sales_rep):
    html = render_to_string("403.html", {"user": sales_rep})
    assert "Access denied." in html


def test_language_menu_shows_each_language_in_its_own_name(sales_rep):
    text = page(sales_rep).get("/sales/followups/").content.decode()
    assert '<option value="zh-hans" lang="zh-hans">简体中文</option>' in text
    assert '<option value="en" lang="en" selected>English</option>' in text


def test_berlin_zone_helper():
    from forpcrm.core.timezones import wall_time_exists

    assert not wall_time_exists(dt.date(2024, 3, 31), dt.time(2, 30), "Europe/Berlin")
    assert wall_time_exists(dt.date(2024, 10, 27), dt.time(2, 30), "Europe/Berlin")
    assert ZoneInfo("Europe/Berlin")
