import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from forpcrm.customers import services
from forpcrm.customers.tests.factories import CustomerFactory
from forpcrm.timeline.models import TimelineEvent
from forpcrm.timeline.registry import TimelineItem, timeline_provider_register, timeline_providers
from forpcrm.timeline.selectors import timeline_for_customer
from forpcrm.timeline.services import timeline_event_add

pytestmark = pytest.mark.django_db


def test_timeline_assembles_ownership_history_and_events_newest_first(sales_manager, sales_rep):
    customer = CustomerFactory(owner=sales_rep, name="时间线公司")
    services.customer_update(customer=customer, by=sales_rep, data={"level": "A"}, expected_version=1)
    services.customer_transfer(customer=customer, to=sales_manager, by=sales_manager, reason="调整")
    event = timeline_event_add(customer=customer, kind="followup", title="电话沟通", actor=sales_rep,
                               at=timezone.now() + dt.timedelta(seconds=5), payload={"minutes": 10}, obj=customer)
    assert (event.object_type, event.object_id) == ("customers.customer", str(customer.pk))
    items = timeline_for_customer(user=sales_manager, customer=customer)
    assert items[0].title == "电话沟通"
    assert [i.at for i in items] == sorted((i.at for i in items), reverse=True)
    kinds = {i.kind for i in items}
    assert kinds == {"followup", "ownership", "history"}
    transfer = next(i for i in items if i.kind == "ownership" and "调整" in i.title)
    assert transfer.actor == sales_manager
    only = timeline_for_customer(user=sales_manager, customer=customer, kinds=["followup"])
    assert [i.title for i in only] == ["电话沟通"]
    assert len(timeline_for_customer(user=sales_manager, customer=customer, limit=2)) == 2


def test_timeline_is_404_outside_scope(sales_rep, sales_rep_south):
    customer = CustomerFactory(owner=sales_rep, name="别人的时间线")
    with pytest.raises(Http404):
        timeline_for_customer(user=sales_rep_south, customer=customer)


def test_later_apps_register_providers(sales_rep):
    customer = CustomerFactory(owner=sales_rep, name="注册公司")
    saved = timeline_providers()

    def contracts(*, user, customer, limit):
        yield TimelineItem(kind="contract", at=timezone.now() + dt.timedelta(days=1), actor=None,
                           title="合同签订", url="/contracts/1/")

    timeline_provider_register("contract", contracts)
    try:
        items = timeline_for_customer(user=sales_rep, customer=customer, kinds=["contract"])
        assert [(i.kind, i.title, i.url) for i in items] == [("contract", "合同签订", "/contracts/1/")]
    finally:
        from forpcrm.timeline import registry

        registry._PROVIDERS.clear()
        registry._PROVIDERS.update(saved)


def test_merge_moves_timeline_events(sales_manager):
    survivor = CustomerFactory(owner=sales_manager, name="存续")
    merged = CustomerFactory(owner=sales_manager, name="被并")
    timeline_event_add(customer=merged, kind="note", title="备注")
    services.customer_merge(survivor=survivor, merged=merged, by=sales_manager)
    assert list(TimelineEvent.objects.values_list("customer", flat=True)) == [survivor.pk]


def test_changed_fields_are_joined_with_the_separator_of_the_language(sales_rep):
    from django.utils import translation

    customer = CustomerFactory(owner=sales_rep, name="分隔符公司")
    services.customer_update(customer=customer, by=sales_rep, data={"industry": "it", "level": "A"},
                             expected_version=1)
    with translation.override("en"):
        titles = [i.title for i in timeline_for_customer(user=sales_rep, customer=customer) if i.kind == "history"]
        assert titles[0] == "Changed: Industry, Level"
    with translation.override("zh-hans"):
        titles = [i.title for i in timeline_for_customer(user=sales_rep, customer=customer) if i.kind == "history"]
        assert "、" in titles[0] and ", " not in titles[0]
