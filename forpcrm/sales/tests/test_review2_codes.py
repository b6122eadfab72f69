"""Labels instead of stored codes, the owner choices of the opportunity form, the overview's
departments and the demo activities on the demo sales users' customers."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from forpcrm.core.errors import ApplicationError
from forpcrm.customers.tests.factories import CustomerFactory, system_user
from forpcrm.customfields.models import PicklistOption
from forpcrm.org.models import Department
from forpcrm.org.services import user_create
from forpcrm.sales import services
from forpcrm.sales.activity.demo import demo_load
from forpcrm.sales.activity.models import FollowUp, VisitPlan
from forpcrm.sales.forms import OpportunityForm
from forpcrm.sales.forms_settings import category_choices
from forpcrm.sales.leads import services as leads
from forpcrm.sales.leads.services import ConversionPlan
from forpcrm.sales.models import Opportunity
from forpcrm.sales.views_settings import _active_categories

from .factories import make_opportunity, make_pipeline, stage

pytestmark = pytest.mark.django_db


def page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# ---------------------------------------------------------------- demo activities


def test_demo_activities_belong_to_the_demo_sales_users_and_fill_this_and_next_week(roles, departments, admin):
    admin_customers = [CustomerFactory(owner=admin, name=f"Maven {i}") for i in range(3)]
    users = {
        "manager": user_create(username="manager", password="pass1234", display_name="王经理",
                               department=departments.east, roles=[roles["sales_manager"]]),
        "sales": user_create(username="sales", password="pass1234", display_name="张销售",
                             department=departments.shanghai, roles=[roles["sales_rep"]]),
        "sales2": user_create(username="sales2", password="pass1234", display_name="李销售",
                              department=departments.south, roles=[roles["sales_rep"]]),
    }
    owned = {name: [CustomerFactory(owner=user, name=f"{name} {i}") for i in range(2)] for name, user in users.items()}

    first = demo_load()

    assert first["visits"] == 6
    assert first["followups"] == FollowUp.objects.count() > 0
    assert not FollowUp.objects.filter(customer__in=admin_customers).exists()
    assert not VisitPlan.objects.filter(customer__in=admin_customers).exists()
    demo_ids = {user.pk for user in users.values()}
    assert set(FollowUp.objects.values_list("owner_id", flat=True)) == demo_ids
    for visit in VisitPlan.objects.select_related("customer"):
        assert visit.owner_id == visit.customer.owner_id
    assert {name: sorted(VisitPlan.objects.filter(owner=user).values_list("customer_id", flat=True))
            for name, user in users.items()} == {name: sorted(c.pk for c in customers)
                                                  for name, customers in owned.items()}
    today = timezone.now().astimezone(ZoneInfo("Asia/Shanghai")).date()
    monday = today - dt.timedelta(days=today.weekday())
    days = sorted(v.starts_at.astimezone(ZoneInfo("Asia/Shanghai")).date() for v in VisitPlan.objects.all())
    assert days == sorted(monday + dt.timedelta(days=d) for d in (0, 7, 1, 8, 2, 9))

    assert demo_load() == {"followups": 0, "visits": 0}
    assert VisitPlan.objects.count() == 6


# ---------------------------------------------------------------- document category labels


def test_stage_refusal_names_the_category_by_its_label(sales_rep):
    pipeline = make_pipeline()
    negotiate = stage(pipeline, "Negotiate")
    services.stage_update(stage=negotiate, by=system_user(), data={"requires_document": True,
                                                                   "document_category": "proposal"})
    opp = make_opportunity(sales_rep, pipeline)
    with translation.override("en"), pytest.raises(ApplicationError) as refused:
        services.opportunity_stage_move(opportunity=opp, stage=negotiate, by=sales_rep)
    assert refused.value.message == ("The opportunity cannot enter the stage “Negotiate”: attach a document of "
                                     "the category “Proposal”.")
    with translation.override("zh-hans"), pytest.raises(ApplicationError) as refused:
        services.opportunity_stage_move(opportunity=opp, stage=negotiate, by=sales_rep)
    assert "“方案”" in refused.value.message and "proposal" not in refused.value.message
    assert Opportunity.objects.get(pk=opp.pk).stage_id == stage(pipeline, "Qualify").pk


def test_stage_table_offers_categories_by_label_only(admin):
    pipeline = make_pipeline()
    services.stage_update(stage=stage(pipeline, "Negotiate"), by=system_user(),
                          data={"requires_document": True, "document_category": "proposal"})
    url = reverse("sales:settings_stages", args=[pipeline.pk])
    html = page(admin).get(url).content.decode()
    assert re.search(r'<option value="proposal"[^>]*>Proposal</option>', html)
    assert "(proposal)" not in html
    admin.language = "zh-hans"
    admin.save(update_fields=["language"])
    html = page(admin).get(url).content.decode()
    assert re.search(r'<option value="proposal"[^>]*>方案</option>', html)
    assert "(proposal)" not in html and "方案 (" not in html
    with translation.override("en"):
        labels = dict(category_choices(_active_categories(), "retired"))
    assert labels["proposal"] == "Proposal" and labels["retired"] == "retired"


# ---------------------------------------------------------------- lead conversion source


def test_converted_opportunity_gets_the_source_label_not_its_code(sales_rep):
    PicklistOption.objects.create(kind="source", value="website", label="官网咨询", label_en="Website")
    pipeline = make_pipeline()
    lead = leads.lead_create(by=sales_rep, data={"company_name": "上海来源测试有限公司", "contact_name": "陈杰",
                                                 "source": "website"})
    with translation.override("zh-hans"):
        result = leads.lead_convert(lead=lead, by=sales_rep, plan=ConversionPlan(
            opportunity={"name": "来源测试", "pipeline": pipeline, "amount": "1000"}))
    assert Opportunity.objects.get(pk=result.opportunity.pk).source == "官网咨询"
    assert result.customer.source == "website"


# ---------------------------------------------------------------- owner choices


def test_owner_choices_follow_the_transfer_right_and_scope(admin, sales_manager, sales_rep, sales_rep_south):
    def choices(user, **kwargs):
        return set(OpportunityForm(user=user, **kwargs).fields["owner"].queryset.values_list("username", flat=True))

    assert choices(sales_rep) == {"sales_rep"}
    assert choices(sales_manager) == {"sales_manager", "sales_rep"}
    assert choices(admin) == {"admin", "sales_manager", "sales_rep", "sales_rep_south"}
    opp = make_opportunity(sales_rep, make_pipeline())
    assert choices(sales_rep, instance=opp) == {"sales_rep"}


def test_a_rep_cannot_pick_another_owner_and_is_told_once(sales_rep, sales_rep_south):
    pipeline = make_pipeline()
    customer = CustomerFactory(owner=sales_rep)
    client = page(sales_rep)
    response = client.post(reverse("sales:opportunity_create"), {
        "name": "给别人", "customer": customer.pk, "pipeline": pipeline.pk, "stage": stage(pipeline, "Qualify").pk,
        "currency": "CNY", "owner": sales_rep_south.pk})
    assert response.status_code == 200
    assert response.context["form"].errors == {"owner": ["You may not give opportunities to other users."]}
    assert [str(m) for m in get_messages(response.wsgi_request)] == []
    assert response.content.decode().count(str(response.context["form"].errors["owner"][0])) == 1
    assert not Opportunity.objects.filter(name="给别人").exists()


# ---------------------------------------------------------------- overview departments


def test_overview_offers_only_departments_in_the_opportunities_scope(roles, departments, admin, sales_manager,
                                                                     sales_rep):
    director = user_create(username="director", password="pass1234", display_name="周总监",
                           department=departments.sales, roles=[roles["sales_director"]])

    def offered(user):
        response = page(user).get(reverse("sales:overview"))
        assert response.status_code == 200
        return sorted(d.pk for d in response.context["departments"])

    assert offered(sales_manager) == []
    assert offered(sales_rep) == []
    assert offered(director) == sorted([departments.sales.pk, departments.east.pk, departments.shanghai.pk,
                                        departments.south.pk])
    assert offered(admin) == sorted(Department.objects.filter(is_active=True).values_list("pk", flat=True))
    html = page(sales_manager).get(reverse("sales:overview")).content.decode()
    assert "华南大区" not in html


def test_bulk_owner_choices_follow_the_scope(client, sales_manager, sales_rep, sales_rep_south):
    """The bulk "assign owner" list offers the users the manager may give opportunities to: himself and
    his subordinates, not a rep of another region."""
    from forpcrm.sales.forms import owner_choices

    expected = list(owner_choices(sales_manager))
    client.force_login(sales_manager)
    response = client.get(reverse("sales:opportunity_list"))

    assert response.status_code == 200
    assert list(response.context["bulk_owners"]) == expected
    assert sales_rep in expected and sales_manager in expected
    assert sales_rep_south not in expected
