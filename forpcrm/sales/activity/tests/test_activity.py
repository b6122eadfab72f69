import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from forpcrm.core.errors import ApplicationError
from forpcrm.customers.models import Customer
from forpcrm.customers.tests.factories import ContactFactory, CustomerFactory
from forpcrm.notifications.models import Notification, NotificationKind, Reminder
from forpcrm.sales.activity import selectors, services, timeline
from forpcrm.sales.activity.models import CheckIn, Comment, FollowUp, VisitPlan, VisitStatus

UTC = dt.UTC
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def at(*args):
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def world(sales_rep, sales_rep_south, sales_manager):
    a = CustomerFactory(name="甲公司", owner=sales_rep)
    b = CustomerFactory(name="乙公司", owner=sales_rep_south)
    return a, b


def fu(user, customer, when, **extra):
    return services.followup_create(by=user, data={"customer": customer, "kind": "phone", "at": when,
                                                   "content": "电话沟通", **extra})


# ---------------------------------------------------------------- follow-ups and the customer


def test_customer_last_and_next_followup_follow_create_edit_delete(world, sales_rep, sales_manager):
    customer, _other = world
    now = timezone.now()
    first = fu(sales_rep, customer, now - dt.timedelta(days=3), next_at=now + dt.timedelta(days=5),
               next_content="送样")
    second = fu(sales_rep, customer, now - dt.timedelta(days=1), next_at=now + dt.timedelta(days=2))
    customer.refresh_from_db()
    assert customer.last_followup_at == second.at
    assert customer.next_followup_at == second.next_at
    assert Reminder.objects.get(key=f"followup:{first.pk}").fire_at == first.next_at

    services.followup_update(followup=second, by=sales_rep, data={"at": now - dt.timedelta(days=4), "next_at": None})
    customer.refresh_from_db()
    assert customer.last_followup_at == first.at
    assert customer.next_followup_at == first.next_at
    assert not Reminder.objects.filter(key=f"followup:{second.pk}").exists()

    services.followup_delete(followup=first, by=sales_manager)  # reps may not delete; their manager may
    customer.refresh_from_db()
    assert customer.last_followup_at == now - dt.timedelta(days=4)
    assert customer.next_followup_at is None
    assert not Reminder.objects.filter(key=f"followup:{first.pk}").exists()
    services.followup_delete(followup=FollowUp.objects.get(pk=second.pk), by=sales_manager)
    customer.refresh_from_db()
    assert (customer.last_followup_at, customer.next_followup_at) == (None, None)
    assert services.days_without_followup(customer) is None


def test_contact_and_opportunity_must_belong_to_the_customer(world, sales_rep):
    customer, _ = world
    stranger = ContactFactory(customer=CustomerFactory(owner=sales_rep), name="外人")
    with pytest.raises(ValidationError) as exc:
        fu(sales_rep, customer, timezone.now(), contact=stranger)
    assert "contact" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.followup_create(by=sales_rep, data={"customer": customer, "kind": "fax", "content": "x"})
    assert FollowUp.objects.count() == 0


def test_rep_b_cannot_see_rep_a_followups(world, sales_rep, sales_rep_south, client):
    customer, _ = world
    record = fu(sales_rep, customer, timezone.now() - dt.timedelta(hours=1))
    client.force_login(sales_rep_south)
    assert client.get(reverse("sales:followup_detail", args=[record.pk])).status_code == 404
    assert client.get(f"/api/v1/followups/{record.pk}/").status_code == 404
    body = client.get("/api/v1/followups/").json()
    assert body["count"] == 0
    page = client.get(reverse("sales:followup_list"))
    assert page.status_code == 200 and "电话沟通" not in page.content.decode()
    start = timezone.now() - dt.timedelta(days=1)
    assert selectors.calendar_items(user=sales_rep_south, start=start, end=start + dt.timedelta(days=2),
                                    who=None) == []
    with pytest.raises(ValidationError):  # may not write on a customer they cannot see
        fu(sales_rep_south, customer, timezone.now())
    resp = client.post("/api/v1/comments/", {"target_type": "sales.followup", "target_id": record.pk, "body": "hi"})
    assert resp.status_code == 404 and Comment.objects.count() == 0
    # the manager of rep A sees it everywhere
    assert list(timeline.followup_items(user=sales_rep_south, customer=customer, limit=10)) == []
    assert [i.details["id"] for i in timeline.followup_items(user=sales_rep, customer=customer, limit=10)] == [record.pk]


# ---------------------------------------------------------------- comments


