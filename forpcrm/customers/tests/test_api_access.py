"""Access matrix of the whole /api/v1/: every endpoint × persona gives an exact status code, and a
refused request (any 4xx) leaves every row and every field value as it was.

The world: ``c_rep`` and ``c_rep2`` owned by sales_rep (上海组, reports to sales_manager) with contact
``k_rep``; ``c_south`` owned by sales_rep_south (华南大区); ``c_pool`` in the pool of 上海组;
``c_deleted`` (sales_rep's, in the recycle bin); a deleted contact ``k_deleted`` of ``c_rep``; a
customer field definition ``f_budget`` and a picklist value ``p_level``.

Order of checks: 401 (not signed in) → 403 for a missing module permission, the same for every id →
404 for a record outside the caller's scope → 403 when the record is visible but the action is not
allowed on it.
"""

from types import SimpleNamespace

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from forpcrm.customers import services
from forpcrm.customers.models import Contact, Customer, CustomerTeamMember, OwnershipLog, Tag
from forpcrm.customers.tests.factories import ContactFactory, CustomerFactory
from forpcrm.customfields.models import FieldDefinition, FieldType, PicklistOption

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "admin", "sales_manager", "sales_rep", "sales_rep_south", "customer_service"]


@pytest.fixture
def world(admin, sales_manager, sales_rep, sales_rep_south, customer_service):
    c_rep = CustomerFactory(owner=sales_rep, name="上海示例贸易有限公司", level="B")
    c_rep2 = CustomerFactory(owner=sales_rep, name="上海第二贸易有限公司")
    c_south = CustomerFactory(owner=sales_rep_south, name="广州示例有限公司")
    c_pool = CustomerFactory(owner=None, by=sales_rep, name="公海示例有限公司")
    c_deleted = CustomerFactory(owner=sales_rep, name="已删除示例有限公司")
    services.customer_delete(customer=c_deleted, by=admin)
    k_rep = ContactFactory(customer=c_rep, name="陈杰", mobile="13800138000")
    k_deleted = ContactFactory(customer=c_rep, name="已删除联系人")
    services.contact_delete(contact=k_deleted, by=admin)
    f_budget = FieldDefinition.objects.create(entity="customer", code="budget", label="预算", field_type=FieldType.MONEY)
    p_level = PicklistOption.objects.create(kind="level", value="A", label="A 级")
    return SimpleNamespace(
        users=SimpleNamespace(admin=admin, sales_manager=sales_manager, sales_rep=sales_rep,
                              sales_rep_south=sales_rep_south, customer_service=customer_service),
        c_rep=c_rep.pk, c_rep2=c_rep2.pk, c_south=c_south.pk, c_pool=c_pool.pk, c_deleted=c_deleted.pk,
        k_rep=k_rep.pk, k_deleted=k_deleted.pk, f_budget=f_budget.pk, p_level=p_level.pk,
        u_manager=sales_manager.pk, u_south=sales_rep_south.pk, u_rep=sales_rep.pk,
    )


def snapshot() -> dict:
    """Every row the API can change, with every field value."""
    return {
        "customers": list(Customer.all_objects.order_by("id").values()),
        "contacts": list(Contact.all_objects.order_by("id").values()),
        "team": list(CustomerTeamMember.objects.order_by("id").values()),
        "ownership": list(OwnershipLog.objects.order_by("id").values()),
        "tags": list(Tag.objects.order_by("id").values()),
        "customer_tags": list(Customer.tags.through.objects.order_by("id").values()),
        "fields": list(FieldDefinition.objects.order_by("id").values()),
        "picklists": list(PicklistOption.objects.order_by("id").values()),
    }


A, M, R, S, C = "admin", "sales_manager", "sales_rep", "sales_rep_south", "customer_service"


def codes(anonymous=401, **by_persona) -> dict[str, int]:
    return {"anonymous": anonymous, **by_persona}


def same(code: int, **overrides) -> dict[str, int]:
    return codes(**{A: code, M: code, R: code, S: code, C: code, **overrides})


