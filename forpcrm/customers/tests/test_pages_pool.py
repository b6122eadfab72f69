"""Pool, recycle bin, pool rules and global search pages."""

import pytest
from django.urls import reverse

from forpcrm.customers import services
from forpcrm.customers.models import Contact, Customer, OwnershipLog, PoolRule
from forpcrm.customers.tests.factories import ContactFactory, CustomerFactory
from forpcrm.org.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def test_pool_lists_unowned_in_scope_and_claims(client, personas):
    # Given pool customers of the rep's department and of another region
    rep = personas.sales_rep
    here = CustomerFactory(owner=None, by=rep, name="本组公海客户")
    CustomerFactory(owner=None, by=personas.sales_rep_south, name="华南公海客户")
    CustomerFactory(owner=rep, name="有主客户")
    client.force_login(rep)
    response = client.get(reverse("customers:pool"))
    assert [row["record"].name for row in response.context["rows"]] == ["本组公海客户"]
    assert response.context["can_assign"] is False
    # When the rep claims it from the pool page
    response = client.post(reverse("customers:pool_claim"), {"ids": [here.pk], "next": reverse("customers:pool")},
                           follow=True)
    here.refresh_from_db()
    assert here.owner_id == rep.pk
    assert [str(m) for m in response.context["messages"]] == ["You now own “本组公海客户”."]


def test_claim_shows_the_cap_error_and_changes_nothing(client, personas, roles):
    rep = personas.sales_rep
    Role.objects.filter(pk=roles["sales_rep"].pk).update(max_owned_customers=1)
    CustomerFactory(owner=rep, name="已有客户")
    pooled = CustomerFactory(owner=None, by=rep, name="想要的客户")
    client.force_login(rep)
    response = client.post(reverse("customers:customer_claim", args=[pooled.pk]), follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1
    assert "1" in messages[0]
    pooled.refresh_from_db()
    assert pooled.owner_id is None
    assert OwnershipLog.objects.filter(customer=pooled, action="claim").count() == 0


def test_manager_assigns_from_the_pool(client, personas):
    manager, rep = personas.sales_manager, personas.sales_rep
    pooled = CustomerFactory(owner=None, by=manager, name="待分配客户")
    client.force_login(manager)
    assert client.get(reverse("customers:pool")).context["can_assign"] is True
    client.post(reverse("customers:customer_assign", args=[pooled.pk]), {"to": rep.pk})
    pooled.refresh_from_db()
    assert pooled.owner_id == rep.pk
    # Without a user: a message naming the field, nothing changed
    other = CustomerFactory(owner=None, by=manager, name="另一个")
    response = client.post(reverse("customers:customer_assign", args=[other.pk]), {"to": ""}, follow=True)
    assert [str(m) for m in response.context["messages"]][-1] == "Assign to: Choose an active user."
    other.refresh_from_db()
    assert other.owner_id is None


def test_pool_is_refused_without_pool_rights(client, personas):
    client.force_login(personas.customer_service)
    assert client.get(reverse("customers:pool")).status_code == 403
    assert client.post(reverse("customers:pool_claim"), {"ids": ["1"]}).status_code == 403


def test_recycle_bin_lists_contacts_in_scope_and_restores(client, personas):
    rep, south = personas.sales_rep, personas.sales_rep_south
    mine = CustomerFactory(owner=rep, name="我的客户")
    contact = ContactFactory(customer=mine, name="删除的联系人")
    services.contact_delete(contact=contact, by=rep)
    theirs = CustomerFactory(owner=south, name="别人的客户")
    services.contact_delete(contact=ContactFactory(customer=theirs, name="别人的联系人"), by=south)
    client.force_login(rep)
    response = client.get(reverse("customers:recycle_bin"), {"kind": "contact"})
    assert [r.name for r in response.context["records"]] == ["删除的联系人"]
    client.post(reverse("customers:recycle_restore", args=["contact", contact.pk]))
    assert Contact.objects.filter(pk=contact.pk).exists() is True
    # Restoring a record outside the scope answers 404
    hidden = Contact.all_objects.get(name="别人的联系人")
    assert client.post(reverse("customers:recycle_restore", args=["contact", hidden.pk])).status_code == 404
    assert Contact.all_objects.get(pk=hidden.pk).deleted_at is not None


def test_pool_rules_crud(client, personas):
    client.force_login(personas.admin)
    url = reverse("customers:poolrule_list")
    response = client.post(url, {"level": "", "days_without_followup": "30", "days_without_won": "",
                                 "exempt_won_customers": "on", "reclaim_block_days": "7", "warn_days_before": "3",
                                 "is_active": "on"})
    assert response.status_code == 302
    rule = PoolRule.objects.get()
    assert (rule.level, rule.days_without_followup, rule.reclaim_block_days, rule.warn_days_before) == ("", 30, 7, 3)
    # Neither limit: an error naming the field, nothing written
    response = client.post(url, {"level": "A", "reclaim_block_days": "0", "warn_days_before": "0", "is_active": "on"})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["days_without_followup"]
    assert PoolRule.objects.count() == 1
    edit = reverse("customers:poolrule_edit", args=[rule.pk])
    client.post(edit, {"level": "", "days_without_followup": "45", "reclaim_block_days": "7", "warn_days_before": "50",
                       "is_active": "on"})
    rule.refresh_from_db()
    assert rule.days_without_followup == 30  # warning after the return is refused
    client.post(edit, {"level": "", "days_without_followup": "45", "reclaim_block_days": "7", "warn_days_before": "5",
                       "is_active": "on"})
    rule.refresh_from_db()
    assert (rule.days_without_followup, rule.warn_days_before) == (45, 5)
    client.post(edit, {"delete": "1"})
    assert PoolRule.objects.count() == 0


def test_pool_rules_denied_post_changes_nothing(client, personas):
    client.force_login(personas.sales_manager)
    response = client.post(reverse("customers:poolrule_list"), {"level": "", "days_without_followup": "30",
                                                                "reclaim_block_days": "0", "warn_days_before": "0"})
    assert response.status_code == 403
    assert PoolRule.objects.count() == 0


def test_c06_global_search_finds_contacts_by_customer_name_in_scope(client, personas):
    rep = personas.sales_rep
    beijing = CustomerFactory(owner=rep, name="北京测试有限公司")
    ContactFactory(customer=beijing, name="张三")
    ContactFactory(customer=beijing, name="张三丰")
    ContactFactory(customer=CustomerFactory(owner=rep, name="其他公司"), name="李四")
    CustomerFactory(owner=rep, name="深圳市腾达电子有限公司")
    hidden = CustomerFactory(owner=personas.sales_rep_south, name="腾达华南分公司")
    client.force_login(rep)
    search = reverse("customers:search")
    assert sorted(c.name for c in client.get(search, {"q": "张三"}).context["contacts"]) == ["张三", "张三丰"]
    assert [c.name for c in client.get(search, {"q": "三丰"}).context["contacts"]] == ["张三丰"]
    assert [c.name for c in client.get(search, {"q": "腾达"}).context["customers"]] == ["深圳市腾达电子有限公司"]
    assert "张三" in [c.name for c in client.get(search, {"q": "北京测试"}).context["contacts"]]
    assert hidden.pk not in [c.pk for c in client.get(search, {"q": "腾达"}).context["customers"]]
    assert Customer.objects.count() == 4
