"""Contacts API: search (C05, C06), versions, sub-resource, recycle bin, user-defined fields."""

import pytest
from rest_framework.test import APIClient

from forpcrm.customers.models import Contact
from forpcrm.customers.tests.factories import ContactFactory, CustomerFactory
from forpcrm.customfields.models import FieldDefinition, FieldType

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.mark.parametrize("text", ["13800138000", "8000", "+86 138 0013 8000"])
def test_c05_search_by_normalised_phone_or_tail(sales_rep, text):
    customer = CustomerFactory(owner=sales_rep, name="杭州示例科技有限公司")
    contact = ContactFactory(customer=customer, name="王芳", mobile="138-0013-8000", office_phone="0571-8888 6666")
    ContactFactory(customer=customer, name="李四", mobile="13900000002")
    body = api(sales_rep).get("/api/v1/contacts/", {"search": text}).json()
    assert [c["id"] for c in body["results"]] == [contact.pk]
    assert body["results"][0]["mobile"] == "138-0013-8000"


def test_c06_chinese_substrings_and_customer_name(sales_rep):
    beijing = CustomerFactory(owner=sales_rep, name="北京测试有限公司")
    other = CustomerFactory(owner=sales_rep, name="深圳市腾达电子有限公司")
    ContactFactory(customer=beijing, name="张三")
    ContactFactory(customer=other, name="张三丰")
    ContactFactory(customer=other, name="李四")
    client = api(sales_rep)

    def names(q):
        return sorted(c["name"] for c in client.get("/api/v1/contacts/", {"search": q}).json()["results"])

    assert names("张三") == ["张三", "张三丰"]
    assert names("三丰") == ["张三丰"]
    assert names("北京测试") == ["张三"]
    assert [c["name"] for c in client.get("/api/v1/customers/", {"search": "腾达"}).json()["results"]] == [
        "深圳市腾达电子有限公司"]


def test_search_stays_within_scope(sales_rep, sales_rep_south):
    ContactFactory(customer=CustomerFactory(owner=sales_rep_south), name="张三")
    assert api(sales_rep).get("/api/v1/contacts/", {"search": "张三"}).json()["count"] == 0


def test_filter_by_customer_and_sub_resource(sales_rep):
    first = CustomerFactory(owner=sales_rep)
    second = CustomerFactory(owner=sales_rep)
    mine = ContactFactory(customer=first, name="王芳")
    ContactFactory(customer=second, name="李四")
    client = api(sales_rep)
    assert [c["id"] for c in client.get("/api/v1/contacts/", {"customer": first.pk}).json()["results"]] == [mine.pk]
    sub = client.get(f"/api/v1/customers/{first.pk}/contacts/").json()
    assert [(c["id"], c["customer"], c["customer_name"]) for c in sub["results"]] == [(mine.pk, first.pk, first.name)]


def test_create_update_with_versions(sales_rep):
    customer = CustomerFactory(owner=sales_rep)
    client = api(sales_rep)
    response = client.post("/api/v1/contacts/", {"customer": customer.pk, "name": "王芳", "mobile": "abc"},
                           format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["mobile"]
    response = client.post("/api/v1/contacts/", {"customer": customer.pk, "name": "王芳", "mobile": "13900000002",
                                                 "is_primary": True}, format="json")
    assert response.status_code == 201
    contact_id = response.json()["id"]
    assert response["ETag"] == '"1"'
    url = f"/api/v1/contacts/{contact_id}/"
    assert client.patch(url, {"title": "经理"}, format="json", HTTP_IF_MATCH='"1"').json()["version"] == 2
    stale = client.patch(url, {"title": "总监"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert stale.json()["current"]["title"] == "经理"
    assert Contact.objects.get(pk=contact_id).title == "经理"
    assert client.patch(url, {"title": "总监"}, format="json").status_code == 428


def test_delete_and_restore(sales_rep):
    contact = ContactFactory(customer=CustomerFactory(owner=sales_rep), name="王芳")
    client = api(sales_rep)
    assert client.delete(f"/api/v1/contacts/{contact.pk}/").status_code == 204
    assert client.get(f"/api/v1/contacts/{contact.pk}/").status_code == 404
    assert [c["id"] for c in client.get("/api/v1/contacts/recycle-bin/").json()["results"]] == [contact.pk]
    assert client.post(f"/api/v1/contacts/{contact.pk}/restore/").status_code == 200
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_user_defined_contact_fields(sales_rep):
    FieldDefinition.objects.create(entity="contact", code="hobby", label="爱好", field_type=FieldType.CHOICE,
                                   options=[{"value": "golf", "label": "高尔夫"}])
    customer = CustomerFactory(owner=sales_rep)
    client = api(sales_rep)
    response = client.post(f"/api/v1/customers/{customer.pk}/contacts/", {"name": "王芳", "custom": {"hobby": "chess"}},
                           format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["custom.hobby"]
    response = client.post(f"/api/v1/customers/{customer.pk}/contacts/", {"name": "王芳", "custom": {"hobby": "高尔夫"}},
                           format="json")
    assert response.status_code == 201
    assert response.json()["custom"] == {"hobby": "golf"}