# (name, method, url template, body, headers, expected status per persona)
ENDPOINTS = [
    ("me", "get", "/api/v1/me/", None, {}, same(200)),
    ("users", "get", "/api/v1/users/", None, {}, same(200)),
    ("user detail", "get", "/api/v1/users/{u_rep}/", None, {}, same(200)),
    ("departments", "get", "/api/v1/departments/", None, {}, same(200)),
    # customers
    ("customer list", "get", "/api/v1/customers/", None, {}, same(200)),
    ("customer detail (rep's)", "get", "/api/v1/customers/{c_rep}/", None, {}, same(200, **{S: 404})),
    ("customer detail (south's)", "get", "/api/v1/customers/{c_south}/", None, {}, same(200, **{M: 404, R: 404})),
    ("customer detail (pool)", "get", "/api/v1/customers/{c_pool}/", None, {}, same(200, **{S: 404})),
    ("customer create", "post", "/api/v1/customers/", {"name": "新建示例有限公司"}, {}, same(201, **{C: 403})),
    ("customer update", "patch", "/api/v1/customers/{c_rep}/", {"level": "A"}, {"HTTP_IF_MATCH": '"1"'},
     same(200, **{S: 404})),
    ("customer update (south's)", "patch", "/api/v1/customers/{c_south}/", {"level": "A"}, {"HTTP_IF_MATCH": '"1"'},
     same(404, **{A: 200, S: 200, C: 200})),
    ("customer update (pool, not editable)", "patch", "/api/v1/customers/{c_pool}/", {"level": "A"},
     {"HTTP_IF_MATCH": '"1"'}, same(403, **{A: 200, S: 404, C: 200})),
    ("customer replace", "put", "/api/v1/customers/{c_rep}/", {"name": "上海示例贸易有限公司", "level": "C"},
     {"HTTP_IF_MATCH": '"1"'}, same(200, **{S: 404})),
    ("customer delete", "delete", "/api/v1/customers/{c_rep}/", None, {}, same(403, **{A: 204, M: 204})),
    ("customer restore", "post", "/api/v1/customers/{c_deleted}/restore/", None, {}, same(403, **{A: 200, M: 200})),
    ("customer recycle bin", "get", "/api/v1/customers/recycle-bin/", None, {}, same(200)),
    ("claim", "post", "/api/v1/customers/{c_pool}/claim/", None, {}, same(200, **{S: 404, C: 403})),
    ("release", "post", "/api/v1/customers/{c_rep}/release/", {"reason": "无意向"}, {}, same(200, **{S: 404})),
    ("assign", "post", "/api/v1/customers/{c_pool}/assign/", {"to": "{u_rep}"}, {},
     same(403, **{A: 200, M: 200, S: 404})),
    ("transfer", "post", "/api/v1/customers/{c_rep}/transfer/", {"to": "{u_manager}", "reason": "调岗"}, {},
     same(403, **{A: 200, M: 200})),
    ("transfer (south's)", "post", "/api/v1/customers/{c_south}/transfer/", {"to": "{u_manager}"}, {},
     same(403, **{A: 200, M: 404})),
    ("bulk tag", "post", "/api/v1/customers/bulk/", {"action": "tag", "ids": ["{c_rep}", "{c_south}"], "tags": ["批量"]},
     {}, same(200)),
    ("tags", "put", "/api/v1/customers/{c_rep}/tags/", {"tags": ["重点"]}, {}, same(200, **{S: 404})),
    ("team list", "get", "/api/v1/customers/{c_rep}/team/", None, {}, same(200, **{S: 404})),
    ("team add", "post", "/api/v1/customers/{c_rep}/team/", {"user": "{u_south}", "can_edit": False}, {},
     same(201, **{S: 404})),
    ("merge", "post", "/api/v1/customers/{c_rep}/merge/", {"merged": "{c_rep2}"}, {}, same(200, **{S: 404})),
    ("merge (south's into rep's)", "post", "/api/v1/customers/{c_rep}/merge/", {"merged": "{c_south}"}, {},
     same(404, **{A: 200, C: 200})),
    ("duplicates", "post", "/api/v1/customers/duplicates/", {"name": "广州示例有限公司"}, {}, same(200)),
    ("history", "get", "/api/v1/customers/{c_rep}/history/", None, {}, same(200, **{S: 404})),
    ("ownership", "get", "/api/v1/customers/{c_rep}/ownership/", None, {}, same(200, **{S: 404})),
    ("customer contacts", "get", "/api/v1/customers/{c_rep}/contacts/", None, {}, same(200, **{S: 404})),
    ("customer contact create", "post", "/api/v1/customers/{c_rep}/contacts/", {"name": "新联系人"}, {},
     same(201, **{S: 404})),
    # contacts
    ("contact list", "get", "/api/v1/contacts/", None, {}, same(200)),
    ("contact detail", "get", "/api/v1/contacts/{k_rep}/", None, {}, same(200, **{S: 404})),
    ("contact create", "post", "/api/v1/contacts/", {"customer": "{c_rep}", "name": "新联系人"}, {},
     same(201, **{S: 400})),
    ("contact update", "patch", "/api/v1/contacts/{k_rep}/", {"title": "经理"}, {"HTTP_IF_MATCH": '"1"'},
     same(200, **{S: 404})),
    ("contact delete", "delete", "/api/v1/contacts/{k_rep}/", None, {}, same(204, **{S: 404, C: 403})),
    ("contact restore", "post", "/api/v1/contacts/{k_deleted}/restore/", None, {}, same(200, **{S: 404, C: 403})),
    ("contact recycle bin", "get", "/api/v1/contacts/recycle-bin/", None, {}, same(200)),
    # pool
    ("pool list", "get", "/api/v1/pool/", None, {}, same(200, **{C: 403})),
    ("pool detail", "get", "/api/v1/pool/{c_pool}/", None, {}, same(200, **{S: 404, C: 403})),
    ("pool claim", "post", "/api/v1/pool/{c_pool}/claim/", None, {}, same(200, **{S: 404, C: 403})),
    ("pool assign", "post", "/api/v1/pool/{c_pool}/assign/", {"to": "{u_rep}"}, {},
     same(403, **{A: 200, M: 200, S: 404})),
    # user-defined fields and picklists
    ("custom fields", "get", "/api/v1/custom-fields/", None, {}, same(200)),
    ("custom field detail", "get", "/api/v1/custom-fields/{f_budget}/", None, {}, same(200)),
    ("custom field create", "post", "/api/v1/custom-fields/",
     {"entity": "customer", "code": "region", "label": "区域", "field_type": "text"}, {}, same(403, **{A: 201})),
    ("custom field update", "patch", "/api/v1/custom-fields/{f_budget}/", {"label": "年度预算"}, {},
     same(403, **{A: 200})),
    ("custom field delete", "delete", "/api/v1/custom-fields/{f_budget}/", None, {}, same(403, **{A: 204})),
    ("picklists", "get", "/api/v1/picklists/", None, {}, same(200)),
    ("picklist create", "post", "/api/v1/picklists/", {"kind": "level", "value": "B", "label": "B 级"}, {},
     same(403, **{A: 201})),
    ("picklist update", "patch", "/api/v1/picklists/{p_level}/", {"label": "A 类"}, {}, same(403, **{A: 200})),
]