def test_comment_notifies_owner_and_mentions(world, sales_rep, sales_manager, sales_rep_south):
    customer, _ = world
    record = fu(sales_rep, customer, timezone.now())
    comment = services.comment_add(by=sales_manager, target=record,
                                   body="请跟进 @sales_rep 和 @sales_rep_south @nobody")
    assert (comment.target_type, comment.target_id) == ("sales.followup", str(record.pk))
    # the owner is mentioned: one MENTION, no extra COMMENT; rep_south cannot see the record: nothing
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [
        ("sales_rep", NotificationKind.MENTION)]
    services.comment_add(by=sales_manager, target=record, body="好")
    assert Notification.objects.filter(recipient=sales_rep, kind=NotificationKind.COMMENT).count() == 1
    services.comment_add(by=sales_rep, target=record, body="收到")  # own comment: nothing for the owner
    assert Notification.objects.count() == 2
    assert [c.body for c in selectors.comments_for(target=record)] == [
        "请跟进 @sales_rep 和 @sales_rep_south @nobody", "好", "收到"]


def test_comment_api_and_page(world, sales_rep, sales_manager, client):
    customer, _ = world
    record = fu(sales_rep, customer, timezone.now())
    client.force_login(sales_manager)
    resp = client.post("/api/v1/comments/", {"target_type": "sales.followup", "target_id": record.pk,
                                             "body": "<b>看</b>"}, content_type="application/json")
    assert resp.status_code == 201 and resp.json()["body"] == "<b>看</b>"
    listed = client.get(f"/api/v1/comments/?target_type=sales.followup&target_id={record.pk}").json()
    assert [c["body"] for c in listed["results"]] == ["<b>看</b>"]
    page = client.get(reverse("sales:followup_detail", args=[record.pk])).content.decode()
    assert "&lt;b&gt;看&lt;/b&gt;" in page


# ---------------------------------------------------------------- visits


def test_visit_reminder_c16_shanghai_and_berlin(world, sales_rep, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: at(2024, 3, 1))  # planned ahead of time
    customer, _ = world
    visit = services.visit_create(by=sales_rep, data={
        "customer": customer, "purpose": "拜访", "date": dt.date(2024, 5, 10), "start_time": dt.time(10, 0),
        "end_time": dt.time(11, 0), "time_zone": "Asia/Shanghai", "remind_minutes": 15})
    assert visit.starts_at == at(2024, 5, 10, 2, 0)
    assert Reminder.objects.get(key=f"visit:{visit.pk}").fire_at == at(2024, 5, 10, 1, 45)
    berlin = services.visit_create(by=sales_rep, data={
        "customer": customer, "purpose": "call", "date": dt.date(2024, 3, 31), "start_time": dt.time(10, 0),
        "end_time": dt.time(10, 30), "time_zone": "Europe/Berlin", "remind_minutes": 30})
    assert Reminder.objects.get(key=f"visit:{berlin.pk}").fire_at == at(2024, 3, 31, 7, 30)
    services.visit_update(visit=visit, by=sales_rep, data={"remind_minutes": 60})
    assert Reminder.objects.get(key=f"visit:{visit.pk}").fire_at == at(2024, 5, 10, 1, 0)
    services.visit_cancel(visit=VisitPlan.objects.get(pk=visit.pk), by=sales_rep)
    assert not Reminder.objects.filter(key=f"visit:{visit.pk}").exists()


def test_weekly_visit_keeps_local_time_across_dst(world, sales_rep):
    customer, _ = world
    plan = services.visit_create(by=sales_rep, data={
        "customer": customer, "purpose": "周会", "date": dt.date(2024, 3, 18), "start_time": dt.time(9, 0),
        "end_time": dt.time(10, 0), "time_zone": "Europe/Berlin", "recurrence": "weekly"})
    occ = services.visit_occurrences(plan, start=at(2024, 3, 18), end=at(2024, 4, 8))
    assert [s for s, _e in occ] == [at(2024, 3, 18, 8), at(2024, 3, 25, 8), at(2024, 4, 1, 7)]  # summer time from 31 March
    assert services.visit_next_occurrence(plan, after=at(2024, 3, 26)) == at(2024, 4, 1, 7)
    plan.remind_minutes = 10
    assert services.visit_reminder_fire_at(plan, now=at(2024, 3, 25, 8, 30)) == at(2024, 4, 1, 6, 50)


