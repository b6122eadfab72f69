from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from forpcrm.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from forpcrm.customers import services
from forpcrm.customers.models import Contact, Customer, OwnershipAction
from forpcrm.customers.selectors import customer_history
from forpcrm.customers.tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def test_create_sets_owner_department_keys_version_and_log(sales_rep):
    customer = services.customer_create(by=sales_rep, data={
        "name": "西软软件（中国）有限公司", "phone": "021-6666 8888", "email": "Info@XiRuan.example",
        "credit_code": "91350100m000100y43", "tags": ["重点", "重点", "软件"], "city": "上海",
    })
    customer.refresh_from_db()
    assert customer.owner == sales_rep
    assert customer.department == sales_rep.department
    assert customer.version == 1
    assert customer.name_key == "西软软件"
    assert customer.phone_key == "+862166668888"
    assert customer.email_key == "info@xiruan.example"
    assert customer.credit_code == "91350100M000100Y43"
    assert "xiruanruanjian" in customer.search_text and "xrrj" in customer.search_text
    assert sorted(customer.tags.values_list("name", flat=True)) == ["软件", "重点"]
    log = list(customer.ownership_log.values_list("action", "to_user", "by"))
    assert log == [(OwnershipAction.CREATE, sales_rep.pk, sales_rep.pk)]


def test_create_with_owner_none_puts_it_in_the_pool(sales_rep):
    customer = services.customer_create(by=sales_rep, data={"name": "公海客户"}, owner=None)
    assert customer.owner is None
    assert customer.department_id == sales_rep.department_id
    assert customer.pool_entered_at is not None


def test_create_rejects_bad_credit_code_with_a_clear_message(sales_rep):
    with pytest.raises(ValidationError) as exc:
        services.customer_create(by=sales_rep, data={"name": "坏码公司", "credit_code": "91350100M000100Y44"})
    assert list(exc.value.message_dict) == ["credit_code"]
    assert "check digit" in exc.value.message_dict["credit_code"][0]
    assert Customer.all_objects.count() == 0


def test_create_refuses_unknown_fields_and_missing_name(sales_rep):
    with pytest.raises(ValidationError) as exc:
        services.customer_create(by=sales_rep, data={"name": "", "owner_id": 3})
    assert set(exc.value.message_dict) == {"owner_id"}
    with pytest.raises(ValidationError) as exc:
        services.customer_create(by=sales_rep, data={"name": ""})
    assert set(exc.value.message_dict) == {"name"}


def test_create_needs_the_create_permission(finance):
    with pytest.raises(PermissionDeniedError):
        services.customer_create(by=finance, data={"name": "无权公司"})
    assert Customer.all_objects.count() == 0


def test_create_warns_about_duplicates_until_confirmed(sales_rep, sales_rep_south):
    CustomerFactory(owner=sales_rep_south, name="北京测试有限公司", phone="13800138000")
    with pytest.raises(services.DuplicatesFound) as exc:
        services.customer_create(by=sales_rep, data={"name": "北京测试(中国)股份有限公司"})
    [match] = exc.value.matches
    assert (match.customer_id, match.name, match.owner_name, match.reasons, match.is_visible) == (
        None, "北京测试有限公司", "李销售", ["name"], False)
    created = services.customer_create(by=sales_rep, data={"name": "北京测试(中国)股份有限公司"},
                                       confirm_duplicates=True)
    assert created.pk


def test_duplicates_reveal_visible_records_and_all_reasons(admin, sales_rep):
    existing = CustomerFactory(owner=sales_rep, name="ACME Co., Ltd.", credit_code="91350100M000100Y43",
                               phone="+86 138 0013 8000", email="Sales@Acme.example")
    matches = services.customer_duplicates(
        data={"name": "Acme Inc.", "credit_code": "91350100m000100y43", "phone": "138-0013-8000",
              "email": "sales@acme.EXAMPLE"}, user=admin)
    assert [(m.customer_id, m.reasons, m.is_visible) for m in matches] == [
        (existing.pk, ["credit_code", "name", "phone", "email"], True)]
    assert services.customer_duplicates(data={"name": "Acme"}, user=admin, exclude_id=existing.pk) == []


def test_update_writes_only_given_keys_and_records_history(sales_rep):
    customer = CustomerFactory(owner=sales_rep, name="历史公司", level="B", credit_limit=Decimal("50000"))
    services.customer_update(customer=customer, by=sales_rep, data={"level": "A"}, expected_version=1)
    customer.refresh_from_db()
    assert (customer.level, customer.credit_limit, customer.version) == ("A", Decimal("50000.00"), 2)
    [latest, first] = customer_history(customer=customer)
    assert latest.by == sales_rep
    assert latest.changes == [("Level", "B", "A")]
    assert first.action == "created"


