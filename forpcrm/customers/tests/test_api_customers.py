"""Customers API: reads, writes, versions (C10), stored text (C12), actions, paging, query counts."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from forpcrm.customers.models import Contact, Customer, CustomerTeamMember, OwnershipLog
from forpcrm.customers.normalize import credit_code_check_digit
from forpcrm.customers.tests.factories import ContactFactory, CustomerFactory
from forpcrm.customfields.models import FieldDefinition, FieldType

pytestmark = pytest.mark.django_db
CREDIT_CODE = "91330100MA27XY" + "1" * 3
CREDIT_CODE += credit_code_check_digit(CREDIT_CODE)


def api(user=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


# --- list and detail ---------------------------------------------------------------------------


def test_list_shows_customers_in_scope_with_owner_and_tags(sales_rep, sales_rep_south):
    # given one customer each
    mine = CustomerFactory(owner=sales_rep, name="西软软件有限公司", tags=["重点"])
    CustomerFactory(owner=sales_rep_south, name="南方贸易有限公司")
    # when
    response = api(sales_rep).get("/api/v1/customers/")
    # then
    assert response.status_code == 200
    assert response.json()["count"] == 1
    row = response.json()["results"][0]
    assert row["id"] == mine.pk
    assert row["name"] == "西软软件有限公司"
    assert row["owner"] == sales_rep.pk
    assert row["owner_name"] == "张销售"
    assert row["department_name"] == "上海组"
    assert row["tags"] == ["重点"]
    assert row["version"] == 1
    assert "contacts" not in row


def test_search_q_and_search_alias_find_by_pinyin_initials(admin):
    CustomerFactory(owner=admin, name="西软软件有限公司")
    CustomerFactory(owner=admin, name="东方电子有限公司")
    for key in ("q", "search"):
        response = api(admin).get("/api/v1/customers/", {key: "xrrj"})
        assert response.status_code == 200
        assert [r["name"] for r in response.json()["results"]] == ["西软软件有限公司"]


def test_filters_and_sort_as_on_the_pages(admin):
    CustomerFactory(owner=admin, name="甲公司", level="A", revenue=Decimal("10.00"))
    CustomerFactory(owner=admin, name="乙公司", level="B", revenue=Decimal("30.00"))
    CustomerFactory(owner=admin, name="丙公司", level="A", revenue=Decimal("20.00"))
    response = api(admin).get("/api/v1/customers/", {"level": "A", "ordering": "-revenue"})
    assert [r["name"] for r in response.json()["results"]] == ["丙公司", "甲公司"]
    response = api(admin).get("/api/v1/customers/", {"sort": "revenue"})
    assert [r["name"] for r in response.json()["results"]] == ["甲公司", "丙公司", "乙公司"]


def test_scope_mine_team_pool(sales_manager, sales_rep):
    own = CustomerFactory(owner=sales_manager, name="经理的客户")
    reps = CustomerFactory(owner=sales_rep, name="代表的客户")
    pooled = CustomerFactory(owner=None, by=sales_manager, name="公海客户")
    client = api(sales_manager)

    def ids(scope):
        return sorted(r["id"] for r in client.get("/api/v1/customers/", {"scope": scope}).json()["results"])

    assert ids("mine") == [own.pk]
    assert ids("team") == sorted([own.pk, reps.pk])
    assert ids("pool") == [pooled.pk]
    assert ids("all") == sorted([own.pk, reps.pk, pooled.pk])


def test_filter_on_user_defined_field(admin):
    FieldDefinition.objects.create(entity="customer", code="region_code", label="区域码", field_type=FieldType.TEXT)
    CustomerFactory(owner=admin, name="甲公司", custom={"region_code": "E1"})
    CustomerFactory(owner=admin, name="乙公司", custom={"region_code": "S9"})
    response = api(admin).get("/api/v1/customers/", {"custom__region_code": "S9"})
    assert [r["name"] for r in response.json()["results"]] == ["乙公司"]


def test_detail_has_etag_team_and_no_contacts_without_expand(sales_rep):
    customer = CustomerFactory(owner=sales_rep, name="西软软件有限公司")
    ContactFactory(customer=customer, name="王芳", mobile="13900000002")
    response = api(sales_rep).get(f"/api/v1/customers/{customer.pk}/")
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    body = response.json()
    assert body["team"] == []
    assert "contacts" not in body


def test_detail_expand_contacts_for_callers_with_contacts_view(sales_rep):
    customer = CustomerFactory(owner=sales_rep, name="西软软件有限公司")
    ContactFactory(customer=customer, name="王芳", mobile="13900000002")
    response = api(sales_rep).get(f"/api/v1/customers/{customer.pk}/", {"expand": "contacts"})
    assert [c["name"] for c in response.json()["contacts"]] == ["王芳"]
    assert response.json()["contacts"][0]["mobile"] == "13900000002"


def test_detail_outside_scope_is_404_same_as_missing(sales_rep, sales_rep_south):
    other = CustomerFactory(owner=sales_rep_south)
    assert api(sales_rep).get(f"/api/v1/customers/{other.pk}/").status_code == 404
    assert api(sales_rep).get("/api/v1/customers/999999/").json() == {"detail": "Not found.", "code": "not_found"}


def test_anonymous_is_401():
    assert api().get("/api/v1/customers/").status_code == 401


# --- create ------------------------------------------------------------------------------------


def test_create_returns_201_with_custom_values_and_location(sales_rep):
    FieldDefinition.objects.create(entity="customer", code="budget", label="预算", field_type=FieldType.MONEY)
    response = api(sales_rep).post("/api/v1/customers/", {
        "name": "杭州示例科技有限公司", "level": "B", "tags": ["新客户"], "custom": {"budget": "1234.5"},
    }, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    customer = Customer.objects.get(pk=body["id"])
    assert customer.owner == sales_rep
    assert customer.custom == {"budget": "1234.50"}
    assert body["custom"] == {"budget": "1234.50"}
    assert body["tags"] == ["新客户"]
    assert body["version"] == 1
    assert response["ETag"] == '"1"'
    assert response["Location"].endswith(f"/api/v1/customers/{customer.pk}/")


def test_create_errors_are_keyed_by_field_and_custom_code(sales_rep):
    FieldDefinition.objects.create(entity="customer", code="budget", label="预算", field_type=FieldType.MONEY,
                                   required=True)
    response = api(sales_rep).post("/api/v1/customers/", {"email": "not-an-email", "custom": {"budget": "abc",
                                                                                               "nope": 1}},
                                   format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"name", "email", "custom.budget", "custom.nope"}
    assert Customer.objects.count() == 0


def test_create_missing_required_custom_field(sales_rep):
    FieldDefinition.objects.create(entity="customer", code="budget", label="预算", field_type=FieldType.MONEY,
                                   required=True)
    response = api(sales_rep).post("/api/v1/customers/", {"name": "甲公司"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["custom.budget"]


def test_create_duplicate_is_409_with_matches_unless_confirmed(sales_rep, sales_rep_south):
    CustomerFactory(owner=sales_rep_south, name="杭州示例科技有限公司")
    client = api(sales_rep)
    response = client.post("/api/v1/customers/", {"name": "杭州示例科技（有限公司）"}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "duplicates_found"
    assert body["matches"] == [{"customer_id": None, "name": "杭州示例科技有限公司", "owner_name": "李销售",
                                "reasons": ["name"], "is_visible": False}]
    assert Customer.objects.count() == 1
    response = client.post("/api/v1/customers/", {"name": "杭州示例科技（有限公司）", "confirm_duplicates": True},
                           format="json")
    assert response.status_code == 201
    assert Customer.objects.count() == 2


def test_create_for_another_owner_needs_transfer(sales_rep, sales_manager):
    response = api(sales_rep).post("/api/v1/customers/", {"name": "甲公司", "owner": sales_manager.pk}, format="json")
    assert response.status_code == 403
    assert Customer.objects.count() == 0
    response = api(sales_manager).post("/api/v1/customers/", {"name": "甲公司", "owner": sales_rep.pk}, format="json")
    assert response.status_code == 201
    assert Customer.objects.get().owner == sales_rep


def test_create_into_the_pool(sales_rep):
    response = api(sales_rep).post("/api/v1/customers/", {"name": "甲公司", "owner": None}, format="json")
    assert response.status_code == 201
    assert Customer.objects.get().owner is None


# --- update, versions (C10) ------------------------------------------------------------------------


@pytest.fixture
def customer_k(sales_rep):
    """Customer K at version 7, level B, credit limit 50,000 (case C10)."""
    customer = CustomerFactory(owner=sales_rep, name="K 科技有限公司", level="B", credit_limit=Decimal("50000"))
    Customer.objects.filter(pk=customer.pk).update(version=7)
    return Customer.objects.get(pk=customer.pk)


def test_c10_if_match_stale_is_412_and_writes_nothing(sales_rep, customer_k):
    client = api(sales_rep)
    assert client.patch(f"/api/v1/customers/{customer_k.pk}/", {"credit_limit": "80000"}, format="json",
                        HTTP_IF_MATCH='"7"').status_code == 200
    history_rows = Customer.history.filter(id=customer_k.pk).count()
    # A is still on version 7
    response = client.patch(f"/api/v1/customers/{customer_k.pk}/", {"level": "A"}, format="json",
                            HTTP_IF_MATCH='"7"')
    assert response.status_code == 412
    body = response.json()
    assert body["code"] == "version_conflict"
    assert body["version"] == 8
    assert body["current"]["level"] == "B"
    assert response["ETag"] == '"8"'
    fresh = Customer.objects.get(pk=customer_k.pk)
    assert (fresh.level, fresh.credit_limit, fresh.version) == ("B", Decimal("80000.00"), 8)
    # A then saves credit limit 60,000 from the stale read: refused, showing 80,000
    response = client.patch(f"/api/v1/customers/{customer_k.pk}/", {"credit_limit": "60000"}, format="json",
                            HTTP_IF_MATCH='"7"')
    assert response.status_code == 412
    assert response.json()["current"]["credit_limit"] == "80000.00"
    assert Customer.objects.get(pk=customer_k.pk).credit_limit == Decimal("80000.00")
    assert Customer.history.filter(id=customer_k.pk).count() == history_rows


def test_c10_current_version_is_200_and_bumps_it(sales_rep, customer_k):
    response = api(sales_rep).patch(f"/api/v1/customers/{customer_k.pk}/", {"level": "A"}, format="json",
                                    HTTP_IF_MATCH='"7"')
    assert response.status_code == 200
    assert response.json()["version"] == 8
    assert response.json()["level"] == "A"
    assert response.json()["credit_limit"] == "50000.00"
    assert response["ETag"] == '"8"'
    assert Customer.objects.get(pk=customer_k.pk).version == 8


def test_version_in_body_works_like_if_match(sales_rep, customer_k):
    client = api(sales_rep)
    assert client.patch(f"/api/v1/customers/{customer_k.pk}/", {"level": "A", "version": 6},
                        format="json").status_code == 412
    assert client.patch(f"/api/v1/customers/{customer_k.pk}/", {"level": "A", "version": 7},
                        format="json").status_code == 200


def test_weak_etag_accepted_and_missing_version_is_428(sales_rep, customer_k):
    client = api(sales_rep)
    assert client.patch(f"/api/v1/customers/{customer_k.pk}/", {"level": "A"}, format="json").status_code == 428
    assert Customer.objects.get(pk=customer_k.pk).level == "B"
    assert client.patch(f"/api/v1/customers/{customer_k.pk}/", {"level": "A"}, format="json",
                        HTTP_IF_MATCH='W/"7"').status_code == 200


def test_api_error_messages_are_translated(sales_rep, customer_k):
    from django.utils import translation
    from django.utils.functional import Promise

    from forpcrm.core.api import PreconditionRequired

    assert isinstance(PreconditionRequired.default_detail, Promise)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(sales_rep)
    with translation.override("zh-hans"):
        not_found = translation.gettext("Not found.")
        required = translation.gettext("If-Match header or version field required.")
    assert not_found != "Not found."
    assert client.get("/api/v1/customers/999999/").json() == {"detail": not_found, "code": "not_found"}
    response = client.patch(f"/api/v1/customers/{customer_k.pk}/", {"level": "A"}, format="json")
    assert (response.status_code, response.json()["detail"]) == (428, required)
    with translation.override("en"):
        assert str(PreconditionRequired.default_detail) == "If-Match header or version field required."


def test_put_needs_name_and_validates(sales_rep, customer_k):
    client = api(sales_rep)
    response = client.put(f"/api/v1/customers/{customer_k.pk}/", {"level": "A"}, format="json", HTTP_IF_MATCH='"7"')
    assert response.status_code == 400
    assert list(response.json()) == ["name"]
    response = client.put(f"/api/v1/customers/{customer_k.pk}/", {"name": "K 科技", "website": "nope"},
                          format="json", HTTP_IF_MATCH='"7"')
    assert response.status_code == 400
    assert list(response.json()) == ["website"]
    assert Customer.objects.get(pk=customer_k.pk).version == 7


def test_patch_custom_changes_only_the_codes_sent(sales_rep):
    FieldDefinition.objects.create(entity="customer", code="a", label="A", field_type=FieldType.TEXT)
    FieldDefinition.objects.create(entity="customer", code="b", label="B", field_type=FieldType.NUMBER)
    customer = CustomerFactory(owner=sales_rep, custom={"a": "x", "b": "1"})
    response = api(sales_rep).patch(f"/api/v1/customers/{customer.pk}/", {"custom": {"b": "2.50"}}, format="json",
                                    HTTP_IF_MATCH='"1"')
    assert response.status_code == 200
    assert response.json()["custom"] == {"a": "x", "b": "2.50"}
    response = api(sales_rep).patch(f"/api/v1/customers/{customer.pk}/", {"custom": {"b": "abc"}}, format="json",
                                    HTTP_IF_MATCH='"2"')
    assert response.status_code == 400
    assert list(response.json()) == ["custom.b"]


def test_parent_must_be_visible(sales_rep, sales_rep_south):
    mine = CustomerFactory(owner=sales_rep)
    theirs = CustomerFactory(owner=sales_rep_south)
    response = api(sales_rep).patch(f"/api/v1/customers/{mine.pk}/", {"parent": theirs.pk}, format="json",
                                    HTTP_IF_MATCH='"1"')
    assert response.status_code == 400
    assert list(response.json()) == ["parent"]
    assert Customer.objects.get(pk=mine.pk).parent_id is None


# --- C12: stored strings come back unchanged ---------------------------------------------------------


def test_c12_api_returns_stored_markup_unchanged(sales_rep):
    name = "王<b>五</b>\"><img src=x onerror=alert(1)>"
    client = api(sales_rep)
    response = client.post("/api/v1/customers/", {"name": name, "remarks": "<script>alert(3)</script>"},
                           format="json")
    assert response.status_code == 201
    customer = Customer.objects.get(pk=response.json()["id"])
    assert customer.name == name
    raw = client.get(f"/api/v1/customers/{customer.pk}/").content.decode()
    assert "<script>alert(3)</script>" in raw
    assert "&lt;" not in raw
    assert client.get(f"/api/v1/customers/{customer.pk}/").json()["name"] == name
    contact = client.post(f"/api/v1/customers/{customer.pk}/contacts/", {"name": "<svg onload=alert(2)>"},
                          format="json")
    assert contact.status_code == 201
    assert client.get(f"/api/v1/contacts/{contact.json()['id']}/").json()["name"] == "<svg onload=alert(2)>"


# --- delete and restore ------------------------------------------------------------------------------


def test_delete_goes_to_recycle_bin_and_restore_brings_it_back(sales_manager):
    customer = CustomerFactory(owner=sales_manager, name="甲公司")
    ContactFactory(customer=customer, name="王芳")
    client = api(sales_manager)
    assert client.delete(f"/api/v1/customers/{customer.pk}/").status_code == 204
    assert Customer.objects.count() == 0
    assert Contact.objects.count() == 0
    assert client.get(f"/api/v1/customers/{customer.pk}/").status_code == 404
    assert [r["id"] for r in client.get("/api/v1/customers/recycle-bin/").json()["results"]] == [customer.pk]
    response = client.post(f"/api/v1/customers/{customer.pk}/restore/")
    assert response.status_code == 200
    assert response.json()["name"] == "甲公司"
    assert Contact.objects.count() == 1


def test_delete_refused_with_dependents_message(sales_manager, monkeypatch):
    from forpcrm.customers.services import customers as customer_services

    customer = CustomerFactory(owner=sales_manager, name="甲公司")
    monkeypatch.setitem(customer_services._DEPENDENCIES, "contracts", lambda c: 2)
    monkeypatch.setitem(customer_services._DEPENDENCIES_LABELS, "contracts", "合同")
    response = api(sales_manager).delete(f"/api/v1/customers/{customer.pk}/")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "customer_has_dependents"
    assert "合同 (2)" in body["detail"]
    assert body["dependents"] == {"合同": 2}
    assert Customer.objects.filter(pk=customer.pk).exists()


# --- pool and ownership ------------------------------------------------------------------------------


def test_claim_release_assign_transfer_are_logged(sales_manager, sales_rep):
    pooled = CustomerFactory(owner=None, by=sales_rep, name="公海客户有限公司")
    rep = api(sales_rep)
    response = rep.post(f"/api/v1/customers/{pooled.pk}/claim/")
    assert response.status_code == 200
    assert response.json()["owner"] == sales_rep.pk
    response = rep.post(f"/api/v1/customers/{pooled.pk}/release/", {"reason": ""}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["reason"]
    response = rep.post(f"/api/v1/customers/{pooled.pk}/release/", {"reason": "无意向"}, format="json")
    assert response.status_code == 200
    assert response.json()["owner"] is None
    manager = api(sales_manager)
    response = manager.post(f"/api/v1/customers/{pooled.pk}/assign/", {"to": sales_rep.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["owner"] == sales_rep.pk
    response = manager.post(f"/api/v1/customers/{pooled.pk}/transfer/", {"to": sales_manager.pk, "reason": "调岗"},
                            format="json")
    assert response.status_code == 200
    assert response.json()["owner"] == sales_manager.pk
    log = manager.get(f"/api/v1/customers/{pooled.pk}/ownership/").json()
    assert [e["action"] for e in log] == ["transfer", "assign", "release", "claim", "create"]
    assert log[0]["reason"] == "调岗"
    assert OwnershipLog.objects.filter(customer=pooled).count() == 5


def test_transfer_out_of_scope_returns_a_receipt(sales_rep, sales_rep_south, sales_manager):
    customer = CustomerFactory(owner=sales_rep)
    response = api(sales_manager).post(f"/api/v1/customers/{customer.pk}/transfer/", {"to": sales_rep_south.pk},
                                       format="json")
    assert response.status_code == 200
    assert response.json() == {"id": customer.pk, "visible": False}
    assert Customer.objects.get(pk=customer.pk).owner == sales_rep_south


def test_pool_list_and_claim(sales_rep, sales_rep_south):
    pooled = CustomerFactory(owner=None, by=sales_rep, name="公海客户有限公司")
    CustomerFactory(owner=None, by=sales_rep_south, name="华南公海客户")
    CustomerFactory(owner=sales_rep, name="自有客户")
    client = api(sales_rep)
    response = client.get("/api/v1/pool/")
    assert [r["id"] for r in response.json()["results"]] == [pooled.pk]
    assert client.post(f"/api/v1/pool/{pooled.pk}/claim/").json()["owner"] == sales_rep.pk
    assert client.get("/api/v1/pool/").json()["count"] == 0
    assert client.get(f"/api/v1/pool/{pooled.pk}/").status_code == 404


def test_bulk_checks_each_record(sales_manager, sales_rep, sales_rep_south):
    mine = CustomerFactory(owner=sales_rep)
    theirs = CustomerFactory(owner=sales_rep_south)
    response = api(sales_manager).post("/api/v1/customers/bulk/", {
        "action": "transfer", "ids": [mine.pk, theirs.pk], "to": sales_manager.pk}, format="json")
    assert response.status_code == 200
    assert response.json() == {"done": [mine.pk], "failed": {str(theirs.pk): "Not found."}}
    assert Customer.objects.get(pk=theirs.pk).owner == sales_rep_south
    response = api(sales_manager).post("/api/v1/customers/bulk/", {"action": "tag", "ids": [mine.pk]},
                                       format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["tags"]


def test_bulk_tag_adds_or_replaces(sales_rep):
    customer = CustomerFactory(owner=sales_rep, tags=["旧"])
    client = api(sales_rep)
    body = {"action": "tag", "ids": [customer.pk], "tags": ["新"]}
    assert client.post("/api/v1/customers/bulk/", body, format="json").json()["done"] == [customer.pk]
    assert sorted(customer.tags.values_list("name", flat=True)) == ["新", "旧"]
    client.post("/api/v1/customers/bulk/", {**body, "tags": ["唯一"], "mode": "set"}, format="json")
    assert list(customer.tags.values_list("name", flat=True)) == ["唯一"]


def test_tags_and_team(sales_rep, sales_manager):
    customer = CustomerFactory(owner=sales_rep, tags=["旧"])
    client = api(sales_rep)
    response = client.put(f"/api/v1/customers/{customer.pk}/tags/", {"tags": ["重点", "华东"]}, format="json")
    assert response.status_code == 200
    assert response.json()["tags"] == ["华东", "重点"]
    response = client.post(f"/api/v1/customers/{customer.pk}/team/", {"user": sales_manager.pk, "can_edit": True},
                           format="json")
    assert response.status_code == 201
    assert [(m["user"], m["can_edit"]) for m in response.json()] == [(sales_manager.pk, True)]
    assert client.get(f"/api/v1/customers/{customer.pk}/").json()["team"][0]["user_name"] == "王经理"
    assert client.delete(f"/api/v1/customers/{customer.pk}/team/{sales_manager.pk}/").status_code == 204
    assert CustomerTeamMember.objects.count() == 0
    assert client.delete(f"/api/v1/customers/{customer.pk}/team/{sales_manager.pk}/").status_code == 404


def test_merge_moves_contacts_to_the_survivor(sales_manager):
    survivor = CustomerFactory(owner=sales_manager, name="甲公司")
    merged = CustomerFactory(owner=sales_manager, name="甲公司（重复）", phone="13800138000")
    ContactFactory(customer=merged, name="王芳")
    response = api(sales_manager).post(f"/api/v1/customers/{survivor.pk}/merge/", {"merged": merged.pk},
                                       format="json")
    assert response.status_code == 200
    assert response.json()["phone"] == "13800138000"
    assert list(Contact.objects.values_list("customer_id", flat=True)) == [survivor.pk]
    assert not Customer.objects.filter(pk=merged.pk).exists()


def test_merge_with_an_invisible_customer_is_404(sales_rep, sales_rep_south):
    survivor = CustomerFactory(owner=sales_rep)
    other = CustomerFactory(owner=sales_rep_south)
    response = api(sales_rep).post(f"/api/v1/customers/{survivor.pk}/merge/", {"merged": other.pk}, format="json")
    assert response.status_code == 404
    assert Customer.objects.count() == 2


def test_duplicates_check_reveals_only_name_and_owner_outside_scope(sales_rep, sales_rep_south):
    mine = CustomerFactory(owner=sales_rep, name="甲公司", phone="13800138000")
    CustomerFactory(owner=sales_rep_south, name="乙公司", credit_code=CREDIT_CODE)
    response = api(sales_rep).post("/api/v1/customers/duplicates/", {
        "name": "甲公司", "phone": "+86 138 0013 8000", "credit_code": CREDIT_CODE}, format="json")
    assert response.status_code == 200
    assert response.json() == [
        {"customer_id": mine.pk, "name": "甲公司", "owner_name": "张销售", "reasons": ["name", "phone"],
         "is_visible": True},
        {"customer_id": None, "name": "乙公司", "owner_name": "李销售", "reasons": ["credit_code"], "is_visible": False},
    ]


def test_history_lists_changes(sales_rep):
    customer = CustomerFactory(owner=sales_rep, name="甲公司", level="B")
    api(sales_rep).patch(f"/api/v1/customers/{customer.pk}/", {"level": "A"}, format="json", HTTP_IF_MATCH='"1"')
    history = api(sales_rep).get(f"/api/v1/customers/{customer.pk}/history/").json()
    assert history[0]["by"] == "张销售"
    assert history[0]["action"] == "changed"
    assert history[1]["action"] == "created"
    assert {"field": "Level", "old": "B", "new": "A"} in history[0]["changes"]
    assert len(history) == 2


# --- paging ------------------------------------------------------------------------------------


def test_pages_are_stable_when_sorted_by_a_non_unique_field(admin):
    ids = {CustomerFactory(owner=admin, name=f"客户{i:02d}", level="AB"[i % 2]).pk for i in range(25)}
    client = api(admin)
    for sort in ("level", "-level", "name", "-updated_at"):
        seen = []
        for page in (1, 2, 3):
            body = client.get("/api/v1/customers/", {"sort": sort, "page": page, "page_size": 10}).json()
            seen += [r["id"] for r in body["results"]]
        assert len(seen) == 25
        assert set(seen) == ids
        assert body["count"] == 25


def test_cursor_pagination_walks_every_row_once(admin):
    ids = {CustomerFactory(owner=admin, name=f"客户{i:02d}").pk for i in range(12)}
    client = api(admin)
    seen, url, params = [], "/api/v1/customers/", {"paginate": "cursor", "page_size": 5}
    while url:
        body = client.get(url, params).json()
        seen += [r["id"] for r in body["results"]]
        url, params = body["next"], None
    assert seen == sorted(ids, reverse=True)


# --- query counts (no N+1) -------------------------------------------------------------------------


def _count(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/api/v1/customers/", "/api/v1/pool/", "/api/v1/contacts/",
                                 "/api/v1/customers/recycle-bin/"])
def test_list_query_count_is_fixed(url, sales_manager, sales_rep, django_assert_num_queries):
    client = api(sales_manager)

    def make(n):
        for i in range(n):
            if "pool" in url:
                CustomerFactory(owner=None, by=sales_manager, name=f"池{i}-{n}", tags=["x", "y"])
            else:
                customer = CustomerFactory(owner=sales_rep, name=f"客户{i}-{n}", tags=["x", "y"])
                ContactFactory(customer=customer, name=f"联系人{i}")
                if "recycle" in url:
                    api(sales_manager).delete(f"/api/v1/customers/{customer.pk}/")

    make(1)
    one = _count(client, url)
    make(19)
    with django_assert_num_queries(one):
        response = client.get(url)
    assert response.json()["count"] == 20


def test_contacts_sub_resource_query_count_is_fixed(sales_rep, django_assert_num_queries):
    customer = CustomerFactory(owner=sales_rep)
    client = api(sales_rep)
    ContactFactory(customer=customer)
    one = _count(client, f"/api/v1/customers/{customer.pk}/contacts/")
    for _ in range(19):
        ContactFactory(customer=customer)
    with django_assert_num_queries(one):
        assert client.get(f"/api/v1/customers/{customer.pk}/contacts/").json()["count"] == 20