def test_recurring_reminder_rearm_job_is_idempotent(world, sales_rep):
    customer, _ = world
    now = timezone.now()
    start = (now + dt.timedelta(days=1)).astimezone(ZoneInfo("Asia/Shanghai"))
    plan = services.visit_create(by=sales_rep, data={
        "customer": customer, "purpose": "周会", "date": start.date(), "start_time": dt.time(9, 0),
        "end_time": dt.time(10, 0), "recurrence": "weekly", "remind_minutes": 5})
    first = Reminder.objects.get(key=f"visit:{plan.pk}").fire_at
    assert services.visit_reminders_rearm(now) == 0
    later = first + dt.timedelta(minutes=10)  # the occurrence has started: the reminder moves a week on
    assert services.visit_reminders_rearm(later) == 1
    assert Reminder.objects.get(key=f"visit:{plan.pk}").fire_at == first + dt.timedelta(days=7)
    assert services.visit_reminders_rearm(later) == 0


def test_complete_creates_exactly_one_followup(world, sales_rep, client):
    customer, _ = world
    contact = ContactFactory(customer=customer, name="王五")
    visit = services.visit_create(by=sales_rep, data={
        "customer": customer, "contacts": [contact], "purpose": "演示", "starts_at": timezone.now() - dt.timedelta(hours=2),
        "ends_at": timezone.now() - dt.timedelta(hours=1)})
    client.force_login(sales_rep)
    resp = client.post(reverse("sales:visit_complete", args=[visit.pk]), {"result": "客户满意"})
    assert resp.status_code == 302
    visit.refresh_from_db()
    assert visit.status == VisitStatus.DONE and visit.result == "客户满意"
    followups = list(FollowUp.objects.filter(visit=visit))
    assert [(f.kind, f.content, f.contact_id) for f in followups] == [("visit", "客户满意", contact.pk)]
    with pytest.raises(ApplicationError):
        services.visit_complete(visit=visit, by=sales_rep, result="again")
    assert FollowUp.objects.filter(visit=visit).count() == 1
    customer.refresh_from_db()
    assert customer.last_followup_at == followups[0].at


def test_missed_visit_job_is_idempotent(world, sales_rep):
    customer, _ = world
    now = timezone.now()
    old = services.visit_create(by=sales_rep, data={"customer": customer, "purpose": "old",
                                                    "starts_at": now - dt.timedelta(hours=27),
                                                    "ends_at": now - dt.timedelta(hours=25), "remind_minutes": 5})
    recent = services.visit_create(by=sales_rep, data={"customer": customer, "purpose": "recent",
                                                       "starts_at": now - dt.timedelta(hours=5),
                                                       "ends_at": now - dt.timedelta(hours=4)})
    assert services.visits_mark_missed(now) == 1
    assert services.visits_mark_missed(now) == 0
    assert VisitPlan.objects.get(pk=old.pk).status == VisitStatus.MISSED
    assert VisitPlan.objects.get(pk=recent.pk).status == VisitStatus.PLANNED
    assert not Reminder.objects.filter(key=f"visit:{old.pk}").exists()


def test_check_in_validation(world, sales_rep, sales_rep_south, client):
    customer, _ = world
    visit = services.visit_create(by=sales_rep, data={"customer": customer, "purpose": "拜访",
                                                      "starts_at": timezone.now(), "ends_at": timezone.now() + dt.timedelta(hours=1)})
    with pytest.raises(ValidationError) as exc:
        services.checkin_add(visit=visit, by=sales_rep, latitude="91", longitude="-181")
    assert set(exc.value.message_dict) == {"latitude", "longitude"}
    with pytest.raises(ValidationError) as exc:
        services.checkin_add(visit=visit, by=sales_rep, latitude="31.2", longitude="121.4",
                             photo=SimpleUploadedFile("x.png", b"MZ\x90\x00 not an image", content_type="image/png"))
    assert set(exc.value.message_dict) == {"photo"}
    assert CheckIn.objects.count() == 0
    client.force_login(sales_rep)
    resp = client.post(reverse("sales:visit_checkin", args=[visit.pk]), {
        "latitude": "31.230416", "longitude": "121.473701", "accuracy_m": "12", "address": "人民广场",
        "photo": SimpleUploadedFile("../../p.png", PNG, content_type="image/png")})
    assert resp.status_code == 302
    checkin = CheckIn.objects.get()
    assert (str(checkin.latitude), str(checkin.longitude), checkin.address) == ("31.230416", "121.473701", "人民广场")
    assert ".." not in checkin.photo.name
    assert "人民广场" in client.get(reverse("sales:visit_detail", args=[visit.pk])).content.decode()
    items = list(timeline.checkin_items(user=sales_rep, customer=customer, limit=10))
    assert [i.kind for i in items] == ["checkin"]
    api = client.post(f"/api/v1/visits/{visit.pk}/check-in/", {"latitude": 100, "longitude": 0},
                      content_type="application/json")
    assert api.status_code == 400 and "latitude" in api.json()
    client.force_login(sales_rep_south)
    assert client.post(f"/api/v1/visits/{visit.pk}/check-in/", {"latitude": 1, "longitude": 1},
                       content_type="application/json").status_code == 404
    assert CheckIn.objects.count() == 1


