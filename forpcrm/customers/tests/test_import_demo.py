"""`forpcrm demo`: idempotent, deterministic, one login per role template, different scopes."""

import io

import pytest
from django.core.management import call_command

from forpcrm.customers.demo import companies, credit_code
from forpcrm.customers.models import Contact, Customer
from forpcrm.customers.normalize import credit_code_error
from forpcrm.customfields.models import PicklistOption
from forpcrm.imports.management.commands.demo_load import DEMO_USERS
from forpcrm.imports.testing import media_root_fixture  # noqa: F401
from forpcrm.org.models import Role, User

pytestmark = pytest.mark.django_db


def _counts():
    return (User.objects.count(), Customer.objects.count(), Contact.objects.count(), PicklistOption.objects.count())


def test_demo_load_twice_creates_nothing_the_second_time(media_root):
    out = io.StringIO()
    call_command("demo_load", count=24, stdout=out)
    first = _counts()
    assert first[1] == 85 + 24
    assert "admin      admin123" in out.getvalue()
    from forpcrm.imports.engine import definitions

    if "products" in definitions():  # the catalogue exists: the preset imports it
        assert "products.csv → products: 7 rows" in out.getvalue()
    else:
        assert "products.csv: 7 rows kept for the product catalogue" in out.getvalue()

    call_command("demo_load", count=24, stdout=io.StringIO())
    assert _counts() == first

    for username, password, *_rest in DEMO_USERS:
        user = User.objects.get(username=username)
        assert user.check_password(password)
    assert {r.code for r in Role.objects.filter(users__username__in=[u[0] for u in DEMO_USERS])} == {
        "admin", "sales_director", "sales_manager", "sales_rep", "finance", "delivery", "customer_service"}
    sales = set(Customer.objects.visible_to(User.objects.get(username="sales")).values_list("pk", flat=True))
    sales2 = set(Customer.objects.visible_to(User.objects.get(username="sales2")).values_list("pk", flat=True))
    manager = set(Customer.objects.visible_to(User.objects.get(username="manager")).values_list("pk", flat=True))
    assert sales and sales2 and not (sales & sales2 - set(Customer.objects.filter(owner__isnull=True).values_list("pk", flat=True)))
    assert sales <= manager
    delivery = Customer.objects.visible_to(User.objects.get(username="delivery"))
    assert delivery.count() == delivery.filter(status="won").count() > 0


def test_generated_data_is_deterministic_with_valid_credit_codes():
    first, second = companies(50), companies(50)
    assert first == second
    assert len({c["name"] for c in first}) == 50
    assert all(credit_code_error(c["credit_code"]) is None for c in first)
    assert sum(len(c["contacts"]) for c in first) > 50
    import random

    assert credit_code_error(credit_code(random.Random(1), "330106")) is None
