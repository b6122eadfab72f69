"""Scope on the pages: C07 (own-department role), C08 (children through the parent) and an access
matrix per page for five personas that also checks nothing changed on a denied write."""

import pytest
from django.urls import reverse

from forpcrm.customers.models import Contact, Customer
from forpcrm.customers.tests.factories import ContactFactory, CustomerFactory
from forpcrm.customers.tests.page_helpers import customer_post
from forpcrm.org.models import Action, DataScope, Module, Role
from forpcrm.org.services import department_create, role_grant_set, user_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def _body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


@pytest.fixture
def c07(db):
    east = department_create(name="华东")
    south = department_create(name="华南")
    sales = Role.objects.create(code="sales", name="sales")
    role_grant_set(role=sales, module=Module.CUSTOMERS, actions=[Action.VIEW, Action.CREATE, Action.EDIT,
                                                                 Action.EXPORT], scope=DataScope.DEPARTMENT)
    east1 = user_create(username="east1", password="pass1234", department=east, roles=[sales])
    east2 = user_create(username="east2", password="pass1234", department=east, roles=[sales])
    south1 = user_create(username="south1", password="pass1234", department=south, roles=[sales])
    c1 = CustomerFactory(owner=east2, name="C1华东示例有限公司")
    c2 = CustomerFactory(owner=south1, name="C2华南示例有限公司")
    return east1, c1, c2


def test_c07_pages_show_c1_only(client, c07):
    east1, c1, c2 = c07
    client.force_login(east1)
    # list and search
    listing = client.get(reverse("customers:customer_list"))
    assert [row["record"].pk for row in listing.context["rows"]] == [c1.pk]
    searched = client.get(reverse("customers:customer_list"), {"q": "有限公司"})
    assert [row["record"].pk for row in searched.context["rows"]] == [c1.pk]
    assert searched.context["page_obj"].paginator.count == 1
    global_search = client.get(reverse("customers:search"), {"q": "有限公司"})
    assert [c.pk for c in global_search.context["customers"]] == [c1.pk]
    # counts on the home page
    panel = client.get(reverse("org:home")).context["panels"][0]
    assert {str(label): count for label, count, _url in panel["counts"]}["All customers I can see"] == 1
    # export
    body = _body(client.get(reverse("customers:customer_export"), {"fmt": "csv"}))
    assert "C1华东示例有限公司" in body
    assert "C2华南示例有限公司" not in body
    # the picker
    picked = client.get(reverse("customers:picker_customers"), {"q": "示例"}).json()
    assert picked == {"results": [{"id": c1.pk, "text": "C1华东示例有限公司"}]}
    # C2's pages answer 404, like a missing record
    for name in ("customers:customer_detail", "customers:customer_edit", "customers:customer_merge"):
        assert client.get(reverse(name, args=[c2.pk])).status_code == 404, name
    assert client.get(reverse("customers:customer_detail", args=[999999])).status_code == 404
    # a write to C2 answers 404 and changes nothing
    response = client.post(reverse("customers:customer_edit", args=[c2.pk]), customer_post(c2, name="改名"))
    assert response.status_code == 404
    c2.refresh_from_db()
    assert c2.name == "C2华南示例有限公司"


@pytest.fixture
def c08(db, personas):
    purchaser_role = Role.objects.create(code="purchaser", name="purchaser")
    role_grant_set(role=purchaser_role, module=Module.CUSTOMERS, actions=[Action.VIEW, Action.EXPORT],
                   scope=DataScope.ALL)
    purchaser = user_create(username="purchaser", password="pass1234", roles=[purchaser_role])
    customer = CustomerFactory(owner=personas.sales_rep, name="广州示例有限公司")
    contact = ContactFactory(customer=customer, name="刘洋", mobile="13700000003")
    return purchaser, customer, contact


