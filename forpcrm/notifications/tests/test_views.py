"""Inbox, mark read (plain and HTMX), preferences page, the header bell; only the recipient sees anything."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from forpcrm.notifications import services
from forpcrm.notifications.context_processors import bell
from forpcrm.notifications.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db
INBOX = "/notifications/"


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def make(user, n, **kw):
    return [services.notify(recipient=user, kind=kw.get("kind", "system"), title=f"{kw.get('prefix', 'n')}{i}",
                            url=kw.get("url", "")) for i in range(n)]


def test_url_names():
    assert reverse("notifications:inbox") == "/notifications/"
    assert reverse("notifications:preferences") == "/notifications/preferences/"


def test_pages_need_login():
    client = Client()
    for url in (INBOX, "/notifications/preferences/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response["Location"]
    assert client.post("/notifications/read-all/").status_code == 302
    # the polling bell of a page whose session ended: HTMX stops polling (286) and swaps nothing
    response = client.get("/notifications/bell/", HTTP_HX_REQUEST="true")
    assert (response.status_code, response.content) == (286, b"")


def test_inbox_lists_only_my_notifications_newest_first(sales_rep, sales_manager):
    make(sales_rep, 3, prefix="我的")
    make(sales_manager, 2, prefix="别人的")
    response = client_for(sales_rep).get(INBOX)
    assert response.status_code == 200
    titles = [n.title for n in response.context["notifications"]]
    assert titles == ["我的2", "我的1", "我的0"]
    assert "别人的" not in response.content.decode()
    assert response.context["page_obj"].paginator.count == 3


def test_inbox_filters_by_read_state_and_kind(sales_rep):
    comments = make(sales_rep, 2, kind="comment", prefix="c")
    make(sales_rep, 1, kind="mention", prefix="m")
    services.notifications_mark_read(user=sales_rep, ids=[comments[0].pk])
    client = client_for(sales_rep)

    def titles(query):
        return [n.title for n in client.get(INBOX, query).context["notifications"]]

    assert titles({"status": "unread"}) == ["m0", "c1"]
    assert titles({"status": "read"}) == ["c0"]
    assert titles({"kind": "comment"}) == ["c1", "c0"]
    assert titles({"kind": "comment", "status": "unread"}) == ["c1"]
    assert titles({"kind": "bogus", "status": "bogus"}) == ["m0", "c1", "c0"]  # unknown filters are ignored


def test_inbox_pages_with_a_fixed_number_of_queries(sales_rep, django_assert_num_queries):
    client = client_for(sales_rep)
    make(sales_rep, 3)
    client.get(INBOX)  # warm the session
    with django_assert_num_queries(6) as few:  # session, user, bell count, page count, page rows, + access
        assert client.get(INBOX).status_code == 200
    make(sales_rep, 60, url="/customers/1/")
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(INBOX, {"page": 2})
    assert len(response.context["notifications"]) == 25
    assert response.context["page_obj"].number == 2
    assert client.get(INBOX, {"page_size": 100}).context["page_obj"].paginator.per_page == 100


def test_htmx_filter_returns_the_list_fragment(sales_rep):
    make(sales_rep, 2)
    response = client_for(sales_rep).get(INBOX, {"status": "unread"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and 'id="notification-list"' in body


def test_mark_one_read_and_back_to_unread(sales_rep):
    note = make(sales_rep, 1)[0]
    client = client_for(sales_rep)
    url = f"/notifications/{note.pk}/read/"
    response = client.post(url, {"next": "/notifications/?status=unread"})
    assert (response.status_code, response["Location"]) == (302, "/notifications/?status=unread")
    assert Notification.objects.get(pk=note.pk).read_at is not None
    response = client.post(url, {"unread": "1", "next": "https://evil.example.com/"})
    assert response["Location"] == "/notifications/"  # never an outside address
    assert Notification.objects.get(pk=note.pk).read_at is None


def test_mark_read_with_htmx_returns_the_row_and_the_bell(sales_rep):
    notes = make(sales_rep, 2)
    response = client_for(sales_rep).post(f"/notifications/{notes[0].pk}/read/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert f'id="notification-{notes[0].pk}"' in body and 'data-read="1"' in body
    assert 'id="nav-bell"' in body and 'hx-swap-oob="true"' in body and 'data-unread="1"' in body


def test_mark_all_read(sales_rep, sales_manager):
    make(sales_rep, 3)
    other = make(sales_manager, 1)[0]
    client = client_for(sales_rep)
    response = client.post("/notifications/read-all/")
    assert response.status_code == 302
    assert Notification.objects.filter(recipient=sales_rep, read_at__isnull=True).count() == 0
    assert Notification.objects.get(pk=other.pk).read_at is None
    make(sales_rep, 30)
    response = client.post("/notifications/?kind=system", HTTP_HX_REQUEST="true")  # what the page's button does
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="notification-list"' in body and body.count('data-read="1"') == 25
    assert 'action="/notifications/"' in body and "read-all" not in body  # paging stays on the inbox
    assert 'id="nav-bell"' in body and "data-unread" not in body and body.count('id="nav-bell"') == 1
    assert Notification.objects.filter(recipient=sales_rep, read_at__isnull=True).count() == 0


def test_another_users_notification_is_404_everywhere_and_unchanged(sales_rep, sales_manager):
    theirs = make(sales_manager, 1, url="/customers/1/")[0]
    client = client_for(sales_rep)
    assert client.get(f"/notifications/{theirs.pk}/").status_code == 404
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert client.post(f"/notifications/{theirs.pk}/read/", HTTP_HX_REQUEST="true").status_code == 404
    assert client.get("/notifications/999999/").status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_opening_a_notification_marks_it_read_and_goes_to_its_record(sales_rep):
    note = services.notify(recipient=sales_rep, kind="comment", title="t", url="/customers/7/")
    bad = services.notify(recipient=sales_rep, kind="comment", title="t", url="//evil.example.com/x")
    client = client_for(sales_rep)
    response = client.get(f"/notifications/{note.pk}/")
    assert (response.status_code, response["Location"]) == (302, "/customers/7/")
    assert Notification.objects.get(pk=note.pk).read_at is not None
    assert client.get(f"/notifications/{bad.pk}/")["Location"] == "/notifications/"
    body = client.get(INBOX).content.decode()
    assert f'href="/notifications/{note.pk}/"' in body


def test_titles_are_escaped(sales_rep):
    services.notify(recipient=sales_rep, kind="comment", title="<script>alert(1)</script>", body="<img src=x>")
    body = client_for(sales_rep).get(INBOX).content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<img src=x>" not in body


def test_preferences_page_shows_defaults_and_saves_choices(sales_rep):
    client = client_for(sales_rep)
    response = client.get("/notifications/preferences/")
    assert response.status_code == 200
    checked = {row["kind"] for row in response.context["rows"] if row["email"]}
    assert checked == {"urge_received", "urge_overdue", "report_reviewed"}
    response = client.post("/notifications/preferences/", {"email": ["comment", "pool_warning"]})
    assert (response.status_code, response["Location"]) == (302, "/notifications/preferences/")
    assert set(NotificationPreference.objects.filter(user=sales_rep, email=True).values_list("kind", flat=True)) == {
        "comment", "pool_warning"}
    response = client.post("/notifications/preferences/", {"email": ["comment", "bogus"]})
    assert response.status_code == 200  # refused, what was ticked stays ticked
    assert {row["kind"] for row in response.context["rows"] if row["email"]} == {"comment"}
    assert set(NotificationPreference.objects.filter(user=sales_rep, email=True).values_list("kind", flat=True)) == {
        "comment", "pool_warning"}


def test_bell_shows_the_unread_count_in_the_header(sales_rep):
    client = client_for(sales_rep)
    body = client.get("/notifications/preferences/").content.decode()
    assert 'id="nav-bell"' in body and "data-unread" not in body
    make(sales_rep, 3)
    body = client.get("/notifications/preferences/").content.decode()
    assert 'data-unread="3"' in body and 'href="/notifications/"' in body
    make(sales_rep, 100)
    assert "99+" in client.get("/notifications/bell/").content.decode()


def test_bell_context_processor_queries(sales_rep, rf, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert bell(request) == {}
    make(sales_rep, 2)
    request.user = sales_rep
    with django_assert_num_queries(1):
        context = bell(request)
        assert context["notifications_bell"].count == 2
        assert context["notifications_bell"].count == 2  # cached: still one query
    with django_assert_num_queries(0):
        bell(request)  # nothing runs until a page shows the bell


def test_times_show_in_the_users_zone(sales_rep):
    sales_rep.time_zone = "Europe/Berlin"
    sales_rep.save()
    note = make(sales_rep, 1)[0]
    Notification.objects.filter(pk=note.pk).update(created_at=dt.datetime(2024, 3, 31, 8, 0, tzinfo=dt.UTC))
    assert "2024-03-31 10:00" in client_for(sales_rep).get(INBOX).content.decode()


def test_inbox_searches_title_and_text_with_the_other_filters(sales_rep, sales_manager, django_assert_num_queries):
    services.notify(recipient=sales_rep, kind="comment", title="华东周报已提交", body="请审阅")
    services.notify(recipient=sales_rep, kind="mention", title="新的提及", body="周报里提到你")
    read = services.notify(recipient=sales_rep, kind="comment", title="Weekly REPORT due", body="")
    services.notify(recipient=sales_rep, kind="comment", title="无关", body="其他")
    services.notify(recipient=sales_manager, kind="comment", title="别人的周报", body="")
    services.notifications_mark_read(user=sales_rep, ids=[read.pk])
    client = client_for(sales_rep)

    def titles(query):
        return [n.title for n in client.get(INBOX, query).context["notifications"]]

    assert titles({"q": "周报"}) == ["新的提及", "华东周报已提交"]
    assert titles({"q": "周报", "kind": "comment"}) == ["华东周报已提交"]
    assert titles({"q": "report", "status": "read"}) == ["Weekly REPORT due"]
    assert titles({"q": "weekly due"}) == ["Weekly REPORT due"]  # every word must match
    assert titles({"q": "周报 审阅"}) == ["华东周报已提交"]
    assert titles({"q": "没有"}) == []
    response = client.get(INBOX, {"q": "周报"})
    assert 'name="q" value="周报"' in response.content.decode()
    with django_assert_num_queries(6):  # the search adds no query
        client.get(INBOX, {"q": "周报", "kind": "comment", "status": "unread"})
