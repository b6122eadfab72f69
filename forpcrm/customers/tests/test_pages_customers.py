"""Customer and contact pages: list features, HTMX fragments, forms (duplicates, C10), customer page,
actions, escaping (C12) and query-count pins."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forpcrm.core.models import SavedView
from forpcrm.customers import services
from forpcrm.customers.models import Contact, Customer, OwnershipLog
from forpcrm.customers.tests.factories import ContactFactory, CustomerFactory
from forpcrm.customers.tests.page_helpers import contact_post, customer_post
from forpcrm.customfields.services import field_definition_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """Exact English messages (the product's default language is zh-hans)."""
    settings.LANGUAGE_CODE = "en"

LIST = "/customers/"  # customers:customer_list


def _names(response) -> list[str]:
    return [row["record"].name for row in response.context["rows"]]


def test_list_searches_filters_sorts_and_pages(client, personas):
    # Given three customers of the rep, two in 浙江
    rep = personas.sales_rep
    CustomerFactory(owner=rep, name="西软软件有限公司", province="浙江", level="B")
    CustomerFactory(owner=rep, name="杭州示例科技有限公司", province="浙江", level="A")
    CustomerFactory(owner=rep, name="北京测试有限公司", province="北京", level="A")
    client.force_login(rep)
    # When searching by pinyin initials, then only 西软软件 matches
    assert _names(client.get(LIST, {"q": "xrrj"})) == ["西软软件有限公司"]
    # When filtering by province and sorting by level, then ties break on id (stable)
    assert _names(client.get(LIST, {"province": "浙江", "sort": "level"})) == ["杭州示例科技有限公司", "西软软件有限公司"]
    assert _names(client.get(LIST, {"sort": "-level"})) == ["西软软件有限公司", "北京测试有限公司", "杭州示例科技有限公司"]
    # When paging with a page size of 20, page 1 holds all three and the page size choice is kept
    response = client.get(LIST, {"page_size": "20"})
    assert response.context["page_obj"].paginator.count == 3
    assert response.context["page_size"] == 20


def test_list_tabs_mine_team_pool(client, personas):
    rep, manager = personas.sales_rep, personas.sales_manager
    CustomerFactory(owner=rep, name="代表的客户")
    CustomerFactory(owner=manager, name="经理的客户")
    CustomerFactory(owner=None, by=manager, name="公海的客户")
    client.force_login(manager)
    assert _names(client.get(LIST, {"scope": "mine"})) == ["经理的客户"]
    assert sorted(_names(client.get(LIST, {"scope": "team"}))) == ["代表的客户", "经理的客户"]
    assert _names(client.get(LIST, {"scope": "pool"})) == ["公海的客户"]


def test_list_filters_and_shows_user_defined_columns(client, personas):
    field_definition_create(by=personas.admin, entity="customer", code="erp", data={
        "label": "ERP 系统", "field_type": "choice", "show_in_list": True,
        "options": [{"value": "sap", "label": "SAP"}, {"value": "yonyou", "label": "用友"}]})
    rep = personas.sales_rep
    CustomerFactory(owner=rep, name="甲公司", custom={"erp": "sap"})
    CustomerFactory(owner=rep, name="乙公司", custom={"erp": "yonyou"})
    client.force_login(rep)
    response = client.get(LIST, {"custom__erp": "yonyou"})
    assert _names(response) == ["乙公司"]
    assert "custom__erp" in response.context["column_keys"]
    assert response.context["rows"][0]["cells"][response.context["column_keys"].index("custom__erp")].text == "用友"
    # Column choice: only name and the ERP column
    response = client.get(LIST, {"cols": "custom__erp"})
    assert response.context["column_keys"] == ["name", "custom__erp"]


def test_list_answers_a_fragment_to_htmx_with_vary(client, personas):
    CustomerFactory(owner=personas.sales_rep, name="片段客户")
    client.force_login(personas.sales_rep)
    full = client.get(LIST)
    fragment = client.get(LIST, headers={"HX-Request": "true"})
    assert b"<html" in full.content
    assert b"<html" not in fragment.content
    assert "片段客户" in fragment.content.decode()
    assert "HX-Request" in fragment["Vary"]
    assert "HX-Request" in full["Vary"]


def test_saved_views_save_pick_delete(client, personas):
    rep = personas.sales_rep
    client.force_login(rep)
    response = client.post(reverse("customers:saved_view_save"), {
        "name": "浙江 A", "list_key": "customers", "query": "province=浙江&level=A", "columns": "name,level",
        "next": LIST})
    assert response.status_code == 302
    view = SavedView.objects.get(user=rep)
    assert (view.name, view.query, view.columns) == ("浙江 A", "province=浙江&level=A", ["name", "level"])
    picked = client.get(LIST, {"view": view.pk})
    assert picked.status_code == 302
    assert picked["Location"] == LIST + "?province=%E6%B5%99%E6%B1%9F&level=A&cols=name%2Clevel"
    # Another user cannot delete it
    client.force_login(personas.sales_rep_south)
    assert client.post(reverse("customers:saved_view_delete", args=[view.pk])).status_code == 404
    client.force_login(rep)
    client.post(reverse("customers:saved_view_delete", args=[view.pk]))
    assert SavedView.objects.count() == 0


def test_bulk_actions_report_each_failure(client, personas):
    # Given the manager's team customers and one of another department he cannot see
    manager, rep, south = personas.sales_manager, personas.sales_rep, personas.sales_rep_south
    a = CustomerFactory(owner=rep, name="甲公司")
    b = CustomerFactory(owner=rep, name="乙公司")
    hidden = CustomerFactory(owner=south, name="华南公司")
    client.force_login(manager)
    # When transferring all three to the manager
    response = client.post(reverse("customers:customer_bulk"), {
        "action": "transfer", "ids": [a.pk, b.pk, hidden.pk], "to": manager.pk, "next": LIST}, follow=True)
    # Then the visible ones moved and the hidden one failed as not found, by its id only
    assert set(Customer.objects.filter(owner=manager).values_list("name", flat=True)) == {"甲公司", "乙公司"}
    hidden.refresh_from_db()
    assert hidden.owner_id == south.pk
    texts = [str(m) for m in response.context["messages"]]
    assert f"#{hidden.pk}: Not found." in texts
    # When tagging, then the tag is added
    client.post(reverse("customers:customer_bulk"), {"action": "tag", "ids": [a.pk], "tag": "重点"})
    assert list(a.tags.values_list("name", flat=True)) == ["重点"]
    # When releasing with a reason, then it is in the pool with that reason logged
    client.post(reverse("customers:customer_bulk"), {"action": "release", "ids": [b.pk], "reason": "无意向"})
    b.refresh_from_db()
    assert b.owner_id is None
    assert OwnershipLog.objects.filter(customer=b, action="release").get().reason == "无意向"


def test_export_buttons_pass_the_list_params(client, personas):
    rep = personas.sales_rep
    CustomerFactory(owner=rep, name="导出甲有限公司", province="浙江")
    CustomerFactory(owner=rep, name="导出乙有限公司", province="北京")
    client.force_login(rep)
    response = client.get(reverse("customers:customer_export"), {"fmt": "csv", "province": "浙江", "cols": "name"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "导出甲有限公司" in body
    assert "导出乙有限公司" not in body


def test_export_selected_rows_only(client, personas):
    rep = personas.sales_rep
    a = CustomerFactory(owner=rep, name="选中有限公司")
    CustomerFactory(owner=rep, name="未选有限公司")
    client.force_login(rep)
    response = client.post(reverse("customers:customer_bulk"), {"action": "export_csv", "ids": [a.pk]})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "选中有限公司" in body
    assert "未选有限公司" not in body


def _form_data(**values):
    data = {"name": "", "status": "prospect", "currency": "CNY", "version": ""}
    data.update(values)
    return data


def test_create_warns_about_duplicates_and_keeps_input(client, personas):
    # Given a customer of another department the rep cannot see
    CustomerFactory(owner=personas.sales_rep_south, name="深圳市腾达电子有限公司")
    rep = personas.sales_rep
    client.force_login(rep)
    url = reverse("customers:customer_create")
    # When the rep creates the same company with a different suffix
    response = client.post(url, _form_data(name="深圳市腾达电子", remarks="我的备注", owner=rep.pk))
    # Then the duplicate step shows name and owner only, keeps the input and writes nothing
    assert response.status_code == 200
    assert response.context["duplicates"] == [{"name": "深圳市腾达电子有限公司", "owner": "李销售",
                                               "reasons": ["same name"], "url": ""}]
    assert response.context["form"]["remarks"].value() == "我的备注"
    assert Customer.objects.count() == 1
    # When saving anyway, then it is created
    response = client.post(url, _form_data(name="深圳市腾达电子", remarks="我的备注", owner=rep.pk,
                                           confirm_duplicates="on"))
    assert response.status_code == 302
    assert Customer.objects.filter(name="深圳市腾达电子", owner=rep).count() == 1


def test_create_form_error_keeps_everything_typed(client, personas):
    client.force_login(personas.sales_rep)
    response = client.post(reverse("customers:customer_create"), _form_data(
        name="坏代码有限公司", credit_code="123", remarks="保留我", owner=personas.sales_rep.pk))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["remarks"].value() == "保留我"
    assert form["credit_code"].value() == "123"
    assert "credit_code" in form.errors
    assert Customer.objects.count() == 0
    messages = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("Unified social credit code:") for m in messages)


def test_create_with_user_defined_field_and_parent_picker(client, personas):
    field_definition_create(by=personas.admin, entity="customer", code="budget",
                            data={"label": "预算", "field_type": "money"})
    rep = personas.sales_rep
    parent = CustomerFactory(owner=rep, name="集团总公司")
    hidden_parent = CustomerFactory(owner=personas.sales_rep_south, name="别人的集团")
    client.force_login(rep)
    url = reverse("customers:customer_create")
    # A parent the rep cannot see is refused as a choice
    response = client.post(url, _form_data(name="子公司甲", parent=hidden_parent.pk, owner=rep.pk))
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    response = client.post(url, _form_data(name="子公司甲", parent=parent.pk, owner=rep.pk,
                                           custom__budget="1234.5"))
    assert response.status_code == 302
    child = Customer.objects.get(name="子公司甲")
    assert (child.parent_id, child.custom, child.owner_id) == (parent.pk, {"budget": "1234.50"}, rep.pk)


def _customer_at_version_7(owner):
    customer = CustomerFactory(owner=owner, name="客户K有限公司", level="B", credit_limit=Decimal("50000"))
    while customer.version < 7:
        services.customer_update(customer=customer, by=owner, data={"remarks": f"v{customer.version}"},
                                 expected_version=customer.version)
    customer.refresh_from_db()
    return customer


def test_c10_stale_edit_form_merges_or_refuses_with_current_values(client, personas):
    # Given customer K at version 7 (level B, credit limit 50,000), opened by A (the rep) and B (admin)
    a, b = personas.sales_rep, personas.admin
    k = _customer_at_version_7(a)
    assert k.version == 7
    stale_form = customer_post(k)
    assert stale_form["version"] == "7"
    # When B saves credit limit 80,000 (version 8)
    services.customer_update(customer=k, by=b, data={"credit_limit": Decimal("80000")}, expected_version=7)
    client.force_login(a)
    url = reverse("customers:customer_edit", args=[k.pk])
    # When A, still on version 7, saves level A
    response = client.post(url, {**stale_form, "level": "A"})
    # Then level is A and the credit limit stays 80,000
    assert response.status_code == 302
    k.refresh_from_db()
    assert (k.level, k.credit_limit, k.version) == ("A", Decimal("80000.00"), 9)
    # When A saves credit limit 60,000 from the stale form
    response = client.post(url, {**stale_form, "credit_limit": "60000"})
    # Then it is refused with a conflict showing 80,000.00 and nothing is written
    assert response.status_code == 200
    assert ("Credit limit", "80,000.00") in response.context["conflict"]
    assert "80,000.00" in response.content.decode()
    assert response.context["form"]["credit_limit"].value() == "60000"
    k.refresh_from_db()
    assert (k.level, k.credit_limit, k.version) == ("A", Decimal("80000.00"), 9)


def test_customer_page_shows_fields_contacts_team_log_history_timeline(client, personas):
    rep = personas.sales_rep
    customer = CustomerFactory(owner=rep, name="全景客户有限公司", remarks="初始")
    ContactFactory(customer=customer, name="王芳", mobile="13900000002")
    services.customer_update(customer=customer, by=rep, data={"remarks": "改过"}, expected_version=customer.version)
    services.team_member_add(customer=customer, user=personas.sales_rep_south, can_edit=False, by=rep)
    client.force_login(rep)
    response = client.get(reverse("customers:customer_detail", args=[customer.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert [c.name for c in response.context["contacts"]] == ["王芳"]
    assert [m.user.username for m in response.context["team"]] == ["sales_rep_south"]
    assert [row.action for row in response.context["ownership_log"]] == ["create"]
    assert ("Remarks", "初始", "改过") in response.context["history"][0].changes
    assert 'id="panel-timeline"' in html
    assert "改过" in html


def test_team_add_and_remove_from_the_page(client, personas):
    rep, south = personas.sales_rep, personas.sales_rep_south
    customer = CustomerFactory(owner=rep, name="团队客户")
    client.force_login(rep)
    client.post(reverse("customers:team_add", args=[customer.pk]), {"user": south.pk, "can_edit": "on",
                                                                    "expires_at": "2030-01-01 10:00"})
    member = customer.team_members.get()
    assert (member.user_id, member.can_edit, member.expires_at.year) == (south.pk, True, 2030)
    client.post(reverse("customers:team_remove", args=[customer.pk, south.pk]))
    assert customer.team_members.count() == 0


def test_release_claim_transfer_delete_restore_from_the_pages(client, personas):
    rep, manager = personas.sales_rep, personas.sales_manager
    customer = CustomerFactory(owner=rep, name="流转客户")
    client.force_login(rep)
    client.post(reverse("customers:customer_release", args=[customer.pk]), {"reason": "联系不上"})
    customer.refresh_from_db()
    assert customer.owner_id is None
    client.force_login(manager)
    client.post(reverse("customers:customer_claim", args=[customer.pk]))
    customer.refresh_from_db()
    assert customer.owner_id == manager.pk
    client.post(reverse("customers:customer_transfer", args=[customer.pk]), {"to": rep.pk, "reason": "分配"})
    customer.refresh_from_db()
    assert customer.owner_id == rep.pk
    response = client.post(reverse("customers:customer_delete", args=[customer.pk]))
    assert response.status_code == 302
    assert Customer.objects.filter(pk=customer.pk).exists() is False
    bin_page = client.get(reverse("customers:recycle_bin"))
    assert [r.name for r in bin_page.context["records"]] == ["流转客户"]
    client.post(reverse("customers:recycle_restore", args=["customer", customer.pk]))
    assert Customer.objects.filter(pk=customer.pk).exists() is True


def test_delete_refused_with_the_dependency_message(client, personas):
    customer = CustomerFactory(owner=personas.sales_rep, name="有合同的客户")
    services.customer_dependency_register("contracts", lambda c: 2 if c.name == "有合同的客户" else 0)
    try:
        client.force_login(personas.admin)
        response = client.post(reverse("customers:customer_delete", args=[customer.pk]), follow=True)
    finally:
        from forpcrm.customers.services import customers as module

        module._DEPENDENCIES.pop("contracts", None)
    assert [str(m) for m in response.context["messages"]] == [
        "“有合同的客户” cannot be deleted while these records depend on it: contracts (2)."]
    assert Customer.objects.filter(pk=customer.pk).exists() is True


def test_merge_from_the_page(client, personas):
    rep = personas.sales_rep
    keep = CustomerFactory(owner=rep, name="存续公司")
    gone = CustomerFactory(owner=rep, name="被合并公司")
    ContactFactory(customer=gone, name="陈杰")
    client.force_login(rep)
    response = client.post(reverse("customers:customer_merge", args=[keep.pk]), {"merged": gone.pk})
    assert response.status_code == 302
    assert list(Contact.objects.filter(customer=keep).values_list("name", flat=True)) == ["陈杰"]
    assert Customer.objects.filter(pk=gone.pk).exists() is False


def test_contact_create_edit_detail_under_the_customer(client, personas):
    rep = personas.sales_rep
    customer = CustomerFactory(owner=rep, name="联系人客户")
    client.force_login(rep)
    response = client.post(reverse("customers:contact_create", args=[customer.pk]), {
        "name": "张三", "mobile": "13800138000", "version": ""})
    assert response.status_code == 302
    contact = Contact.objects.get(customer=customer)
    detail = client.get(reverse("customers:contact_detail", args=[customer.pk, contact.pk]))
    assert detail.status_code == 200
    # The same contact under another customer id is not found
    other = CustomerFactory(owner=rep, name="另一客户")
    assert client.get(reverse("customers:contact_detail", args=[other.pk, contact.pk])).status_code == 404
    response = client.post(reverse("customers:contact_edit", args=[customer.pk, contact.pk]),
                           contact_post(contact, title="经理"))
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.title == "经理"
    # A bad phone is shown on the field, the input kept, nothing written
    response = client.post(reverse("customers:contact_edit", args=[customer.pk, contact.pk]),
                           contact_post(contact, mobile="abc"))
    assert response.status_code == 200
    assert response.context["form"]["mobile"].value() == "abc"
    assert "mobile" in response.context["form"].errors
    contact.refresh_from_db()
    assert contact.mobile == "13800138000"


def test_c12_user_data_renders_as_literal_text(client, personas):
    # Given a customer 王<b>五</b> with remarks <script>alert(3)</script> and a contact <svg onload=alert(2)>
    rep = personas.sales_rep
    customer = CustomerFactory(owner=rep, name="王<b>五</b>", remarks="初始")
    services.customer_update(customer=customer, by=rep, data={"remarks": "<script>alert(3)</script>"},
                             expected_version=customer.version)
    contact = ContactFactory(customer=customer, name="<svg onload=alert(2)>", remarks="<script>alert(3)</script>")
    client.force_login(rep)
    pages = [
        LIST, reverse("customers:contact_list"), reverse("customers:customer_detail", args=[customer.pk]),
        reverse("customers:contact_detail", args=[customer.pk, contact.pk]),
        reverse("customers:search") + "?q=五", reverse("org:home"),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        # Then nothing of it is markup, and the escaped text is there
        assert "<b>五</b>" not in html, url
        assert "<svg onload" not in html, url
        assert "<script>alert(3)" not in html, url
    detail = client.get(reverse("customers:customer_detail", args=[customer.pk])).content.decode()
    assert "王&lt;b&gt;五&lt;/b&gt;" in detail
    assert "&lt;svg onload=alert(2)&gt;" in detail
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in detail  # remarks and the history row
    assert detail.count("&lt;script&gt;alert(3)&lt;/script&gt;") >= 2
    contacts_html = client.get(reverse("customers:contact_list")).content.decode()
    assert "&lt;svg onload=alert(2)&gt;" in contacts_html


def _count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url_name", ["customers:customer_list", "customers:contact_list", "customers:pool",
                                      "customers:recycle_bin"])
def test_list_pages_run_a_fixed_number_of_queries(client, personas, django_assert_num_queries, url_name):
    # Given a user-defined column, 2 records of each kind, measured once
    admin = personas.admin
    field_definition_create(by=admin, entity="customer", code="erp", data={
        "label": "ERP", "field_type": "text", "show_in_list": True})

    def make(n, start):
        for i in range(start, start + n):
            owned = CustomerFactory(owner=admin, name=f"客户{i}", tags=["甲", "乙"])
            ContactFactory(customer=owned, name=f"联系人{i}")
            CustomerFactory(owner=None, by=admin, name=f"公海{i}", tags=["丙"])
            gone = CustomerFactory(owner=admin, name=f"删除{i}")
            services.customer_delete(customer=gone, by=admin)

    make(2, 0)
    client.force_login(admin)
    url = reverse(url_name)
    small = _count_queries(client, url)
    # When the page holds 20 rows, then the count is the same
    make(18, 2)
    with django_assert_num_queries(small):
        response = client.get(url)
    assert len(response.context["page_obj"].object_list) == 20


def test_home_counts_are_scoped(client, personas):
    CustomerFactory(owner=personas.sales_rep, name="代表客户")
    CustomerFactory(owner=personas.sales_rep_south, name="华南客户")
    CustomerFactory(owner=None, by=personas.admin, name="公海客户")
    client.force_login(personas.sales_rep)
    response = client.get(reverse("org:home"))
    panel = response.context["panels"][0]
    counts = {str(label): count for label, count, _url in panel["counts"]}
    assert counts == {"My customers": 1, "My team's customers": 1, "All customers I can see": 1, "Public pool": 0}
    html = response.content.decode()
    assert "华南客户" not in html


def test_contact_export_from_the_list(client, personas):
    customer = CustomerFactory(owner=personas.sales_manager, name="联系人导出公司")
    ContactFactory(customer=customer, name="导出联系人", mobile="13800138000")
    ContactFactory(customer=CustomerFactory(owner=personas.sales_rep_south, name="别处"), name="别处联系人")
    client.force_login(personas.sales_manager)
    listing = client.get(reverse("customers:contact_list")).content.decode()
    assert reverse("customers:contact_export") in listing
    body = b"".join(client.get(reverse("customers:contact_export"), {"fmt": "csv"}).streaming_content).decode(
        "utf-8-sig")
    assert "导出联系人" in body
    assert "别处联系人" not in body
    # a rep without the contacts export right is refused
    client.force_login(personas.sales_rep)
    assert client.get(reverse("customers:contact_export"), {"fmt": "csv"}).status_code == 403


def test_edit_page_is_refused_for_a_view_only_user(client, personas):
    customer = CustomerFactory(owner=personas.sales_rep, name="只读客户")
    client.force_login(personas.finance)
    assert client.get(reverse("customers:customer_detail", args=[customer.pk])).status_code == 200
    assert client.get(reverse("customers:customer_edit", args=[customer.pk])).status_code == 403
    response = client.post(reverse("customers:customer_edit", args=[customer.pk]), customer_post(customer, name="改"))
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.name == "只读客户"


def test_edit_keeps_a_parent_company_outside_the_editors_scope(client, personas):
    parent = CustomerFactory(owner=personas.sales_rep_south, name="华南集团")
    child = CustomerFactory(owner=personas.sales_rep, name="上海子公司", parent=parent.pk)
    client.force_login(personas.sales_rep)
    response = client.post(reverse("customers:customer_edit", args=[child.pk]),
                           customer_post(child, parent="", level="A"))
    assert response.status_code == 302
    child.refresh_from_db()
    assert (child.parent_id, child.level) == (parent.pk, "A")


@pytest.mark.parametrize("url_name", ["customers:contact_list", "customers:pool", "customers:recycle_bin",
                                      "org:user_list"])
def test_every_list_answers_its_fragment_to_htmx(client, personas, url_name):
    client.force_login(personas.admin)
    url = reverse(url_name)
    full = client.get(url)
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert (full.status_code, fragment.status_code) == (200, 200)
    assert b"<html" in full.content
    assert b"<html" not in fragment.content
    assert b"<table" in fragment.content
    assert "HX-Request" in fragment["Vary"]


def test_user_defined_user_field_uses_the_user_picker(client, personas):
    field_definition_create(by=personas.admin, entity="customer", code="presales",
                            data={"label": "售前", "field_type": "user", "show_in_list": True})
    rep = personas.sales_rep
    client.force_login(rep)
    response = client.post(reverse("customers:customer_create"), _form_data(
        name="带售前的客户", owner=rep.pk, custom__presales=personas.sales_manager.pk))
    assert response.status_code == 302
    customer = Customer.objects.get(name="带售前的客户")
    assert customer.custom == {"presales": personas.sales_manager.pk}
    listing = client.get(LIST)
    index = listing.context["column_keys"].index("custom__presales")
    assert listing.context["rows"][0]["cells"][index].text == "王经理"
    detail = client.get(reverse("customers:customer_detail", args=[customer.pk]))
    assert ("售前", "王经理") in detail.context["custom_rows"]
    edit = client.get(reverse("customers:customer_edit", args=[customer.pk])).content.decode()
    assert f'<option value="{personas.sales_manager.pk}" selected>王经理</option>' in edit
