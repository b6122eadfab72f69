"""C09: converting a lead into customer + contact + opportunity is checked first and atomic —
on the service, through the page wizard and through the API."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from forpcrm.core.errors import PermissionDeniedError
from forpcrm.customers import services as customer_services
from forpcrm.customers.models import Contact, Customer, OwnershipLog
from forpcrm.customers.tests.factories import ContactFactory, CustomerFactory
from forpcrm.sales import services as sales_services
from forpcrm.sales.leads import services
from forpcrm.sales.leads.models import Lead, LeadStatus
from forpcrm.sales.leads.services import ConversionConflicts, ConversionPlan
from forpcrm.sales.models import Opportunity, StageChange
from forpcrm.sales.tests.factories import make_pipeline

pytestmark = pytest.mark.django_db

COMPANY = "上海示例贸易有限公司"


def counts() -> dict:
    return {
        "customers": Customer.all_objects.count(), "contacts": Contact.all_objects.count(),
        "opportunities": Opportunity.all_objects.count(), "stage_changes": StageChange.objects.count(),
        "ownership": OwnershipLog.objects.count(), "customer_history": Customer.history.count(),
        "contact_history": Contact.history.count(), "leads": Lead.all_objects.count(),
        "lead_history": Lead.history.count(),
    }


@pytest.fixture
def c09(sales_rep):
    pipeline = make_pipeline()
    customer = CustomerFactory(owner=sales_rep, name=COMPANY, phone="021-6288 8888")
    contact = ContactFactory(customer=customer, name="陈杰", email="chen.jie@example.com", mobile="13800138000")
    lead = services.lead_create(by=sales_rep, data={
        "company_name": COMPANY, "contact_name": "陈杰", "email": "chen.jie@example.com", "title": "采购经理",
        "estimated_amount": "120000", "source": "website"})
    return customer, contact, lead, pipeline


def link_plan(customer, contact, pipeline, **opportunity):
    return ConversionPlan(customer_action="link", customer_id=customer.pk, contact_action="link",
                          contact_id=contact.pk,
                          opportunity={"name": "示例贸易 ERP", "pipeline": pipeline, "amount": "120000", **opportunity})


# --- service ---------------------------------------------------------------------------------------

def test_check_reports_both_conflicts_and_writes_nothing(c09, sales_rep):
    customer, contact, lead, _pipeline = c09
    before = counts()
    check = services.conversion_check(by=sales_rep, data=services.lead_conversion_data(lead))
    assert [(m.customer_id, m.name, m.reasons) for m in check.company] == [(customer.pk, COMPANY, ["name"])]
    assert [(m.contact_id, m.name, m.customer_id, m.reasons) for m in check.person] == [
        (contact.pk, "陈杰", customer.pk, ["email", "name"])]
    assert counts() == before


def test_converting_as_new_reports_both_conflicts_before_writing(c09, sales_rep):
    _customer, _contact, lead, pipeline = c09
    before = counts()
    with pytest.raises(ConversionConflicts) as info:
        services.lead_convert(lead=lead, by=sales_rep, plan=ConversionPlan(opportunity={"name": "x", "pipeline": pipeline}))
    assert [m.name for m in info.value.check.company] == [COMPANY]
    assert [m.name for m in info.value.check.person] == ["陈杰"]
    assert info.value.extra["company"][0]["name"] == COMPANY and info.value.extra["person"][0]["name"] == "陈杰"
    assert counts() == before
    lead.refresh_from_db()
    assert (lead.status, lead.version) == (LeadStatus.NEW, 1)


def test_link_to_existing_creates_exactly_one_opportunity(c09, sales_rep):
    customer, contact, lead, pipeline = c09
    before = counts()
    result = services.lead_convert(lead=lead, by=sales_rep, plan=link_plan(customer, contact, pipeline))
    after = counts()
    assert after["opportunities"] == before["opportunities"] + 1
    assert after["stage_changes"] == before["stage_changes"] + 1
    assert after["lead_history"] == before["lead_history"] + 1
    assert {k: v for k, v in after.items() if k not in ("opportunities", "stage_changes", "lead_history")} == {
        k: v for k, v in before.items() if k not in ("opportunities", "stage_changes", "lead_history")}
    opportunity = Opportunity.objects.get()
    assert (opportunity.customer_id, opportunity.contact_id, opportunity.amount, opportunity.owner_id) == (
        customer.pk, contact.pk, Decimal("120000.00"), sales_rep.pk)
    lead.refresh_from_db()
    assert (lead.status, lead.converted_customer_id, lead.converted_contact_id, lead.converted_opportunity_id,
            lead.converted_by_id) == (LeadStatus.CONVERTED, customer.pk, contact.pk, opportunity.pk, sales_rep.pk)
    assert lead.converted_at is not None
    assert (result.customer_created, result.contact_created) == (False, False)


def test_failure_on_the_last_insert_rolls_everything_back(c09, sales_rep, monkeypatch):
    _customer, _contact, lead, pipeline = c09
    before = counts()

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(sales_services, "opportunity_create", broken)
    plan = ConversionPlan(confirm_duplicates=True, opportunity={"name": "x", "pipeline": pipeline})
    with pytest.raises(RuntimeError):
        services.lead_convert(lead=lead, by=sales_rep, plan=plan)
    assert counts() == before
    lead.refresh_from_db()
    assert (lead.status, lead.version, lead.converted_customer_id, lead.converted_contact_id) == (
        LeadStatus.NEW, 1, None, None)


def test_create_new_with_confirmation_creates_all_three(c09, sales_rep):
    _customer, _contact, lead, pipeline = c09
    before = counts()
    result = services.lead_convert(lead=lead, by=sales_rep, plan=ConversionPlan(
        confirm_duplicates=True, opportunity={"name": "新机会", "pipeline": pipeline}))
    after = counts()
    assert (after["customers"], after["contacts"], after["opportunities"]) == (
        before["customers"] + 1, before["contacts"] + 1, before["opportunities"] + 1)
    assert (result.customer.name, result.contact.name, result.contact.email, result.contact.is_primary) == (
        COMPANY, "陈杰", "chen.jie@example.com", True)
    assert result.opportunity.amount == Decimal("120000.00")


def test_inquiry_dict_goes_through_the_same_rules(c09, sales_rep):
    customer, contact, _lead, pipeline = c09
    data = {"company_name": COMPANY, "contact_name": "陈杰", "email": "CHEN.JIE@example.com"}
    before = counts()
    with pytest.raises(ConversionConflicts):
        services.inquiry_convert(by=sales_rep, data=data, plan=ConversionPlan(opportunity=None))
    assert counts() == before
    result = services.inquiry_convert(by=sales_rep, data=data, plan=link_plan(customer, contact, pipeline))
    assert (result.customer.pk, result.contact.pk, Opportunity.objects.count()) == (customer.pk, contact.pk, 1)


def test_invisible_records_show_name_and_owner_only_and_cannot_be_linked(sales_rep, sales_rep_south):
    pipeline = make_pipeline()
    hidden = CustomerFactory(owner=sales_rep_south, name=COMPANY)
    hidden_contact = ContactFactory(customer=hidden, name="陈杰", email="chen.jie@example.com")
    lead = services.lead_create(by=sales_rep, data={"company_name": COMPANY, "contact_name": "陈杰",
                                                    "email": "chen.jie@example.com"})
    check = services.conversion_check(by=sales_rep, data=services.lead_conversion_data(lead))
    assert [(m.customer_id, m.name, m.owner_name, m.is_visible) for m in check.company] == [
        (None, COMPANY, "李销售", False)]
    assert [(m.contact_id, m.customer_id, m.name, m.customer_name, m.owner_name) for m in check.person] == [
        (None, None, "陈杰", "", "李销售")]
    before = counts()
    with pytest.raises(PermissionDeniedError):
        services.lead_convert(lead=lead, by=sales_rep, plan=link_plan(hidden, hidden_contact, pipeline))
    assert counts() == before


def test_link_refused_for_a_visible_customer_the_user_cannot_edit(sales_rep, sales_rep_south):
    pipeline = make_pipeline()
    customer = CustomerFactory(owner=sales_rep_south, name=COMPANY)
    contact = ContactFactory(customer=customer, name="陈杰", email="chen.jie@example.com")
    customer_services.team_member_add(customer=customer, user=sales_rep, can_edit=False, by=sales_rep_south)
    lead = services.lead_create(by=sales_rep, data={"company_name": COMPANY, "contact_name": "陈杰"})
    check = services.conversion_check(by=sales_rep, data=services.lead_conversion_data(lead))
    assert [m.customer_id for m in check.company] == [customer.pk]
    before = counts()
    with pytest.raises(PermissionDeniedError):
        services.lead_convert(lead=lead, by=sales_rep, plan=link_plan(customer, contact, pipeline))
    assert counts() == before


def test_a_converted_lead_cannot_be_converted_again(c09, sales_rep):
    customer, contact, lead, pipeline = c09
    services.lead_convert(lead=lead, by=sales_rep, plan=link_plan(customer, contact, pipeline))
    before = counts()
    with pytest.raises(Exception, match="already converted"):
        services.lead_convert(lead=lead, by=sales_rep, plan=link_plan(customer, contact, pipeline))
    assert counts() == before


# --- page wizard -----------------------------------------------------------------------------------

def _form(customer_choice, contact_choice, pipeline, step, **extra):
    return {"customer_choice": customer_choice, "contact_choice": contact_choice, "create_opportunity": "on",
            "opportunity_name": "示例贸易 ERP", "pipeline": pipeline.pk, "amount": "120000", "step": step, **extra}


def test_page_wizard_check_choose_review_confirm(c09, sales_rep, client):
    customer, contact, lead, pipeline = c09
    client.force_login(sales_rep)
    url = f"/leads/{lead.pk}/convert/"
    before = counts()
    page = client.get(url)
    text = page.content.decode()
    assert page.status_code == 200
    assert 'id="company-conflicts"' in text and 'id="person-conflicts"' in text
    assert counts() == before
    review = client.post(url, _form(str(customer.pk), str(contact.pk), pipeline, "review"))
    assert review.status_code == 200 and 'id="convert-summary"' in review.content.decode()
    assert counts() == before
    done = client.post(url, _form(str(customer.pk), str(contact.pk), pipeline, "confirm"))
    opportunity = Opportunity.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/opportunities/{opportunity.pk}/"
    after = counts()
    assert (after["customers"], after["contacts"], after["opportunities"]) == (
        before["customers"], before["contacts"], before["opportunities"] + 1)
    lead.refresh_from_db()
    assert (lead.status, lead.converted_customer_id, lead.converted_contact_id) == ("converted", customer.pk,
                                                                                    contact.pk)


def test_page_create_new_reports_conflicts_and_cancel_changes_nothing(c09, sales_rep, client):
    _customer, _contact, lead, pipeline = c09
    client.force_login(sales_rep)
    url = f"/leads/{lead.pk}/convert/"
    before = counts()
    response = client.post(url, _form("new", "new", pipeline, "confirm"))
    assert response.status_code == 200
    assert "Possible duplicates found" in response.content.decode()
    assert counts() == before
    assert client.get(f"/leads/{lead.pk}/").status_code == 200  # "Cancel" goes back to the lead
    assert counts() == before
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW


def test_page_failure_on_opportunity_rolls_back(c09, sales_rep, client, monkeypatch):
    _customer, _contact, lead, pipeline = c09
    from django.core.exceptions import ValidationError

    def broken(**kwargs):
        raise ValidationError({"stage": ["refused"]})

    monkeypatch.setattr(sales_services, "opportunity_create", broken)
    client.force_login(sales_rep)
    before = counts()
    response = client.post(f"/leads/{lead.pk}/convert/",
                           _form("new", "new", pipeline, "confirm", confirm_duplicates="on"))
    assert response.status_code == 200
    assert counts() == before


# --- API -------------------------------------------------------------------------------------------

def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_api_check_convert_conflict_and_link(c09, sales_rep):
    customer, contact, lead, pipeline = c09
    client = api(sales_rep)
    before = counts()
    check = client.post("/api/v1/leads/check-duplicates/", {"lead": lead.pk}, format="json")
    assert check.status_code == 200
    assert ([m["name"] for m in check.json()["company"]], [m["name"] for m in check.json()["person"]]) == (
        [COMPANY], ["陈杰"])
    refused = client.post(f"/api/v1/leads/{lead.pk}/convert/",
                          {"opportunity": {"name": "x", "pipeline": pipeline.pk}}, format="json")
    assert refused.status_code == 409
    body = refused.json()
    assert (body["code"], body["company"][0]["customer_id"], body["person"][0]["contact_id"]) == (
        "conversion_conflicts", customer.pk, contact.pk)
    assert counts() == before
    done = client.post(f"/api/v1/leads/{lead.pk}/convert/", {
        "customer_action": "link", "customer": customer.pk, "contact_action": "link", "contact": contact.pk,
        "opportunity": {"name": "示例贸易 ERP", "pipeline": pipeline.pk, "amount": "120000"}}, format="json")
    assert done.status_code == 201, done.json()
    assert (done.json()["customer"], done.json()["contact"], done.json()["customer_created"],
            done.json()["lead"]["status"]) == (customer.pk, contact.pk, False, "converted")
    assert counts()["opportunities"] == before["opportunities"] + 1
    assert counts()["customers"] == before["customers"]


def test_api_rollback_on_failure(c09, sales_rep, monkeypatch):
    _customer, _contact, lead, pipeline = c09
    from django.core.exceptions import ValidationError

    def broken(**kwargs):
        raise ValidationError({"stage": ["refused"]})

    monkeypatch.setattr(sales_services, "opportunity_create", broken)
    before = counts()
    response = api(sales_rep).post(f"/api/v1/leads/{lead.pk}/convert/", {
        "confirm_duplicates": True, "opportunity": {"name": "x", "pipeline": pipeline.pk}}, format="json")
    assert response.status_code == 400
    assert counts() == before


def test_api_check_duplicates_with_plain_fields(c09, sales_rep):
    response = api(sales_rep).post("/api/v1/leads/check-duplicates/",
                                   {"company_name": "上海示例贸易有限公司", "mobile": "138 0013 8000"}, format="json")
    assert response.status_code == 200
    assert [(m["name"], m["reasons"]) for m in response.json()["person"]] == [("陈杰", ["phone"])]
