"""Lists: filters, sorting with tie-breaker, fixed query counts, history and recycle bin."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from forpcrm.customers import selectors, services
from forpcrm.customers.models import Customer, CustomerStatus
from forpcrm.customers.tests.factories import ContactFactory, CustomerFactory
from forpcrm.customfields.models import FieldDefinition, FieldType

pytestmark = pytest.mark.django_db


def _warm(user):
    list(selectors.customer_list(user=user, params={"scope": "team"})[:1])


@pytest.mark.parametrize("count", [2, 6])
def test_customer_list_runs_a_fixed_number_of_queries(sales_manager, sales_rep, count,
                                                      django_assert_num_queries):
    for n in range(count):
        CustomerFactory(owner=sales_rep if n % 2 else sales_manager, name=f"列表{n}", tags=["甲", f"标签{n}"])
    user = type(sales_manager).objects.get(pk=sales_manager.pk)
    _warm(user)
    with django_assert_num_queries(2):  # customers with owner and department joined, tags prefetched
        rows = list(selectors.customer_list(user=user, params={"q": "列表", "sort": "name"}))
        labels = [(c.owner.username, c.department.name if c.department else "", [t.name for t in c.tags.all()])
                  for c in rows]
    assert len(labels) == count


@pytest.mark.parametrize("count", [2, 6])
def test_contact_list_runs_a_fixed_number_of_queries(sales_manager, count, django_assert_num_queries):
    customer = CustomerFactory(owner=sales_manager, name="联系人列表公司")
    for n in range(count):
        ContactFactory(customer=customer, name=f"联系人{n}")
    user = type(sales_manager).objects.get(pk=sales_manager.pk)
    _warm(user)
    with django_assert_num_queries(1):
        rows = [(c.name, c.customer.name, c.customer.owner.username)
                for c in selectors.contact_list(user=user, params={})]
    assert len(rows) == count


def test_filters(admin, sales_rep, departments):
    CustomerFactory(owner=sales_rep, name="过滤甲", industry="制造业", level="A", province="浙江",
                        status=CustomerStatus.WON, tags=["重点"])
    b = CustomerFactory(owner=admin, name="过滤乙", industry="零售", level="B", province="广东")
    Customer.objects.filter(pk=b.pk).update(created_at=timezone.now() - dt.timedelta(days=10))

    def names(**params):
        return sorted(c.name for c in selectors.customer_list(user=admin, params=params))

    assert names(industry="制造业") == ["过滤甲"]
    assert names(level="A,B") == ["过滤乙", "过滤甲"]
    assert names(status="won") == ["过滤甲"]
    assert names(province="广东") == ["过滤乙"]
    assert names(tag="重点") == ["过滤甲"]
    assert names(owner=str(sales_rep.pk)) == ["过滤甲"]
    assert names(department=str(departments.east.pk)) == ["过滤甲"]  # 上海组 is under 华东大区
    today = timezone.localdate().isoformat()
    assert names(created_from=today) == ["过滤甲"]
    assert names(created_to=(timezone.localdate() - dt.timedelta(days=5)).isoformat()) == ["过滤乙"]


def test_custom_field_filter(admin):
    FieldDefinition.objects.create(entity="customer", code="region_code", label="区域码", field_type=FieldType.TEXT)
    CustomerFactory(owner=admin, name="自定义甲", custom={"region_code": "HZ-01"})
    CustomerFactory(owner=admin, name="自定义乙")
    rows = selectors.customer_list(user=admin, params={"custom__region_code": "hz"})
    assert [c.name for c in rows] == ["自定义甲"]


def test_sorting_whitelist_and_id_tie_breaker(admin):
    first = CustomerFactory(owner=admin, name="同名")
    second = CustomerFactory(owner=admin, name="同名")
    third = CustomerFactory(owner=admin, name="阿", revenue=Decimal("5"))
    assert [c.pk for c in selectors.customer_list(user=admin, params={"sort": "name", "q": "同名"})] == [
        first.pk, second.pk]
    assert [c.pk for c in selectors.customer_list(user=admin, params={"sort": "-name", "q": "同名"})] == [
        second.pk, first.pk]
    assert [c.pk for c in selectors.customer_list(user=admin, params={"sort": "-revenue"})] == [
        third.pk, second.pk, first.pk]
    # unknown sort keys fall back to the default (-updated_at, -id) instead of failing
    assert [c.pk for c in selectors.customer_list(user=admin, params={"sort": "password"})] == [
        third.pk, second.pk, first.pk]
    ordering = selectors.customer_list(user=admin, params={"sort": "name"}).query.order_by
    assert ordering[-1] == "id"


def test_history_is_readable(admin):
    customer = CustomerFactory(owner=admin, name="履历公司", status=CustomerStatus.PROSPECT)
    parent = CustomerFactory(owner=admin, name="母公司")
    services.customer_update(customer=customer, by=admin,
                             data={"status": CustomerStatus.WON, "parent": parent, "credit_limit": "1000"},
                             expected_version=1)
    [latest, created] = selectors.customer_history(customer=customer)
    assert created.action == "created"
    assert sorted(latest.changes) == [("Credit limit", "", "1000.00"), ("Parent company", "", "母公司"),
                                      ("Status", "Prospect", "Won")]
    assert latest.by == admin


def test_recycle_bin(admin, sales_manager):
    customer = CustomerFactory(owner=sales_manager, name="回收公司")
    contact = ContactFactory(customer=CustomerFactory(owner=sales_manager, name="活公司"), name="单删")
    services.customer_delete(customer=customer, by=sales_manager)
    services.contact_delete(contact=contact, by=sales_manager)
    assert [c.name for c in selectors.recycle_bin(user=sales_manager)] == ["回收公司"]
    assert [c.name for c in selectors.recycle_bin(user=sales_manager, kind="contact")] == ["单删"]
    assert list(selectors.customer_list(user=sales_manager, params={"q": "回收"})) == []


def test_history_shows_user_defined_fields_by_label(admin):
    FieldDefinition.objects.create(entity="customer", code="grade", label="评级", field_type=FieldType.CHOICE,
                                   options=[{"value": "g1", "label": "一级"}, {"value": "g2", "label": "二级"}])
    customer = CustomerFactory(owner=admin, name="自定义履历", custom={"grade": "g1"})
    services.customer_update(customer=customer, by=admin, data={"custom": {"grade": "二级"}}, expected_version=1)
    latest = selectors.customer_history(customer=customer)[0]
    assert latest.changes == [("评级", "一级", "二级")]


def test_trigram_indexes_exist_on_postgresql():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%%search_trgm_idx' ORDER BY 1")
        assert [r[0] for r in cursor.fetchall()] == ["contact_search_trgm_idx", "cust_search_trgm_idx"]
