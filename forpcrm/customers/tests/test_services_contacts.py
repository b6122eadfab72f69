import pytest
from django.core.exceptions import ValidationError

from forpcrm.core.errors import ConflictError, PermissionDeniedError
from forpcrm.customers import services
from forpcrm.customers.models import Contact
from forpcrm.customers.tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def c05_contact(sales_rep):
    customer = CustomerFactory(owner=sales_rep, name="杭州示例科技有限公司")
    return services.contact_create(by=sales_rep, customer=customer, data={
        "name": "王芳", "mobile": "138-0013-8000", "office_phone": "0571-8888 6666", "email": "Wang.Fang@Example.com"})


def test_contact_keys_and_readable_display_are_kept(c05_contact):
    c05_contact.refresh_from_db()
    assert (c05_contact.mobile, c05_contact.mobile_key, c05_contact.office_key, c05_contact.email_key) == (
        "138-0013-8000", "+8613800138000", "+8657188886666", "wang.fang@example.com")
    assert c05_contact.version == 1


@pytest.mark.parametrize("raw", ["13800138000", "+86 138 0013 8000", "0086-13800138000", "(+86)138 0013 8000",
                                 "+86 571 88886666"])
def test_c05_every_spelling_matches_the_contact(c05_contact, raw):
    matches = services.contact_matches(phone=raw)
    assert [(m.contact_id, m.reasons, m.is_certain) for m in matches] == [(c05_contact.pk, ["phone"], True)]


def test_c05_an_invalid_number_warns_and_never_matches(c05_contact):
    matches = services.contact_matches(phone="138001380")
    assert matches
    assert all(not m.is_certain and m.warning for m in matches)
    assert [m.contact_id for m in matches if m.contact_id] == [c05_contact.pk]


def test_contact_matches_by_email_and_name_within_customer(c05_contact):
    assert [m.contact_id for m in services.contact_matches(email="WANG.FANG@example.com")] == [c05_contact.pk]
    assert [m.reasons for m in services.contact_matches(customer=c05_contact.customer, name="王芳")] == [["name"]]
    assert services.contact_matches(customer=CustomerFactory(name="别家"), name="王芳") == []


def test_contact_create_validates_phones_and_permission(sales_rep, finance):
    customer = CustomerFactory(owner=sales_rep, name="校验公司")
    with pytest.raises(ValidationError) as exc:
        services.contact_create(by=sales_rep, customer=customer, data={"name": "坏号", "mobile": "abc"})
    assert list(exc.value.message_dict) == ["mobile"]
    with pytest.raises(PermissionDeniedError):
        services.contact_create(by=finance, customer=customer, data={"name": "财务加"})
    assert Contact.all_objects.count() == 0


def test_contact_update_merges_stale_saves_like_customers(sales_rep):
    contact = ContactFactory(customer=CustomerFactory(owner=sales_rep), name="李四", title="经理", by=sales_rep)
    services.contact_update(contact=contact, by=sales_rep, data={"title": "总监"}, expected_version=1)
    services.contact_update(contact=contact, by=sales_rep, data={"title": "经理", "wechat": "lisi"},
                            expected_version=1)
    contact.refresh_from_db()
    assert (contact.title, contact.wechat, contact.version) == ("总监", "lisi", 3)
    with pytest.raises(ConflictError) as exc:
        services.contact_update(contact=contact, by=sales_rep, data={"title": "主任"}, expected_version=1)
    assert exc.value.current == {"title": "总监"}


def test_only_one_primary_contact(sales_rep):
    customer = CustomerFactory(owner=sales_rep)
    first = ContactFactory(customer=customer, is_primary=True, by=sales_rep)
    second = ContactFactory(customer=customer, is_primary=True, by=sales_rep)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_primary, second.is_primary) == (False, True)


def test_contact_delete_and_restore(sales_rep):
    contact = ContactFactory(customer=CustomerFactory(owner=sales_rep), by=sales_rep)
    services.contact_delete(contact=contact, by=sales_rep)
    assert not Contact.objects.filter(pk=contact.pk).exists()
    services.contact_restore(contact=contact, by=sales_rep)
    assert Contact.objects.filter(pk=contact.pk).exists()
