"""get_visible_or_404 / get_editable_or_404 on customers: missing and not-yours answer the same."""

import pytest
from django.http import Http404

from forpcrm.core.errors import PermissionDeniedError
from forpcrm.customers.models import Customer
from forpcrm.customers.tests.factories import CustomerFactory
from forpcrm.org import access


@pytest.mark.django_db
def test_get_visible_or_404_answers_the_same_for_missing_and_not_yours(sales_rep, sales_rep_south):
    customer = CustomerFactory(owner=sales_rep, name="只属于我")
    assert access.get_visible_or_404(Customer, sales_rep, customer.pk) == customer
    for pk in (customer.pk, 999999, "abc", None):
        with pytest.raises(Http404):
            access.get_visible_or_404(Customer, sales_rep_south, pk)


@pytest.mark.django_db
def test_get_editable_or_404_refuses_read_only_viewers(finance, sales_rep):
    customer = CustomerFactory(owner=sales_rep, name="财务只读")
    assert access.get_visible_or_404(Customer, finance, customer.pk) == customer
    with pytest.raises(PermissionDeniedError):
        access.get_editable_or_404(Customer, finance, customer.pk)
    assert access.get_editable_or_404(Customer, sales_rep, customer.pk) == customer
