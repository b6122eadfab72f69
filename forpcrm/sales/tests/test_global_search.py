"""The global search page also lists opportunities and leads, each through the user's scope."""

import pytest
from django.urls import reverse

from forpcrm.conftest import PASSWORD
from forpcrm.sales.leads.services import lead_create

from .factories import make_opportunity, make_pipeline

pytestmark = pytest.mark.django_db


def _search(client, user, q):
    client.login(username=user.username, password=PASSWORD)
    response = client.get(reverse("customers:search"), {"q": q})
    assert response.status_code == 200
    return response.content.decode()


def test_search_lists_own_opportunities_and_leads_only(client, sales_rep, sales_rep_south):
    pipeline = make_pipeline()
    mine = make_opportunity(sales_rep, pipeline, name="寰宇星辰扩容项目")
    theirs = make_opportunity(sales_rep_south, pipeline, name="寰宇星辰二期项目")
    my_lead = lead_create(by=sales_rep, data={"company_name": "寰宇星辰咨询", "contact_name": "刘洋",
                                              "mobile": "13900001111"})
    other_lead = lead_create(by=sales_rep_south, data={"company_name": "寰宇星辰贸易", "contact_name": "周敏",
                                                      "mobile": "13900002222"})

    html = _search(client, sales_rep, "寰宇星辰")

    assert 'data-search-section="opportunities"' in html and 'data-search-section="leads"' in html
    assert reverse("sales:opportunity_detail", args=[mine.pk]) in html
    assert reverse("sales:lead_detail", args=[my_lead.pk]) in html
    assert "寰宇星辰二期项目" not in html and reverse("sales:opportunity_detail", args=[theirs.pk]) not in html
    assert "寰宇星辰贸易" not in html and reverse("sales:lead_detail", args=[other_lead.pk]) not in html


def test_search_hides_sections_the_user_has_no_right_to(client, customer_service):
    html = _search(client, customer_service, "anything")

    assert 'data-search-section="opportunities"' not in html
    assert 'data-search-section="leads"' not in html
