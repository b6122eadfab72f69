"""Token login, /me/, users and departments over the API."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from forpcrm.org.services import department_create, user_create

pytestmark = pytest.mark.django_db


def api(user=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


# --- token and session authentication ----------------------------------------------------------


@pytest.mark.parametrize("login", ["sales_rep", "sales_rep@example.com", "SALES_REP@example.com"])
def test_token_by_username_or_email_then_token_auth(sales_rep, login):
    response = api().post("/api/v1/auth/token/", {"username": login, "password": "pass1234"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert response.json()["user_id"] == sales_rep.pk
    assert Token.objects.get(user=sales_rep).key == token
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/me/").json()["username"] == "sales_rep"
    assert client.get("/api/v1/customers/").status_code == 200


def test_token_is_stable_across_logins(sales_rep):
    first = api().post("/api/v1/auth/token/", {"username": "sales_rep", "password": "pass1234"}).json()["token"]
    second = api().post("/api/v1/auth/token/", {"username": "sales_rep", "password": "pass1234"}).json()["token"]
    assert first == second


def test_token_refused_for_a_wrong_password_or_inactive_user(sales_rep):
    response = api().post("/api/v1/auth/token/", {"username": "sales_rep", "password": "wrong"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]
    sales_rep.is_active = False
    sales_rep.save()
    response = api().post("/api/v1/auth/token/", {"username": "sales_rep", "password": "pass1234"}, format="json")
    assert response.status_code == 400
    assert Token.objects.count() == 0


def test_bad_token_is_401(sales_rep):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token nope")
    assert client.get("/api/v1/me/").status_code == 401


def test_session_auth_needs_csrf_for_writes(sales_rep):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(sales_rep)
    assert client.get("/api/v1/customers/").status_code == 200
    response = client.post("/api/v1/customers/", {"name": "甲公司"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


# --- me, users, departments ----------------------------------------------------------------------


def test_me_lists_permissions_and_scopes(sales_rep):
    body = api(sales_rep).get("/api/v1/me/").json()
    assert body["username"] == "sales_rep"
    assert body["name"] == "张销售"
    assert body["department_name"] == "上海组"
    assert body["permissions"]["customers"] == {"actions": ["create", "edit", "export", "view"], "scope": 10}
    assert body["permissions"]["pool"] == {"actions": ["view"], "scope": 30}
    assert "administration" not in body["permissions"]


def test_users_are_the_active_ones_and_searchable(personas):
    personas.finance.is_active = False
    personas.finance.save()
    client = api(personas.sales_rep)
    body = client.get("/api/v1/users/").json()
    assert [u["username"] for u in body["results"]] == [
        "admin", "sales_manager", "sales_rep", "sales_rep_south", "customer_service"]
    assert [u["username"] for u in client.get("/api/v1/users/", {"q": "south"}).json()["results"]] == [
        "sales_rep_south"]
    assert client.get(f"/api/v1/users/{personas.finance.pk}/").status_code == 404
    only = client.get("/api/v1/users/", {"department": personas.sales_rep.department_id}).json()["results"]
    assert [u["username"] for u in only] == ["sales_rep"]


def test_departments_tree_in_path_order(departments, sales_rep):
    body = api(sales_rep).get("/api/v1/departments/").json()
    assert [d["name"] for d in body["results"]] == ["总部", "销售中心", "华东大区", "上海组", "华南大区"]
    assert body["results"][3]["parent"] == departments.east.pk
    assert body["results"][3]["depth"] == 3


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_users_list_query_count_is_fixed(admin, departments, django_assert_num_queries):
    client = api(admin)
    one = _queries(client, "/api/v1/users/")
    for i in range(19):
        user_create(username=f"u{i}", department=departments.south, manager=admin)
    with django_assert_num_queries(one):
        assert client.get("/api/v1/users/").json()["count"] == 20


def test_departments_list_query_count_is_fixed(admin, departments, django_assert_num_queries):
    client = api(admin)
    one = _queries(client, "/api/v1/departments/")
    for i in range(15):
        department_create(name=f"组{i}", parent=departments.south)
    with django_assert_num_queries(one):
        assert client.get("/api/v1/departments/").json()["count"] == 20


def test_token_with_an_email_key_and_revocation(sales_rep):
    response = api().post("/api/v1/auth/token/", {"email": "sales_rep@example.com", "password": "pass1234"},
                          format="json")
    assert response.status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.delete("/api/v1/auth/token/").status_code == 204
    assert Token.objects.count() == 0
    assert client.get("/api/v1/me/").status_code == 401
    assert APIClient().delete("/api/v1/auth/token/").status_code == 401
