"""/api/v1/notifications/: the caller's own notifications, marking read, e-mail choices, the schema."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from forpcrm.notifications import services
from forpcrm.notifications.models import Notification

pytestmark = pytest.mark.django_db
BASE = "/api/v1/notifications/"


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def test_list_is_scoped_filtered_and_newest_first(sales_rep, sales_manager):
    a = services.notify(recipient=sales_rep, kind="comment", title="a <b>", url="/customers/1/")
    b = services.notify(recipient=sales_rep, kind="mention", title="b")
    services.notify(recipient=sales_manager, kind="comment", title="theirs")
    services.notifications_mark_read(user=sales_rep, ids=[a.pk])
    client = api(sales_rep)
    body = client.get(BASE).json()
    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [b.pk, a.pk]
    assert body["results"][1]["title"] == "a <b>"  # stored text unchanged
    assert body["results"][1]["is_read"] is True
    assert [r["id"] for r in client.get(BASE, {"unread": "true"}).json()["results"]] == [b.pk]
    assert [r["id"] for r in client.get(BASE, {"unread": "false"}).json()["results"]] == [a.pk]
    assert [r["id"] for r in client.get(BASE, {"kind": "comment"}).json()["results"]] == [a.pk]
    assert client.get(BASE, {"kind": "bogus"}).status_code == 400


def test_retrieve_and_read_others_answer_404_and_change_nothing(sales_rep, sales_manager):
    theirs = services.notify(recipient=sales_manager, kind="comment", title="theirs")
    mine = services.notify(recipient=sales_rep, kind="comment", title="mine")
    client = api(sales_rep)
    assert client.get(f"{BASE}{mine.pk}/").json()["title"] == "mine"
    assert client.get(f"{BASE}{theirs.pk}/").status_code == 404
    assert client.post(f"{BASE}{theirs.pk}/read/").status_code == 404
    assert client.post(f"{BASE}mark-read/", {"ids": [theirs.pk]}, format="json").json() == {"marked": 0}
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_read_one_and_unread_again(sales_rep):
    note = services.notify(recipient=sales_rep, kind="comment", title="x")
    client = api(sales_rep)
    assert client.post(f"{BASE}{note.pk}/read/").json()["is_read"] is True
    assert client.post(f"{BASE}{note.pk}/read/", {"unread": True}, format="json").json()["is_read"] is False


def test_mark_read_by_ids_or_all(sales_rep):
    notes = [services.notify(recipient=sales_rep, kind="system", title=str(i)) for i in range(3)]
    client = api(sales_rep)
    assert client.post(f"{BASE}mark-read/", {"ids": [notes[0].pk]}, format="json").json() == {"marked": 1}
    assert client.post(f"{BASE}mark-read/", {}, format="json").json() == {"marked": 2}
    assert client.post(f"{BASE}mark-read/", {"ids": None}, format="json").json() == {"marked": 0}
    assert client.post(f"{BASE}mark-read/", {"ids": ["x"]}, format="json").status_code == 400


def test_preferences_get_and_put(sales_rep):
    client = api(sales_rep)
    body = client.get(f"{BASE}preferences/").json()
    assert body["email_kinds"] == ["urge_received", "urge_overdue", "report_reviewed"]
    assert len(body["kinds"]) == 15
    assert body["kinds"][0] == {"kind": "followup_due", "label": "Follow-up due", "email": False,
                                "email_by_default": False}
    response = client.put(f"{BASE}preferences/", {"email_kinds": ["mention"]}, format="json")
    assert response.status_code == 200
    assert response.json()["email_kinds"] == ["mention"]
    assert client.get(f"{BASE}preferences/").json()["email_kinds"] == ["mention"]
    bad = client.put(f"{BASE}preferences/", {"email_kinds": ["nope"]}, format="json")
    assert bad.status_code == 400 and "email_kinds" in bad.json()
    assert client.get(f"{BASE}preferences/").json()["email_kinds"] == ["mention"]
    assert client.put(f"{BASE}preferences/", {"email_kinds": []}, format="json").json()["email_kinds"] == []


def test_anonymous_is_refused():
    assert APIClient().get(BASE).status_code in (401, 403)


def test_list_runs_a_fixed_number_of_queries(sales_rep, django_assert_num_queries):
    client = api(sales_rep)
    for i in range(3):
        services.notify(recipient=sales_rep, kind="system", title=str(i), actor=sales_rep)
    with django_assert_num_queries(2):  # count + page (actor joined)
        assert len(client.get(BASE).json()["results"]) == 3
    for i in range(30):
        services.notify(recipient=sales_rep, kind="system", title=str(i), actor=sales_rep)
    with django_assert_num_queries(2):
        assert len(client.get(BASE).json()["results"]) == 33


def test_schema_of_these_routes_has_no_warnings():
    from django.urls import include, path
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from rest_framework.routers import DefaultRouter

    from forpcrm.notifications.api import register

    router = DefaultRouter()
    register(router)
    GENERATOR_STATS.reset()
    schema = SchemaGenerator(patterns=[path("api/v1/", include(router.urls))]).get_schema(request=None, public=True)
    assert not GENERATOR_STATS._warn_cache and not GENERATOR_STATS._error_cache
    paths = schema["paths"]
    for route in (BASE, BASE + "{id}/", BASE + "{id}/read/", BASE + "mark-read/", BASE + "preferences/"):
        assert route in paths
    assert {"get", "put"} <= set(paths[BASE + "preferences/"])
    assert {p["name"] for p in paths[BASE]["get"]["parameters"]} >= {"unread", "kind", "page"}


def test_full_schema_names_the_kind_enum_once(tmp_path):
    import yaml

    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    assert BASE + "preferences/" in schema["paths"]
    components = schema["components"]["schemas"]
    ref = {"$ref": "#/components/schemas/NotificationKindEnum"}
    assert components["Notification"]["properties"]["kind"]["allOf"] == [ref]
    assert components["PreferencesUpdateRequest"]["properties"]["email_kinds"]["items"] == ref
