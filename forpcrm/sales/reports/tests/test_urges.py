"""Urges: who may urge whom, the notifications of create / answer, the escalation job (twice → once),
404 for what one may not see (page and API), the customer panel, the timeline and the list query pins."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from forpcrm.core.errors import PermissionDeniedError
from forpcrm.customers.services import team_member_add
from forpcrm.customers.tests.factories import CustomerFactory, system_user
from forpcrm.notifications.models import Notification
from forpcrm.org.services import user_create
from forpcrm.sales.reports import services
from forpcrm.sales.reports.models import Urge, UrgeStatus
from forpcrm.sales.reports.timeline import urge_items
from forpcrm.timeline.selectors import timeline_for_customer

from .conftest import api, at

pytestmark = pytest.mark.django_db


def _notes(kind=None):
    qs = Notification.objects.select_related("recipient")
    if kind:
        qs = qs.filter(kind=kind)
    return sorted((n.recipient.username, n.kind) for n in qs)


def _urge(by, **data):
    return services.urge_create(by=by, data={"what": "本周内给客户报价", "due_at": timezone.now() + dt.timedelta(days=1),
                                             **data})


def test_a_rep_cannot_urge_a_peer(sales_rep, sales_rep_south, south_customer):
    from django.http import Http404

    with pytest.raises(Http404):
        _urge(sales_rep, customer=south_customer)
    # even as a team member of the peer's customer (visible, but not in his charge)
    team_member_add(customer=south_customer, user=sales_rep, can_edit=False, by=system_user())
    with pytest.raises(PermissionDeniedError):
        _urge(sales_rep, customer=south_customer)
    assert Urge.objects.count() == 0 and Notification.objects.count() == 0


def test_the_owner_cannot_urge_himself(sales_rep, rep_customer):
    with pytest.raises(PermissionDeniedError):
        _urge(sales_rep, customer=rep_customer)


def test_manager_urges_subordinate_who_answers_and_closes(sales_manager, sales_rep, rep_opportunity,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        urge = _urge(sales_manager, opportunity=rep_opportunity)
    assert (urge.assignee, urge.customer_id, urge.opportunity_id, urge.department_id) == (
        sales_rep, rep_opportunity.customer_id, rep_opportunity.pk, sales_rep.department_id)
    assert _notes() == [("sales_rep", "urge_received")]
    with pytest.raises(PermissionDeniedError):
        services.urge_answer(urge=urge, by=sales_manager, answer="x")
    with django_capture_on_commit_callbacks(execute=True):
        urge = services.urge_answer(urge=urge, by=sales_rep, answer="已发报价")
    assert urge.status == UrgeStatus.ANSWERED
    assert _notes() == [("sales_manager", "urge_answered"), ("sales_rep", "urge_received")]
    urge = services.urge_done(urge=urge, by=sales_rep)
    assert urge.status == UrgeStatus.DONE and urge.done_at is not None
    assert Notification.objects.count() == 2


@pytest.fixture
def director(roles, departments, sales_manager):
    user = user_create(username="director", password="pass1234", display_name="周总监", department=departments.sales,
                       roles=[roles["sales_director"]])
    sales_manager.manager = user
    sales_manager.save(update_fields=["manager"])
    return user


def test_escalation_runs_twice_and_notifies_once(director, sales_manager, sales_rep, rep_customer):
    urge = services.urge_create(by=sales_manager, data={"customer": rep_customer, "what": "回访",
                                                        "due_at": at(2099, 5, 8, 2)})
    answered = services.urge_create(by=sales_manager, data={"customer": rep_customer, "what": "已答",
                                                            "due_at": at(2099, 5, 8, 2)})
    services.urge_answer(urge=answered, by=sales_rep, answer="好")
    Notification.objects.all().delete()
    assert services.urges_escalate_job(at(2099, 5, 8, 1, 59)) == 0
    assert services.urges_escalate_job(at(2099, 5, 8, 2, 1)) == 1
    assert services.urges_escalate_job(at(2099, 5, 8, 2, 6)) == 0
    urge.refresh_from_db()
    assert (urge.escalated_at, urge.escalated_to) == (at(2099, 5, 8, 2, 1), director)
    assert _notes() == [("director", "urge_overdue"), ("sales_rep", "urge_overdue")]
    # the director (department tree) sees it now
    assert Urge.objects.visible_to(director).filter(pk=urge.pk).exists()


def test_visibility_and_404_on_page_and_api(client, sales_manager, sales_rep, sales_rep_south, rep_customer,
                                            south_customer):
    urge = _urge(sales_manager, customer=rep_customer)
    assert set(Urge.objects.visible_to(sales_rep)) == {urge}
    assert set(Urge.objects.visible_to(sales_manager)) == {urge}
    assert list(Urge.objects.visible_to(sales_rep_south)) == []
    client.force_login(sales_rep_south)
    assert client.get(reverse("sales:urge_detail", args=[urge.pk])).status_code == 404
    assert client.post(reverse("sales:urge_cancel", args=[urge.pk])).status_code == 404
    assert client.get(reverse("sales:urge_create") + f"?customer={rep_customer.pk}").status_code == 404
    south = api(sales_rep_south)
    assert south.get(f"/api/v1/urges/{urge.pk}/").status_code == 404
    assert south.post(f"/api/v1/urges/{urge.pk}/answer/", {"answer": "x"}, format="json").status_code == 404
    assert south.get("/api/v1/urges/").json()["count"] == 0
    created = api(sales_rep).post("/api/v1/urges/", {"customer": south_customer.pk, "what": "x",
                                                    "due_at": "2099-05-10T10:00:00+08:00"}, format="json")
    assert created.status_code == 404
    assert Urge.objects.get(pk=urge.pk).status == UrgeStatus.OPEN and Urge.objects.count() == 1


def test_page_create_in_the_creators_zone_and_answer(client, sales_manager, sales_rep, rep_customer):
    client.force_login(sales_manager)
    form = client.get(reverse("sales:urge_create") + f"?customer={rep_customer.pk}")
    assert form.status_code == 200
    response = client.post(reverse("sales:urge_create"), {"customer": rep_customer.pk, "what": "<b>尽快</b>",
                                                          "due_at": "2099-05-10T10:00"})
    urge = Urge.objects.get()
    assert response.status_code == 302 and urge.due_at == at(2099, 5, 10, 2)
    client.force_login(sales_rep)
    page = client.get(reverse("sales:urge_detail", args=[urge.pk]))
    assert b"&lt;b&gt;\xe5\xb0\xbd\xe5\xbf\xab&lt;/b&gt;" in page.content
    client.post(reverse("sales:urge_answer", args=[urge.pk]), {"answer": "明天"})
    assert Urge.objects.get().status == UrgeStatus.ANSWERED
    customer_page = client.get(reverse("customers:customer_detail", args=[rep_customer.pk]))
    assert b'id="panel-urges"' in customer_page.content
    assert reverse("sales:urge_detail", args=[urge.pk]).encode() in customer_page.content


def test_api_create_answer_done_cancel(sales_manager, sales_rep, rep_opportunity):
    manager = api(sales_manager)
    created = manager.post("/api/v1/urges/", {"opportunity": rep_opportunity.pk, "what": "推进",
                                              "due_at": "2099-05-10T10:00:00+08:00"}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["assignee"], body["customer"], body["due_at"]) == (
        sales_rep.pk, rep_opportunity.customer_id, "2099-05-10T10:00:00+08:00")
    rep = api(sales_rep)
    assert rep.post(f"/api/v1/urges/{body['id']}/cancel/").status_code == 403
    assert rep.post(f"/api/v1/urges/{body['id']}/done/", {"answer": "好"}, format="json").json()["status"] == "done"
    second = manager.post("/api/v1/urges/", {"customer": rep_opportunity.customer_id, "what": "x",
                                             "due_at": "2099-05-10T10:00:00+08:00"}, format="json").json()
    assert manager.post(f"/api/v1/urges/{second['id']}/cancel/").json()["status"] == "cancelled"
    both = manager.post("/api/v1/urges/", {"customer": rep_opportunity.customer_id, "opportunity": rep_opportunity.pk,
                                           "what": "x", "due_at": "2099-05-10T10:00:00+08:00"}, format="json")
    assert both.status_code == 400
    assert rep.get("/api/v1/urges/?tab=me&state=done").json()["count"] == 1


def test_list_and_timeline_query_counts(client, sales_manager, sales_rep, pipeline, django_assert_max_num_queries):
    customer = CustomerFactory(owner=sales_rep, name="查询计数有限公司")
    for _ in range(5):
        _urge(sales_manager, customer=customer)
    client.force_login(sales_rep)
    client.get(reverse("sales:urge_list"))
    with django_assert_max_num_queries(14) as first:
        assert client.get(reverse("sales:urge_list") + "?tab=me").status_code == 200
    for _ in range(20):
        _urge(sales_manager, customer=customer)
    with django_assert_max_num_queries(len(first.captured_queries)):
        page = client.get(reverse("sales:urge_list") + "?tab=me")
    assert len(re.findall(rb'href="/sales/urges/\d+/"', page.content)) == 25
    fresh = type(sales_rep).objects.get(pk=sales_rep.pk)
    list(urge_items(user=fresh, customer=customer, limit=50))  # grants and scope sets, once per user
    with django_assert_max_num_queries(1):
        items = list(urge_items(user=fresh, customer=customer, limit=50))
    assert len(items) == 25 and {i.kind for i in items} == {"urge"}
    assert items[0].url.startswith("/sales/urges/")
    assert len(timeline_for_customer(user=fresh, customer=customer, kinds=["urge"])) == 25