def _customer_k(owner):
    customer = CustomerFactory(owner=owner, name="客户K", level="B", credit_limit=Decimal("50000"))
    Customer.objects.filter(pk=customer.pk).update(version=6)
    customer.refresh_from_db()
    services.customer_update(customer=customer, by=owner, data={"remarks": "v7"}, expected_version=6)
    customer.refresh_from_db()
    assert customer.version == 7
    return customer


def test_c10_stale_saves_merge_field_by_field_and_conflicts_write_nothing(sales_rep):
    k = _customer_k(sales_rep)
    # B saves credit limit 80,000 → version 8
    services.customer_update(customer=k, by=sales_rep, data={"level": "B", "credit_limit": "80000"},
                             expected_version=7)
    k.refresh_from_db()
    assert (k.version, k.credit_limit) == (8, Decimal("80000.00"))
    # A, still on version 7, saves level A (the page form sends every field, credit limit unchanged)
    services.customer_update(customer=k, by=sales_rep, data={"level": "A", "credit_limit": "50000.00"},
                             expected_version=7)
    k.refresh_from_db()
    assert (k.level, k.credit_limit, k.version) == ("A", Decimal("80000.00"), 9)
    # A then saves credit limit 60,000 from the stale form: refused, nothing written
    with pytest.raises(ConflictError) as exc:
        services.customer_update(customer=k, by=sales_rep, data={"level": "B", "credit_limit": "60000"},
                                 expected_version=7)
    assert exc.value.current == {"credit_limit": "80000.00"}
    k.refresh_from_db()
    assert (k.level, k.credit_limit, k.version) == ("A", Decimal("80000.00"), 9)


def test_stale_strict_update_is_refused(sales_rep):
    k = _customer_k(sales_rep)
    with pytest.raises(ConflictError) as exc:
        services.customer_update(customer=k, by=sales_rep, data={"level": "A"}, expected_version=6, strict=True)
    assert exc.value.current == {"level": "B", "version": 7}
    k.refresh_from_db()
    assert (k.level, k.version) == ("B", 7)


def test_update_refuses_parent_cycles(sales_rep):
    group = CustomerFactory(owner=sales_rep, name="集团母公司")
    child = CustomerFactory(owner=sales_rep, name="子公司", parent=group)
    assert child.parent == group
    with pytest.raises(ValidationError) as exc:
        services.customer_update(customer=group, by=sales_rep, data={"parent": child.pk}, expected_version=None)
    assert list(exc.value.message_dict) == ["parent"]


def test_update_by_someone_out_of_scope_is_refused(sales_rep, sales_rep_south):
    customer = CustomerFactory(owner=sales_rep, name="本人客户")
    with pytest.raises(PermissionDeniedError):
        services.customer_update(customer=customer, by=sales_rep_south, data={"level": "A"}, expected_version=1)
    customer.refresh_from_db()
    assert (customer.level, customer.version) == ("", 1)


def test_c11_delete_takes_contacts_and_restore_brings_back_only_those(sales_manager):
    customer = CustomerFactory(owner=sales_manager, name="回收站公司")
    earlier = ContactFactory(customer=customer, name="早删", by=sales_manager)
    services.contact_delete(contact=earlier, by=sales_manager)
    kept = ContactFactory(customer=customer, name="同删", by=sales_manager)
    services.customer_delete(customer=customer, by=sales_manager)
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert not Contact.objects.filter(customer_id=customer.pk).exists()
    services.customer_restore(customer=customer, by=sales_manager)
    assert Customer.objects.filter(pk=customer.pk).exists()
    assert list(Contact.objects.filter(customer=customer).values_list("name", flat=True)) == ["同删"]
    assert Contact.all_objects.get(pk=earlier.pk).is_deleted
    assert kept.pk


def test_delete_is_refused_while_dependents_exist(sales_manager):
    customer = CustomerFactory(owner=sales_manager, name="有合同公司")
    services.customer_dependency_register("contracts", lambda c: 2 if c.name == "有合同公司" else 0)
    try:
        with pytest.raises(ApplicationError) as exc:
            services.customer_delete(customer=customer, by=sales_manager)
        assert exc.value.code == "customer_has_dependents"
        assert "contracts (2)" in exc.value.message
        assert exc.value.extra["dependents"] == {"contracts": 2}
        assert Customer.objects.filter(pk=customer.pk).exists()
    finally:
        from forpcrm.customers.services import customers as module

        module._DEPENDENCIES.pop("contracts")


