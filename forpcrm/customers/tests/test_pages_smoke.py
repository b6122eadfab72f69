"""Every main page renders for the personas allowed to see it."""

import pytest
from django.urls import reverse

from forpcrm.customers.tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas):
    mine = CustomerFactory(owner=personas.sales_rep, name="上海示例科技有限公司", remarks="line1")
    ContactFactory(customer=mine, name="张三", mobile="13800138000")
    pooled = CustomerFactory(owner=None, by=personas.admin, name="公海客户有限公司")
    return mine, pooled


@pytest.mark.parametrize("persona", ["admin", "sales_manager", "sales_rep", "customer_service"])
def test_main_pages_render_for_allowed_personas(client, personas, world, persona):
    # Given a persona with customers view
    mine, _pooled = world
    client.force_login(getattr(personas, persona))
    # When they open the main pages, then each renders
    for url in [reverse("org:home"), reverse("customers:customer_list"), reverse("customers:contact_list"),
                reverse("customers:recycle_bin"), reverse("customers:search") + "?q=上海",
                reverse("customers:customer_detail", args=[mine.pk]),
                reverse("customers:customer_edit", args=[mine.pk]), reverse("org:profile")]:
        response = client.get(url)
        assert response.status_code in (200, 403), (url, response.status_code)
        if persona in ("admin", "sales_rep"):
            assert response.status_code == 200, url


def test_settings_pages_render_for_admin(client, personas, world):
    client.force_login(personas.admin)
    for name in ["org:department_list", "org:user_list", "org:user_create", "org:role_list", "org:role_create",
                 "customfields:field_list", "customfields:field_create", "customfields:picklist_list",
                 "customers:poolrule_list", "customers:pool", "customers:customer_create"]:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
