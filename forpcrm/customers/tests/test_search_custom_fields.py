"""Values of searchable user-defined fields are part of a record's search text."""

import pytest
from rest_framework.test import APIClient

from forpcrm.customers.models import Contact, Customer
from forpcrm.customers.tests.factories import ContactFactory, CustomerFactory
from forpcrm.customfields.models import FieldDefinition, FieldType
from forpcrm.customfields.services import field_definition_update

pytestmark = pytest.mark.django_db


def _field(entity: str, code: str, *, searchable: bool) -> FieldDefinition:
    return FieldDefinition.objects.create(entity=entity, code=code, label=code, field_type=FieldType.TEXT,
                                          is_searchable=searchable)


def test_searchable_custom_field_is_found_on_pages_and_api(client, sales_rep):
    _field("customer", "erp_no", searchable=True)
    found = CustomerFactory(owner=sales_rep, name="自定义检索公司", custom={"erp_no": "ERP-0001"})
    CustomerFactory(owner=sales_rep, name="其他公司", custom={"erp_no": "ERP-0002"})
    assert "erp-0001" in Customer.objects.get(pk=found.pk).search_text
    client.force_login(sales_rep)
    page = client.get("/customers/", {"q": "ERP-0001"})
    assert [row["record"].pk for row in page.context["rows"]] == [found.pk]
    api = APIClient()
    api.force_login(sales_rep)
    results = api.get("/api/v1/customers/", {"search": "ERP-0001"}).json()["results"]
    assert [r["id"] for r in results] == [found.pk]


def test_not_searchable_custom_field_is_not_in_search_text(sales_rep):
    _field("customer", "internal_no", searchable=False)
    customer = CustomerFactory(owner=sales_rep, name="不检索公司", custom={"internal_no": "INT-77"})
    assert "int-77" not in Customer.objects.get(pk=customer.pk).search_text


def test_toggling_searchable_recomputes_existing_records(admin, sales_rep):
    definition = _field("customer", "erp_no", searchable=False)
    contact_field = _field("contact", "badge", searchable=False)
    customers = [CustomerFactory(owner=sales_rep, name=f"存量公司{i}", custom={"erp_no": f"ERP-10{i}"})
                 for i in range(3)]
    deleted = CustomerFactory(owner=sales_rep, name="已删公司", custom={"erp_no": "ERP-DEL"})
    Customer.all_objects.filter(pk=deleted.pk).update(deleted_at="2026-01-01T00:00:00Z")
    contact = ContactFactory(customer=customers[0], name="存量联系人", custom={"badge": "B-42"})
    assert "erp-100" not in Customer.objects.get(pk=customers[0].pk).search_text

    field_definition_update(definition=definition, by=admin, data={"is_searchable": True})
    texts = dict(Customer.all_objects.values_list("pk", "search_text"))
    assert [f"erp-10{i}" in texts[c.pk] for i, c in enumerate(customers)] == [True, True, True]
    assert "erp-del" in texts[deleted.pk]
    assert "b-42" not in Contact.objects.get(pk=contact.pk).search_text

    field_definition_update(definition=contact_field, by=admin, data={"is_searchable": True})
    assert "b-42" in Contact.objects.get(pk=contact.pk).search_text

    field_definition_update(definition=definition, by=admin, data={"is_searchable": False})
    assert "erp-100" not in Customer.objects.get(pk=customers[0].pk).search_text
    assert Customer.objects.get(pk=customers[0].pk).search_text.startswith("存量公司0")