def test_delete_needs_the_delete_permission(sales_rep):
    customer = CustomerFactory(owner=sales_rep, name="代表客户")
    with pytest.raises(PermissionDeniedError):
        services.customer_delete(customer=customer, by=sales_rep)
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_merge_moves_contacts_team_tags_log_and_bins_the_merged(sales_manager, sales_rep):
    survivor = CustomerFactory(owner=sales_manager, name="合并甲", tags=["甲"])
    merged = CustomerFactory(owner=sales_manager, name="合并乙", tags=["乙"], phone="13900000002")
    contact = ContactFactory(customer=merged, name="王芳", by=sales_manager)
    services.team_member_add(customer=merged, user=sales_rep, can_edit=False, by=sales_manager)
    result = services.customer_merge(survivor=survivor, merged=merged, by=sales_manager)
    contact.refresh_from_db()
    assert contact.customer_id == survivor.pk
    assert sorted(result.tags.values_list("name", flat=True)) == ["乙", "甲"]
    assert list(result.team_members.values_list("user", flat=True)) == [sales_rep.pk]
    assert result.phone == "13900000002"
    assert sorted(result.ownership_log.values_list("action", flat=True)) == ["create", "create", "merge"]
    gone = Customer.all_objects.get(pk=merged.pk)
    assert gone.is_deleted and gone.merged_into_id == survivor.pk
    with pytest.raises(ApplicationError):
        services.customer_restore(customer=gone, by=sales_manager)


def test_tags_are_versioned_in_history_and_merged_on_stale_saves(sales_rep):
    customer = CustomerFactory(owner=sales_rep, name="标签公司", tags=["甲"])
    services.customer_update(customer=customer, by=sales_rep, data={"tags": ["甲", "乙"]}, expected_version=1)
    customer.refresh_from_db()
    assert (customer.tag_names, customer.version) == ("乙, 甲", 2)
    assert customer_history(customer=customer)[0].changes == [("Tags", "甲", "乙, 甲")]
    # a stale form that did not touch the tags keeps them; one that changed them too conflicts
    services.customer_update(customer=customer, by=sales_rep, data={"tags": ["甲"], "level": "A"},
                             expected_version=1)
    customer.refresh_from_db()
    assert (customer.level, sorted(customer.tags.values_list("name", flat=True))) == ("A", ["乙", "甲"])
    with pytest.raises(ConflictError) as exc:
        services.customer_update(customer=customer, by=sales_rep, data={"tags": ["丙"]}, expected_version=1)
    assert exc.value.current == {"tags": ["乙", "甲"]}


def test_tags_set_bumps_the_version(sales_rep):
    customer = CustomerFactory(owner=sales_rep, name="设标签")
    services.customer_tags_set(customer=customer, tags=["重点", " 重点 ", ""], by=sales_rep)
    customer.refresh_from_db()
    assert (customer.tag_names, customer.version) == ("重点", 2)
    services.customer_tags_set(customer=customer, tags=["重点"], by=sales_rep)
    customer.refresh_from_db()
    assert customer.version == 2


def test_c10_stale_save_of_only_the_changed_field(sales_rep):
    k = _customer_k(sales_rep)
    services.customer_update(customer=k, by=sales_rep, data={"credit_limit": Decimal("80000")}, expected_version=7)
    services.customer_update(customer=k, by=sales_rep, data={"level": "A"}, expected_version=7)
    k.refresh_from_db()
    assert (k.level, k.credit_limit, k.version) == ("A", Decimal("80000.00"), 9)


def test_both_sides_making_the_same_change_is_not_a_conflict(sales_rep):
    k = _customer_k(sales_rep)
    services.customer_update(customer=k, by=sales_rep, data={"level": "A"}, expected_version=7)
    services.customer_update(customer=k, by=sales_rep, data={"level": "A"}, expected_version=7)
    k.refresh_from_db()
    assert (k.level, k.version) == ("A", 8)


def test_bulk_delete_checks_permission_per_record(sales_manager, sales_rep):
    mine = CustomerFactory(owner=sales_manager, name="批删一")
    rep_customer = CustomerFactory(owner=sales_rep, name="批删二")
    result = services.customers_bulk(action="delete", customer_ids=[mine.pk, rep_customer.pk], by=sales_rep)
    assert result.done == []
    assert set(result.failed) == {mine.pk, rep_customer.pk}
    result = services.customers_bulk(action="delete", customer_ids=[mine.pk, rep_customer.pk], by=sales_manager)
    assert result.done == [mine.pk, rep_customer.pk]
    assert Customer.objects.filter(pk__in=[mine.pk, rep_customer.pk]).count() == 0


def test_custom_fields_are_validated_on_create_and_update(sales_rep):
    from forpcrm.customfields.models import FieldDefinition, FieldType

    FieldDefinition.objects.create(entity="customer", code="budget", label="预算", field_type=FieldType.MONEY,
                                   required=True)
    with pytest.raises(ValidationError) as exc:
        services.customer_create(by=sales_rep, data={"name": "无预算"})
    assert list(exc.value.message_dict) == ["custom.budget"]
    customer = services.customer_create(by=sales_rep, data={"name": "有预算", "custom": {"budget": "58.325"}})
    assert customer.custom == {"budget": "58.33"}
    with pytest.raises(ValidationError):
        services.customer_update(customer=customer, by=sales_rep, data={"custom": {"budget": "abc"}},
                                 expected_version=1)
    services.customer_update(customer=customer, by=sales_rep, data={"custom": {"budget": "100"}},
                             expected_version=1)
    customer.refresh_from_db()
    assert (customer.custom, customer.version) == ({"budget": "100.00"}, 2)
