"""User-defined field definitions and picklists over the API."""

import pytest
from rest_framework.test import APIClient

from forpcrm.customfields.models import FieldDefinition, FieldType, PicklistOption
from forpcrm.org.models import Action, DataScope, Module, Role, RoleGrant
from forpcrm.org.services import user_create

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_admin_creates_a_choice_field_and_options_are_cleaned(admin):
    response = api(admin).post("/api/v1/custom-fields/", {
        "entity": "customer", "code": "tier", "label": "档次", "field_type": "choice",
        "options": [{"value": "gold", "label": "金"}, {"value": "silver", "label": "银"}], "show_in_list": True,
    }, format="json")
    assert response.status_code == 201, response.json()
    definition = FieldDefinition.objects.get(code="tier")
    assert definition.options == [{"value": "gold", "label": "金", "label_en": ""},
                                  {"value": "silver", "label": "银", "label_en": ""}]
    assert response.json()["show_in_list"] is True


def test_invalid_definitions_are_field_errors(admin):
    client = api(admin)
    response = client.post("/api/v1/custom-fields/", {"entity": "customer", "code": "Bad Code!", "label": "x",
                                                      "field_type": "choice"}, format="json")
    assert response.status_code == 400
    assert "code" in response.json()
    FieldDefinition.objects.create(entity="customer", code="tier", label="档次", field_type=FieldType.TEXT)
    response = client.post("/api/v1/custom-fields/", {"entity": "customer", "code": "tier", "label": "x",
                                                      "field_type": "choice"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"code", "options"}
    assert FieldDefinition.objects.count() == 1


def test_code_and_entity_never_change_and_delete_deactivates(admin):
    definition = FieldDefinition.objects.create(entity="customer", code="tier", label="档次", field_type=FieldType.TEXT)
    client = api(admin)
    response = client.patch(f"/api/v1/custom-fields/{definition.pk}/", {"code": "other"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["code"]
    assert client.patch(f"/api/v1/custom-fields/{definition.pk}/", {"label": "等级"}, format="json").json()[
        "label"] == "等级"
    assert client.delete(f"/api/v1/custom-fields/{definition.pk}/").status_code == 204
    definition.refresh_from_db()
    assert (definition.is_active, definition.code, definition.label) == (False, "tier", "等级")


def test_reading_follows_the_entity_permission(roles):
    role = Role.objects.create(code="purchaser", name="采购")
    RoleGrant.objects.create(role=role, module=Module.CUSTOMERS, actions=[Action.VIEW], scope=DataScope.ALL)
    purchaser = user_create(username="purchaser", password="pass1234", roles=[role])
    FieldDefinition.objects.create(entity="customer", code="tier", label="档次", field_type=FieldType.TEXT)
    secret = FieldDefinition.objects.create(entity="contact", code="hobby", label="爱好", field_type=FieldType.TEXT)
    client = api(purchaser)
    assert [d["code"] for d in client.get("/api/v1/custom-fields/").json()["results"]] == ["tier"]
    assert client.get(f"/api/v1/custom-fields/{secret.pk}/").status_code == 404


def test_picklists_filter_by_kind_and_admin_writes(admin, sales_rep):
    PicklistOption.objects.create(kind="level", value="A", label="A 级")
    PicklistOption.objects.create(kind="industry", value="制造业", label="制造业")
    assert [p["value"] for p in api(sales_rep).get("/api/v1/picklists/", {"kind": "level"}).json()["results"]] == ["A"]
    response = api(admin).post("/api/v1/picklists/", {"kind": "level", "value": "A", "label": "重复"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["value"]
    assert PicklistOption.objects.count() == 2


@pytest.mark.parametrize("url", ["/api/v1/custom-fields/", "/api/v1/picklists/"])
def test_list_query_count_is_fixed(url, admin, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(admin)

    def add(start, stop):
        for i in range(start, stop):
            if "picklists" in url:
                PicklistOption.objects.create(kind="industry", value=f"v{i}", label=f"行业{i}")
            else:
                FieldDefinition.objects.create(entity="customer", code=f"f{i}", label=f"字段{i}",
                                               field_type=FieldType.CHOICE, options=[{"value": "a", "label": "A"}])

    add(0, 1)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    add(1, 20)
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get(url).json()["count"] == 20