def _fill(value, world):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value.count("{") == 1:
        return getattr(world, value[1:-1])
    if isinstance(value, str):
        return value.format(**vars(world)) if "{" in value else value
    if isinstance(value, list):
        return [_fill(v, world) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, world) for k, v in value.items()}
    return value


class _Rollback(Exception):  # noqa: N818 - control flow, never escapes the test
    pass


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_access_matrix(endpoint, world):
    """Each persona's request runs in a savepoint that is rolled back, so all start from the same world."""
    _name, method, url, body, headers, expected = endpoint
    problems = []
    for persona in PERSONAS:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        if persona != "anonymous":
            client.force_login(getattr(world.users, persona))
        try:
            with transaction.atomic():
                before = snapshot()
                kwargs = {"format": "json"} if body is not None else {}
                response = getattr(client, method)(_fill(url, world), _fill(body, world), **kwargs, **headers)
                if response.status_code != expected[persona]:
                    problems.append((persona, response.status_code, expected[persona], response.content[:200]))
                elif response.status_code >= 400:
                    if snapshot() != before:
                        problems.append((persona, "changed data on a refused request"))
                    if "detail" not in response.json() and response.status_code != 400:
                        problems.append((persona, "error without detail", response.json()))
                raise _Rollback
        except _Rollback:
            pass
    assert problems == []


def test_bulk_reports_records_outside_scope_as_not_found(world):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.users.sales_rep)
    response = client.post("/api/v1/customers/bulk/", {"action": "tag", "ids": [world.c_rep, world.c_south],
                                                        "tags": ["批量"]}, format="json")
    assert response.json() == {"done": [world.c_rep], "failed": {str(world.c_south): "Not found."}}
    assert list(Customer.objects.get(pk=world.c_south).tags.values_list("name", flat=True)) == []


def test_duplicates_reveal_only_name_and_owner_outside_scope(world):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.users.sales_rep)
    response = client.post("/api/v1/customers/duplicates/", {"name": "广州示例有限公司"}, format="json")
    assert response.json() == [{"customer_id": None, "name": "广州示例有限公司", "owner_name": "李销售",
                                "reasons": ["name"], "is_visible": False}]


def test_list_counts_follow_the_scope(world):
    expected = {"admin": 4, "sales_manager": 3, "sales_rep": 3, "sales_rep_south": 1, "customer_service": 4}
    for persona, count in expected.items():
        client = APIClient()
        client.force_login(getattr(world.users, persona))
        assert client.get("/api/v1/customers/").json()["count"] == count, persona
