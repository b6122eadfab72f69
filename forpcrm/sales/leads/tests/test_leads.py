"""Leads: CRUD through the services, scope (404 on every channel), list search / filters / query pin,
bulk assign and disqualify."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from forpcrm.core.errors import PermissionDeniedError
from forpcrm.sales.leads import selectors, services
from forpcrm.sales.leads.models import Lead, LeadStatus

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def make_lead(by, **data):
    return services.lead_create(by=by, data={"company_name": data.pop("company_name", "线索公司"), **data})


def test_create_keeps_department_and_search_text(sales_rep):
    lead = make_lead(sales_rep, company_name="杭州西软软件有限公司", contact_name="王芳", mobile="138-0013-8000")
    assert (lead.owner_id, lead.department_id, lead.status, lead.version) == (
        sales_rep.pk, sales_rep.department_id, "new", 1)
    ids = lambda q: [x.pk for x in selectors.lead_list(user=sales_rep, params={"q": q})]  # noqa: E731
    assert ids("8000") == [lead.pk]
    assert ids("13800138000") == [lead.pk]
    assert ids("xrrj") == [lead.pk]
    assert ids("王芳") == [lead.pk]
    assert ids("不存在") == []


def test_bad_phone_and_missing_reason_are_refused(sales_rep):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as info:
        make_lead(sales_rep, mobile="abc")
    assert list(info.value.message_dict) == ["mobile"]
    lead = make_lead(sales_rep)
    with pytest.raises(ValidationError):
        services.lead_disqualify(lead=lead, by=sales_rep, reason=" ")
    lead.refresh_from_db()
    assert (lead.status, lead.version) == ("new", 1)


def test_update_refuses_stale_version(sales_rep):
    from forpcrm.core.errors import ConflictError

    lead = make_lead(sales_rep)
    services.lead_update(lead=lead, by=sales_rep, data={"status": "contacted"}, expected_version=1)
    with pytest.raises(ConflictError):
        services.lead_update(lead=lead, by=sales_rep, data={"city": "上海"}, expected_version=1)
    lead.refresh_from_db()
    assert (lead.status, lead.city, lead.version) == ("contacted", "", 2)


def test_other_rep_gets_404_on_every_channel(sales_rep, sales_rep_south, client):
    lead = make_lead(sales_rep, company_name="别人的线索")
    client.force_login(sales_rep_south)
    for url in (f"/leads/{lead.pk}/", f"/leads/{lead.pk}/edit/", f"/leads/{lead.pk}/convert/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/leads/{lead.pk}/disqualify/", {"reason": "x"}).status_code == 404
    assert client.post(f"/leads/{lead.pk}/delete/").status_code == 404
    rest = api(sales_rep_south)
    assert rest.get(f"/api/v1/leads/{lead.pk}/").status_code == 404
    assert rest.patch(f"/api/v1/leads/{lead.pk}/", {"city": "x"}, format="json").status_code == 404
    assert rest.post(f"/api/v1/leads/{lead.pk}/convert/", {}, format="json").status_code == 404
    assert rest.post("/api/v1/leads/check-duplicates/", {"lead": lead.pk}, format="json").status_code == 404
    assert rest.get("/api/v1/leads/").json()["count"] == 0
    lead.refresh_from_db()
    assert (lead.status, lead.version, lead.deleted_at) == ("new", 1, None)
    # the manager of the owner sees it
    assert selectors.lead_list(user=sales_rep.manager, params={}).count() == 1


def test_rep_without_transfer_cannot_give_leads_away(sales_rep, sales_rep_south):
    with pytest.raises(PermissionDeniedError):
        services.lead_create(by=sales_rep, data={"company_name": "x"}, owner=sales_rep_south)
    assert Lead.objects.count() == 0


def test_bulk_assign_and_disqualify(sales_manager, sales_rep, sales_rep_south):
    mine = [make_lead(sales_manager, company_name=f"经理线索{i}") for i in range(2)]
    hidden = make_lead(sales_rep_south, company_name="南区线索")
    result = services.leads_bulk(by=sales_manager, ids=[m.pk for m in mine] + [hidden.pk], action="assign",
                                 to=sales_rep)
    assert (sorted(result.done), list(result.failed)) == (sorted(m.pk for m in mine), [hidden.pk])
    assert set(Lead.objects.filter(pk__in=[m.pk for m in mine]).values_list("owner_id", "department_id")) == {
        (sales_rep.pk, sales_rep.department_id)}
    result = services.leads_bulk(by=sales_manager, ids=[mine[0].pk], action="disqualify", reason="无预算")
    assert result.done == [mine[0].pk]
    mine[0].refresh_from_db()
    assert (mine[0].status, mine[0].disqualify_reason) == (LeadStatus.DISQUALIFIED, "无预算")
    hidden.refresh_from_db()
    assert hidden.owner_id == sales_rep_south.pk


def test_bulk_page(sales_manager, sales_rep, client):
    leads = [make_lead(sales_manager, company_name=f"批量{i}") for i in range(3)]
    client.force_login(sales_manager)
    response = client.post("/leads/bulk/", {"ids": [x.pk for x in leads], "action": "assign", "to": sales_rep.pk})
    assert response.status_code == 302
    assert Lead.objects.filter(owner=sales_rep).count() == 3


def test_list_page_filters_and_fixed_query_count(sales_rep, client, django_assert_max_num_queries):
    for i in range(30):
        make_lead(sales_rep, company_name=f"线索{i:02d}", source="website" if i % 2 else "expo",
                  mobile=f"1380013{i:04d}", estimated_amount=str(i * 1000))
    client.force_login(sales_rep)
    client.get("/leads/")  # warm caches (session, content types)
    with django_assert_max_num_queries(10):
        response = client.get("/leads/?page=2&sort=-estimated_amount")
    assert response.status_code == 200
    text = response.content.decode()
    assert "线索04" in text and "线索29" not in text
    with django_assert_max_num_queries(10):
        page = client.get("/leads/?source=expo&q=0013&status=new&page_size=50")
    assert page.content.decode().count('name="ids"') == 15
    fragment = client.get("/leads/?q=线索07", HTTP_HX_REQUEST="true")
    assert fragment.content.decode().count('name="ids"') == 1 and "<html" not in fragment.content.decode()


def test_create_and_edit_pages_keep_input_on_error(sales_rep, client):
    client.force_login(sales_rep)
    response = client.post("/leads/new/", {"company_name": "页面线索", "mobile": "abc", "status": "new"})
    assert response.status_code == 200 and 'value="abc"' in response.content.decode()
    assert Lead.objects.count() == 0
    response = client.post("/leads/new/", {"company_name": "页面线索", "mobile": "13800138000", "status": "new"})
    lead = Lead.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/leads/{lead.pk}/"
    response = client.post(f"/leads/{lead.pk}/edit/", {"company_name": "页面线索2", "status": "qualified",
                                                       "version": lead.version})
    lead.refresh_from_db()
    assert (response.status_code, lead.company_name, lead.status) == (302, "页面线索2", "qualified")
    detail = client.get(f"/leads/{lead.pk}/")
    assert detail.status_code == 200 and "页面线索2" in detail.content.decode()


def test_api_crud(sales_rep):
    client = api(sales_rep)
    created = client.post("/api/v1/leads/", {"company_name": "<b>接口</b>线索", "email": "a@example.com"},
                          format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["company_name"] == "<b>接口</b>线索"
    patched = client.patch(f"/api/v1/leads/{pk}/", {"status": "contacted"}, format="json", HTTP_IF_MATCH='"1"')
    assert (patched.status_code, patched.json()["status"], patched.json()["version"]) == (200, "contacted", 2)
    stale = client.patch(f"/api/v1/leads/{pk}/", {"city": "x"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    bad = client.post("/api/v1/leads/", {"company_name": "x", "mobile": "abc"}, format="json")
    assert bad.status_code == 400 and "mobile" in bad.json()
    listed = client.get("/api/v1/leads/?status=contacted")
    assert [r["id"] for r in listed.json()["results"]] == [pk]
    assert client.post(f"/api/v1/leads/{pk}/disqualify/", {"reason": "重复"}, format="json").json()["status"] == (
        "disqualified")
    assert client.delete(f"/api/v1/leads/{pk}/").status_code == 403  # reps have no delete permission


def test_assign_with_an_out_of_range_user_id_is_a_message_not_an_error(sales_manager, sales_rep, client):
    lead = make_lead(sales_rep)
    client.force_login(sales_manager)

    response = client.post(reverse("sales:lead_assign", args=[lead.pk]), {"to": "99999999999999999999"})

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.owner_id == sales_rep.pk
