"""Case C06 (Chinese substrings, pinyin, phone digits) at selector level."""

import pytest

from forpcrm.customers import selectors, services
from forpcrm.customers.search import search_text_for_customer
from forpcrm.customers.tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def c06(admin):
    beijing = CustomerFactory(owner=admin, name="北京测试有限公司")
    tengda = CustomerFactory(owner=admin, name="深圳市腾达电子有限公司")
    xiruan = CustomerFactory(owner=admin, name="西软软件")
    zhangsan = ContactFactory(customer=beijing, name="张三", mobile="138-0013-8000", by=admin)
    ContactFactory(customer=xiruan, name="张三丰", by=admin)
    ContactFactory(customer=xiruan, name="李四", by=admin)
    return {"beijing": beijing, "tengda": tengda, "xiruan": xiruan, "zhangsan": zhangsan}


def _contacts(user, q):
    return {c.name for c in selectors.contact_list(user=user, params={"q": q})}


def _customers(user, q):
    return {c.name for c in selectors.customer_list(user=user, params={"q": q})}


def test_c06_chinese_substrings(admin, c06):
    assert _contacts(admin, "张三") == {"张三", "张三丰"}
    assert _contacts(admin, "三丰") == {"张三丰"}
    assert _customers(admin, "腾达") == {"深圳市腾达电子有限公司"}
    assert _contacts(admin, "北京测试") == {"张三"}


def test_pinyin_full_and_initials(admin, c06):
    assert _customers(admin, "xrrj") == {"西软软件"}
    assert _customers(admin, "xiruan") == {"西软软件"}
    assert _customers(admin, "XRRJ") == {"西软软件"}
    assert _contacts(admin, "zhangsanfeng") == {"张三丰"}


def test_phone_digits_and_tail_find_the_contact(admin, c06):
    assert _contacts(admin, "13800138000") == {"张三"}
    assert _contacts(admin, "8000") == {"张三"}
    assert _contacts(admin, "+86 138 0013 8000") == {"张三"}


def test_search_stays_within_scope(sales_rep, admin, c06):
    mine = CustomerFactory(owner=sales_rep, name="上海腾达物流有限公司")
    assert _customers(sales_rep, "腾达") == {mine.name}
    assert _contacts(sales_rep, "张三") == set()


def test_search_text_is_rebuilt_on_every_write(admin):
    customer = CustomerFactory(owner=admin, name="旧名字")
    services.customer_update(customer=customer, by=admin, data={"name": "新名字", "city": "杭州"},
                             expected_version=None)
    customer.refresh_from_db()
    assert customer.search_text == search_text_for_customer(customer)
    assert _customers(admin, "旧名") == set()
    assert _customers(admin, "xmz") == {"新名字"}
    assert _customers(admin, "杭州") == {"新名字"}


def test_multiple_terms_must_all_match(admin, c06):
    assert _customers(admin, "北京 测试") == {"北京测试有限公司"}
    assert _customers(admin, "北京 腾达") == set()
