"""The leads demo: about 30 leads for the sales users, one a duplicate of a customer; idempotent."""

import pytest

from forpcrm.customers.tests.factories import ContactFactory, CustomerFactory
from forpcrm.sales.leads import demo, services
from forpcrm.sales.leads.models import Lead

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_has_one_duplicate(sales_rep, sales_manager, sales_rep_south):
    customer = CustomerFactory(owner=sales_rep, name="演示重复客户有限公司")
    ContactFactory(customer=customer, name="陈杰", email="chen.jie@example.com")
    first = demo.demo_load()
    assert first == {"leads": 31, "kept": 0}
    assert Lead.objects.count() == 31
    assert set(Lead.objects.values_list("owner_id", flat=True)) == {sales_rep.pk, sales_manager.pk,
                                                                    sales_rep_south.pk}
    assert demo.demo_load() == {"leads": 0, "kept": 31}
    duplicate = Lead.objects.get(company_name="演示重复客户有限公司")
    check = services.conversion_check(by=sales_rep, data=services.lead_conversion_data(duplicate))
    assert ([m.customer_id for m in check.company], [m.name for m in check.person]) == ([customer.pk], ["陈杰"])