def test_c08_customer_page_of_a_purchaser_shows_no_contacts(client, c08):
    purchaser, customer, contact = c08
    client.force_login(purchaser)
    response = client.get(reverse("customers:customer_detail", args=[customer.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "广州示例有限公司" in html
    assert response.context["show_contacts"] is False
    assert response.context["contacts"] == []
    assert "刘洋" not in html
    assert "13700000003" not in html
    assert 'id="contacts"' not in html
    # contacts pages are refused, searching the phone finds nothing
    assert client.get(reverse("customers:contact_list")).status_code == 403
    assert client.get(reverse("customers:contact_detail", args=[customer.pk, contact.pk])).status_code == 403
    found = client.get(reverse("customers:search"), {"q": "13700000003"})
    assert (found.context["customers"], found.context["contacts"]) == ([], [])
    assert "刘洋" not in found.content.decode()
    # the customer export carries no contact phone
    body = _body(client.get(reverse("customers:customer_export"), {"fmt": "csv"}))
    assert "广州示例有限公司" in body
    assert "13700000003" not in body


# Access matrix. The customer belongs to sales_rep (上海组, reports to sales_manager).
PERSONAS = ["admin", "sales_manager", "sales_rep", "sales_rep_south", "customer_service"]

GET_MATRIX = {
    # page: expected status per persona, in PERSONAS order
    "list": [200, 200, 200, 200, 200],
    "detail": [200, 200, 200, 404, 200],
    "edit": [200, 200, 200, 404, 200],
    "create": [200, 200, 200, 200, 403],
    "contacts": [200, 200, 200, 200, 200],
    "contact_detail": [200, 200, 200, 404, 200],
    "pool": [200, 200, 200, 200, 403],
    "recycle_bin": [200, 200, 200, 200, 200],
    "settings_users": [200, 403, 403, 403, 403],
}


@pytest.fixture
def owned(personas):
    customer = CustomerFactory(owner=personas.sales_rep, name="矩阵客户有限公司", level="B")
    contact = ContactFactory(customer=customer, name="矩阵联系人")
    return customer, contact


def _url(page: str, customer, contact) -> str:
    return {
        "list": reverse("customers:customer_list"),
        "detail": reverse("customers:customer_detail", args=[customer.pk]),
        "edit": reverse("customers:customer_edit", args=[customer.pk]),
        "create": reverse("customers:customer_create"),
        "contacts": reverse("customers:contact_list"),
        "contact_detail": reverse("customers:contact_detail", args=[customer.pk, contact.pk]),
        "pool": reverse("customers:pool"),
        "recycle_bin": reverse("customers:recycle_bin"),
        "settings_users": reverse("org:user_list"),
    }[page]


@pytest.mark.parametrize("persona", PERSONAS)
def test_access_matrix_pages(client, personas, owned, persona):
    customer, contact = owned
    client.force_login(getattr(personas, persona))
    index = PERSONAS.index(persona)
    got = {page: client.get(_url(page, customer, contact)).status_code for page in GET_MATRIX}
    assert got == {page: statuses[index] for page, statuses in GET_MATRIX.items()}


def _snapshot(customer):
    customer = Customer.all_objects.get(pk=customer.pk)
    return (customer.name, customer.level, customer.owner_id, customer.deleted_at, customer.version,
            Contact.all_objects.filter(customer=customer, deleted_at__isnull=True).count())


# POST: (expected status, whether the record changed) per persona.
POST_MATRIX = {
    "edit": [(302, True), (302, True), (302, True), (404, False), (302, True)],
    "delete": [(302, True), (302, True), (302, False), (404, False), (302, False)],
    "release": [(302, True), (302, True), (302, True), (404, False), (302, True)],
    "transfer": [(302, True), (302, True), (302, False), (404, False), (302, False)],
    "contact_delete": [(302, True), (302, True), (302, True), (404, False), (403, False)],
}


@pytest.mark.parametrize("action", list(POST_MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_access_matrix_writes_change_nothing_when_denied(client, personas, owned, persona, action):
    customer, contact = owned
    user = getattr(personas, persona)
    client.force_login(user)
    before = _snapshot(customer)
    if action == "edit":
        response = client.post(reverse("customers:customer_edit", args=[customer.pk]),
                               customer_post(customer, level="A"))
    elif action == "delete":
        response = client.post(reverse("customers:customer_delete", args=[customer.pk]))
    elif action == "release":
        response = client.post(reverse("customers:customer_release", args=[customer.pk]), {"reason": "测试"})
    elif action == "transfer":
        response = client.post(reverse("customers:customer_transfer", args=[customer.pk]),
                               {"to": personas.sales_manager.pk})
    else:
        response = client.post(reverse("customers:contact_delete", args=[customer.pk, contact.pk]))
    status, changed = POST_MATRIX[action][PERSONAS.index(persona)]
    assert response.status_code == status
    assert (_snapshot(customer) != before) is changed