# ---------------------------------------------------------------- calendar


def test_calendar_day_week_month(world, sales_rep, sales_manager, client, django_assert_max_num_queries):
    customer, _other = world
    zone = ZoneInfo("Asia/Shanghai")
    visit = services.visit_create(by=sales_rep, data={"customer": customer, "purpose": "拜访甲",
                                                      "date": dt.date(2024, 5, 10), "start_time": dt.time(10),
                                                      "end_time": dt.time(11)})
    weekly = services.visit_create(by=sales_rep, data={"customer": customer, "purpose": "周会甲",
                                                       "date": dt.date(2024, 5, 6), "start_time": dt.time(9),
                                                       "end_time": dt.time(10), "recurrence": "weekly"})
    record = fu(sales_rep, customer, dt.datetime(2024, 5, 8, 15, tzinfo=zone),
                next_at=dt.datetime(2024, 5, 20, 9, tzinfo=zone), next_content="回访")
    client.force_login(sales_rep)
    with django_assert_max_num_queries(14):
        day = client.get(reverse("sales:calendar"), {"view": "day", "date": "2024-05-10"})
    ids = [(i.kind, i.record_id) for i in day.context["items"]]
    assert ids == [("visit", visit.pk)]
    week = client.get(reverse("sales:calendar"), {"view": "week", "date": "2024-05-08"})
    assert [(i.kind, i.record_id) for i in week.context["items"]] == [
        ("visit", weekly.pk), ("followup", record.pk), ("visit", visit.pk)]
    next_week = client.get(reverse("sales:calendar"), {"view": "week", "date": "2024-05-15"})
    assert [(i.kind, i.local_start.isoformat()) for i in next_week.context["items"]] == [
        ("visit", "2024-05-13T09:00:00+08:00")]
    with django_assert_max_num_queries(14):
        month = client.get(reverse("sales:calendar"), {"view": "month", "date": "2024-05-15"})
    kinds = [(i.kind, i.local_start.date().isoformat()) for i in month.context["items"]]
    assert kinds.count(("visit", "2024-05-06")) == 1 and ("next_followup", "2024-05-20") in kinds
    # grid 29 April – 2 June: the weekly plan on 6, 13, 20, 27 May, plus the one-off visit
    assert len([k for k in kinds if k[0] == "visit"]) == 5
    # the manager looks at the rep's calendar; rep B's customer never appears
    client.force_login(sales_manager)
    team = client.get(reverse("sales:calendar"), {"view": "day", "date": "2024-05-10", "who": sales_rep.pk})
    assert [(i.kind, i.record_id) for i in team.context["items"]] == ids
    mine = client.get(reverse("sales:calendar"), {"view": "day", "date": "2024-05-10"})
    assert mine.context["items"] == []
    feed = client.get("/api/v1/calendar-items/", {"start": "2024-05-10T00:00:00+08:00",
                                                  "end": "2024-05-11T00:00:00+08:00", "user": "team"})
    assert [(i["kind"], i["record_id"]) for i in feed.json()] == ids


# ---------------------------------------------------------------- lists, API, timeline, query counts


