"""Cases C07 (scope on every channel) and C08 (children through the parent) on the API channel."""

import pytest
from rest_framework.test import APIClient

from forpcrm.customers.tests.factories import ContactFactory, CustomerFactory
from forpcrm.org.models import Action, DataScope, Module, Role, RoleGrant
from forpcrm.org.services import department_create, user_create

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


# --- C07 -----------------------------------------------------------------------------------------


@pytest.fixture
def c07(request):
    """Departments 华东 and 华南; role "sales" with scope "own department"; east1 in 华东;
    C1 owned by a colleague in 华东, C2 in 华南."""
    east = department_create(name="华东")
    south = department_create(name="华南")
    role = Role.objects.create(code="sales", name="销售")
    RoleGrant.objects.create(role=role, module=Module.CUSTOMERS, actions=[Action.VIEW, Action.CREATE, Action.EDIT],
                             scope=request.param)
    east1 = user_create(username="east1", password="pass1234", department=east, roles=[role])
    east2 = user_create(username="east2", password="pass1234", department=east, roles=[role])
    south1 = user_create(username="south1", password="pass1234", department=south, roles=[role])
    c1 = CustomerFactory(owner=east2, name="上海东方示例有限公司")
    c2 = CustomerFactory(owner=south1, name="深圳南方示例有限公司")
    return east1, c1, c2


SCOPE_VALUES = [DataScope.DEPARTMENT, 30, "30"]


@pytest.mark.parametrize("c07", SCOPE_VALUES, indirect=True, ids=["enum", "int", "str"])
def test_c07_list_search_count_and_detail_show_only_the_own_department(c07):
    east1, c1, c2 = c07
    client = api(east1)
    listing = client.get("/api/v1/customers/").json()
    assert listing["count"] == 1
    assert [r["id"] for r in listing["results"]] == [c1.pk]
    found = client.get("/api/v1/customers/", {"search": "有限公司"}).json()
    assert found["count"] == 1
    assert [r["name"] for r in found["results"]] == ["上海东方示例有限公司"]
    assert client.get("/api/v1/customers/", {"q": "深圳"}).json()["count"] == 0
    assert client.get(f"/api/v1/customers/{c1.pk}/").status_code == 200
    response = client.get(f"/api/v1/customers/{c2.pk}/")
    assert response.status_code == 404
    assert "深圳" not in response.content.decode()


@pytest.mark.parametrize("c07", SCOPE_VALUES, indirect=True, ids=["enum", "int", "str"])
def test_c07_writes_outside_the_department_are_404_and_change_nothing(c07):
    east1, c1, c2 = c07
    client = api(east1)
    for method, url, body in [
        ("patch", f"/api/v1/customers/{c2.pk}/", {"name": "改名"}),
        ("get", f"/api/v1/customers/{c2.pk}/history/", None),
        ("get", f"/api/v1/customers/{c2.pk}/team/", None),
        ("put", f"/api/v1/customers/{c2.pk}/tags/", {"tags": ["x"]}),
        ("post", f"/api/v1/customers/{c1.pk}/merge/", {"merged": c2.pk}),
    ]:
        response = getattr(client, method)(url, body, format="json", HTTP_IF_MATCH='"1"')
        assert response.status_code == 404, (method, url)
    c2.refresh_from_db()
    assert (c2.name, c2.version, c2.deleted_at, list(c2.tags.all())) == ("深圳南方示例有限公司", 1, None, [])


@pytest.mark.parametrize("c07", [DataScope.DEPARTMENT], indirect=True)
def test_c07_duplicate_check_does_not_reveal_the_other_record(c07):
    east1, _c1, _c2 = c07
    response = api(east1).post("/api/v1/customers/duplicates/", {"name": "深圳南方示例有限公司"}, format="json")
    assert response.json() == [{"customer_id": None, "name": "深圳南方示例有限公司", "owner_name": "south1",
                                "reasons": ["name"], "is_visible": False}]


# --- C08 -----------------------------------------------------------------------------------------


@pytest.fixture
def c08():
    """Role "purchaser": customers view, contacts none. 广州示例有限公司 has contact 刘洋 (13700000003)."""
    role = Role.objects.create(code="purchaser", name="采购")
    RoleGrant.objects.create(role=role, module=Module.CUSTOMERS, actions=[Action.VIEW], scope=DataScope.ALL)
    purchaser = user_create(username="purchaser", password="pass1234", roles=[role])
    customer = CustomerFactory(name="广州示例有限公司")
    contact = ContactFactory(customer=customer, name="刘洋", mobile="13700000003")
    return purchaser, customer, contact


@pytest.mark.parametrize("expand", [None, "", "contacts", "contacts,team", "contacts.mobile", "*", "all",
                                    "payments", "CONTACTS"])
def test_c08_customer_detail_never_includes_contacts(c08, expand):
    purchaser, customer, _contact = c08
    params = {} if expand is None else {"expand": expand}
    response = api(purchaser).get(f"/api/v1/customers/{customer.pk}/", params)
    assert response.status_code == 200
    assert response.json()["name"] == "广州示例有限公司"
    assert "contacts" not in response.json()
    assert "payments" not in response.json()
    raw = response.content.decode()
    assert "刘洋" not in raw
    assert "13700000003" not in raw


def test_c08_contacts_endpoints_are_refused(c08):
    purchaser, customer, contact = c08
    client = api(purchaser)
    assert client.get(f"/api/v1/customers/{customer.pk}/contacts/").status_code == 403
    assert client.post(f"/api/v1/customers/{customer.pk}/contacts/", {"name": "新"}, format="json").status_code == 403
    assert client.get("/api/v1/contacts/").status_code == 403
    assert client.get(f"/api/v1/contacts/{contact.pk}/").status_code == 403
    assert client.get("/api/v1/contacts/", {"search": "13700000003"}).status_code == 403
    assert client.get("/api/v1/contacts/recycle-bin/").status_code == 403
    assert client.patch(f"/api/v1/contacts/{contact.pk}/", {"name": "x"}, format="json",
                        HTTP_IF_MATCH='"1"').status_code == 403
    contact.refresh_from_db()
    assert (contact.name, contact.version) == ("刘洋", 1)


def test_c08_search_by_the_contact_phone_finds_nothing(c08):
    purchaser, _customer, _contact = c08
    client = api(purchaser)
    for key in ("search", "q"):
        for text in ("13700000003", "0003", "刘洋"):
            body = client.get("/api/v1/customers/", {key: text}).json()
            assert body["count"] == 0, (key, text)
    listing = client.get("/api/v1/customers/").content.decode()
    assert "13700000003" not in listing
    assert "刘洋" not in listing


def test_c08_sales_rep_with_contacts_view_gets_them(sales_rep):
    customer = CustomerFactory(owner=sales_rep, name="广州示例有限公司")
    ContactFactory(customer=customer, name="刘洋", mobile="13700000003")
    client = api(sales_rep)
    detail = client.get(f"/api/v1/customers/{customer.pk}/", {"expand": "contacts"}).json()
    assert [c["mobile"] for c in detail["contacts"]] == ["13700000003"]
    assert client.get("/api/v1/contacts/", {"search": "13700000003"}).json()["count"] == 1
