"""Opportunity and lead events on the customer timeline: scope, content, toggles and a fixed query count."""

import datetime as dt

import pytest
from django.utils import timezone

from forpcrm.customers import services as customer_services
from forpcrm.customers.tests.factories import CustomerFactory, system_user
from forpcrm.sales import services as sales_services
from forpcrm.sales.leads import services
from forpcrm.sales.leads.services import ConversionPlan
from forpcrm.sales.tests.factories import make_opportunity, make_pipeline, stage
from forpcrm.timeline.selectors import timeline_for_customer, timeline_page
from forpcrm.timeline.services import timeline_event_add

pytestmark = pytest.mark.django_db


def opportunity_titles(user, customer):
    return [i.title for i in timeline_for_customer(user=user, customer=customer, kinds=["opportunity"])]


def test_rep_sees_only_events_of_visible_opportunities(sales_rep, sales_rep_south, sales_manager, admin):
    pipeline = make_pipeline()
    customer = CustomerFactory(owner=sales_rep, name="时间线客户")
    mine = make_opportunity(sales_rep, pipeline, customer=customer, name="我的机会", amount="50000")
    theirs = make_opportunity(sales_rep_south, pipeline, customer=customer, name="南区机会", amount="9000")
    sales_services.opportunity_stage_move(opportunity=mine, stage=stage(pipeline, "Propose"), by=sales_rep)
    sales_services.opportunity_won(opportunity=mine, by=sales_rep, reason="价格优势")
    sales_services.opportunity_lost(opportunity=theirs, by=system_user(), reason="预算取消")
    assert opportunity_titles(sales_rep, customer) == [
        "Opportunity won: 我的机会 · 50,000.00 CNY · 价格优势",
        "Stage changed: 我的机会: Qualify → Propose",
        "Opportunity created: 我的机会 (Qualify)",
    ]
    assert opportunity_titles(sales_manager, customer) == opportunity_titles(sales_rep, customer)
    everything = opportunity_titles(admin, customer)
    assert len(everything) == 5 and "Opportunity lost: 南区机会 · 9,000.00 CNY · 预算取消" in everything
    item = timeline_for_customer(user=sales_rep, customer=customer, kinds=["opportunity"])[0]
    assert (item.url, item.actor, item.details["event"]) == (f"/opportunities/{mine.pk}/", sales_rep, "won")


def test_converted_leads_appear_for_users_who_see_them(sales_rep, sales_manager, admin):
    pipeline = make_pipeline()
    customer = CustomerFactory(owner=sales_rep, name="线索转化客户")
    lead = services.lead_create(by=admin, data={"company_name": "线索转化客户"})
    services.lead_convert(lead=lead, by=admin, plan=ConversionPlan(
        customer_action="link", customer_id=customer.pk, contact_action="skip",
        opportunity={"name": "转化机会", "pipeline": pipeline}))
    rows = timeline_for_customer(user=admin, customer=customer, kinds=["lead"])
    assert [(i.title, i.url) for i in rows] == [("Converted from lead: 线索转化客户", f"/leads/{lead.pk}/")]
    # the rep owns the customer but not the admin's lead: the lead event is not shown to him
    assert timeline_for_customer(user=sales_rep, customer=customer, kinds=["lead"]) == []


STORED_KINDS = ("note", "contract")  # kinds without a provider, stored as TimelineEvents


def _busy_customer(rep, n: int):
    """A customer with n events of every kind that has a provider or is stored (follow-ups and
    comments through the activity services, opportunities, converted leads, history, ownership)."""
    from forpcrm.sales.activity.services import comment_add, followup_create

    pipeline = make_pipeline(name=f"P{n}")
    customer = CustomerFactory(owner=rep, name=f"繁忙客户{n}")
    for i in range(n):
        customer_services.customer_update(customer=customer, by=rep, data={"remarks": f"备注{i}"},
                                          expected_version=customer.version)
        customer.refresh_from_db()
        opportunity = make_opportunity(rep, pipeline, customer=customer, name=f"机会{i}", amount="1000")
        sales_services.opportunity_stage_move(opportunity=opportunity, stage=stage(pipeline, "Propose"), by=rep)
        sales_services.opportunity_won(opportunity=opportunity, by=rep)
        lead = services.lead_create(by=rep, data={"company_name": f"繁忙线索{i}"})
        services.lead_convert(lead=lead, by=rep, plan=ConversionPlan(
            customer_action="link", customer_id=customer.pk, contact_action="skip", opportunity=None))
        followup = followup_create(by=rep, data={"customer": customer, "kind": "phone", "content": f"电话{i}",
                                                 "at": timezone.now() - dt.timedelta(minutes=i)})
        comment_add(by=rep, target=followup, body=f"评论{i}")
        for kind in STORED_KINDS:
            timeline_event_add(customer=customer, kind=kind, title=f"{kind} {i}", actor=rep,
                               at=timezone.now() + dt.timedelta(seconds=i))
    for _ in range(max(1, n // 5)):
        customer_services.customer_transfer(customer=customer, to=rep.manager, by=rep.manager, reason="调整")
        customer_services.customer_transfer(customer=customer, to=rep, by=rep.manager, reason="调回")
    return customer


def test_timeline_query_count_is_fixed(sales_rep, sales_manager, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from forpcrm.org.models import User

    small, large = _busy_customer(sales_rep, 3), _busy_customer(sales_rep, 15)
    for filter_key in ("all", "followups", "comments", "opportunities", "history", "ownership", "leads"):
        used = []
        for customer in (small, large):
            user = User.objects.get(pk=sales_manager.pk)  # a fresh user object: grants are read again
            with django_assert_max_num_queries(22), CaptureQueriesContext(connection) as queries:
                page = timeline_page(user=user, customer=customer, filter_key=filter_key, page=2, page_size=3)
            assert page.items, filter_key
            used.append(len(queries))
        assert used[0] == used[1], (filter_key, used)
    full = timeline_page(user=sales_manager, customer=large, filter_key="all", page=1, page_size=500)
    kinds = {i.kind for i in full.items}
    assert {"followup", "comment", "opportunity", "lead", *STORED_KINDS} <= kinds
    assert not kinds & {"history", "ownership"}
    assert [i.at for i in full.items] == sorted((i.at for i in full.items), reverse=True)


def test_customer_page_toggles_and_load_more(sales_rep, client):
    customer = _busy_customer(sales_rep, 10)
    client.force_login(sales_rep)
    page = client.get(f"/customers/{customer.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'id="timeline-filters"' in text and 'data-filter="opportunities"' in text
    section = text[text.index('id="timeline-section"'):text.index("</ul>", text.index('id="timeline-section"'))]
    assert 'data-kind="history"' not in section and 'data-kind="ownership"' not in section  # own panels
    assert section.count('class="timeline-event"') == 25 and 'id="timeline-more"' in text
    more = client.get(f"/customers/{customer.pk}/?tl=all&tl_page=2", HTTP_HX_REQUEST="true")
    assert more.content.decode().count('class="timeline-event"') == 50
    only = client.get(f"/customers/{customer.pk}/?tl=opportunities").content.decode()
    kinds = {part.split('"')[0] for part in only.split('class="timeline-event" data-kind="')[1:]}
    assert kinds == {"opportunity"}
    history = client.get(f"/customers/{customer.pk}/?tl=history").content.decode()
    assert {p.split('"')[0] for p in history.split('class="timeline-event" data-kind="')[1:]} == {"history"}