def test_lists_and_timeline_query_counts(world, sales_rep, client, django_assert_max_num_queries):
    customer, _ = world
    now = timezone.now()
    for i in range(30):
        fu(sales_rep, customer, now - dt.timedelta(hours=i + 1))
    for i in range(30):
        services.visit_create(by=sales_rep, data={"customer": customer, "purpose": f"v{i}",
                                                  "starts_at": now + dt.timedelta(days=i),
                                                  "ends_at": now + dt.timedelta(days=i, hours=1)})
    client.force_login(sales_rep)
    with django_assert_max_num_queries(12):
        resp = client.get(reverse("sales:followup_list"), {"page": 2})
    assert len(resp.context["followups"]) == 5 and resp.context["page_obj"].paginator.count == 30
    with django_assert_max_num_queries(12):
        resp = client.get(reverse("sales:visit_list"), {"sort": "starts_at"})
    assert [v.purpose for v in resp.context["visits"]][:2] == ["v0", "v1"]
    with django_assert_max_num_queries(10):
        api = client.get("/api/v1/followups/", {"customer": customer.pk, "kind": "phone"})
    assert api.json()["count"] == 30
    with django_assert_max_num_queries(12):
        assert client.get("/api/v1/visits/").json()["count"] == 30
    for provider, limit in ((timeline.followup_items, 20), (timeline.visit_items, 20),
                            (timeline.checkin_items, 20), (timeline.comment_items, 20)):
        sales_rep.refresh_from_db()
        list(provider(user=sales_rep, customer=customer, limit=limit))  # warm the grants cache
        with django_assert_max_num_queries(3):
            items = list(provider(user=sales_rep, customer=customer, limit=limit))
        assert len(items) in (0, 20)
    detail = client.get(reverse("customers:customer_detail", args=[customer.pk]))
    assert detail.status_code == 200 and "panel-followups" in detail.content.decode()


def test_api_crud_and_scope(world, sales_rep, sales_rep_south, client):
    customer, other = world
    client.force_login(sales_rep)
    resp = client.post("/api/v1/followups/", {"customer": customer.pk, "kind": "wechat", "content": "微信",
                                              "at": "2024-05-10T10:00:00+08:00"}, content_type="application/json")
    assert resp.status_code == 201, resp.content
    pk = resp.json()["id"]
    assert client.post("/api/v1/followups/", {"customer": other.pk, "kind": "phone", "content": "x"},
                       content_type="application/json").status_code == 400
    assert client.patch(f"/api/v1/followups/{pk}/", {"content": "改"}, content_type="application/json").json()[
        "content"] == "改"
    visit = client.post("/api/v1/visits/", {"customer": customer.pk, "purpose": "p",
                                            "starts_at": "2030-01-01T10:00:00+08:00",
                                            "ends_at": "2030-01-01T11:00:00+08:00", "remind_minutes": 15},
                        content_type="application/json")
    assert visit.status_code == 201, visit.content
    vid = visit.json()["id"]
    assert Reminder.objects.get(key=f"visit:{vid}").fire_at == at(2030, 1, 1, 1, 45)
    done = client.post(f"/api/v1/visits/{vid}/complete/", {"result": "ok"}, content_type="application/json")
    assert done.status_code == 201 and done.json()["kind"] == "visit"
    client.force_login(sales_rep_south)
    assert client.get(f"/api/v1/visits/{vid}/").status_code == 404
    assert client.delete(f"/api/v1/followups/{pk}/").status_code == 404
    assert FollowUp.objects.filter(pk=pk).exists()
    assert Customer.objects.get(pk=customer.pk).last_followup_at is not None


def test_demo_load_is_idempotent(world, sales_rep):
    from forpcrm.sales.activity.demo import demo_load

    first = demo_load()
    assert first["followups"] > 0 and first["visits"] == 2
    assert demo_load() == {"followups": 0, "visits": 0}


def test_pages_render_and_forms_keep_input(world, sales_rep, client):
    customer, other = world
    contact = ContactFactory(customer=customer, name="王五")
    client.force_login(sales_rep)
    form = client.get(reverse("sales:followup_create"), {"customer": customer.pk})
    assert form.status_code == 200
    pickers = form.context["form"].fields["customer"].queryset
    assert customer in pickers and other not in pickers
    bad = client.post(reverse("sales:followup_create"), {"customer": customer.pk, "kind": "phone",
                                                        "at": "2024-05-10T10:00", "content": "保留的内容",
                                                        "next_at": "2024-05-09T10:00"})
    assert bad.status_code == 200 and "保留的内容" in bad.content.decode() and FollowUp.objects.count() == 0
    assert client.get(reverse("sales:visit_create")).status_code == 200
    visit = services.visit_create(by=sales_rep, data={"customer": customer, "contacts": [contact], "purpose": "拜访",
                                                      "date": dt.date(2030, 1, 2), "start_time": dt.time(10),
                                                      "end_time": dt.time(11)})
    for url in (reverse("sales:visit_detail", args=[visit.pk]), reverse("sales:visit_edit", args=[visit.pk]),
                reverse("sales:contact_activity", args=[contact.pk]), reverse("sales:visit_list"),
                reverse("sales:calendar")):
        assert client.get(url).status_code == 200, url
    edit = client.get(reverse("sales:visit_edit", args=[visit.pk]))
    assert edit.context["form"].initial["start_time"] == dt.time(10)
