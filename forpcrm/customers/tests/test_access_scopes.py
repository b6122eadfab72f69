"""Data scopes at selector level: cases C07, C08, the scope matrix and team members with expiry."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.http import Http404
from django.utils import timezone

from forpcrm.customers import selectors, services
from forpcrm.customers.models import Contact, Customer
from forpcrm.customers.tests.factories import ContactFactory, CustomerFactory, UserFactory
from forpcrm.org import access
from forpcrm.org.models import Action, DataScope, Module, Role, RoleGrant
from forpcrm.org.services import department_create, role_grant_set

pytestmark = pytest.mark.django_db


def _role(code, grants):
    role = Role.objects.create(code=code, name=code)
    for module, (actions, scope) in grants.items():
        role_grant_set(role=role, module=module, actions=actions, scope=scope)
    return role


@pytest.fixture
def c07():
    east = department_create(name="华东")
    south = department_create(name="华南")
    sales = _role("sales", {Module.CUSTOMERS: ([Action.VIEW, Action.EDIT], DataScope.DEPARTMENT)})
    east1 = UserFactory(username="east1", department=east, roles=[sales])
    south1 = UserFactory(username="south1", department=south, roles=[sales])
    c1 = CustomerFactory(owner=south1, name="C1 华东示例有限公司")
    Customer.objects.filter(pk=c1.pk).update(department=east)  # a 华东 customer owned elsewhere
    c2 = CustomerFactory(owner=south1, name="C2 华南示例有限公司")
    return SimpleNamespace(east1=east1, c1=c1, c2=c2, sales=sales)


def _names(qs):
    return sorted(c.name for c in qs)


@pytest.mark.parametrize("stored", [30, "30", "department"])
def test_c07_department_scope_whatever_the_stored_type(c07, stored, monkeypatch):
    if stored == "department":  # an integer column cannot hold it; feed the grant as a legacy store would
        real = RoleGrant.objects.filter(role=c07.sales)
        rows = [SimpleNamespace(module=g.module, actions=g.actions, scope="department") for g in real]

        class FakeManager:
            @staticmethod
            def filter(**kwargs):
                return SimpleNamespace(only=lambda *a: rows)

        monkeypatch.setattr(access, "RoleGrant", SimpleNamespace(objects=FakeManager()))
    else:
        RoleGrant.objects.filter(role=c07.sales).update(scope=stored)
    user = type(c07.east1).objects.get(pk=c07.east1.pk)
    assert _names(selectors.customer_list(user=user, params={})) == ["C1 华东示例有限公司"]
    assert _names(selectors.customer_list(user=user, params={"q": "有限公司"})) == ["C1 华东示例有限公司"]
    assert selectors.customer_list(user=user, params={}).count() == 1
    assert selectors.customer_detail(user=user, pk=c07.c1.pk) == c07.c1
    with pytest.raises(Http404):
        selectors.customer_detail(user=user, pk=c07.c2.pk)


def test_c08_children_through_the_parent(admin):
    purchaser_role = _role("purchaser", {Module.CUSTOMERS: ([Action.VIEW], DataScope.ALL)})
    purchaser = UserFactory(username="purchaser", roles=[purchaser_role])
    customer = CustomerFactory(owner=admin, name="广州示例有限公司")
    ContactFactory(customer=customer, name="刘洋", mobile="13700000003", by=admin)
    assert _names(selectors.customer_list(user=purchaser, params={})) == ["广州示例有限公司"]
    assert list(Contact.objects.visible_to(purchaser)) == []
    assert list(selectors.customer_contacts(user=purchaser, customer=customer)) == []
    assert list(selectors.contact_list(user=purchaser, params={"q": "13700000003"})) == []
    assert list(selectors.customer_list(user=purchaser, params={"q": "13700000003"})) == []
    assert [c.name for c in selectors.contact_list(user=admin, params={"q": "13700000003"})] == ["刘洋"]


@pytest.fixture
def matrix():
    """hq › region › (team_a, team_b); boss manages lead, lead manages rep."""
    hq = department_create(name="总部")
    region = department_create(name="大区", parent=hq)
    team_a = department_create(name="一组", parent=region)
    team_b = department_create(name="二组", parent=region)
    other = department_create(name="外部")
    users = SimpleNamespace()
    users.boss = UserFactory(username="boss", department=region)
    users.lead = UserFactory(username="lead", department=team_a, manager=users.boss)
    users.rep = UserFactory(username="rep", department=team_a, manager=users.lead)
    users.peer = UserFactory(username="peer", department=team_b)
    users.outsider = UserFactory(username="outsider", department=other)
    for name in ("boss", "lead", "rep", "peer", "outsider"):
        CustomerFactory(owner=getattr(users, name), name=f"{name}的客户")
    return users


@pytest.mark.parametrize(("scope", "viewer", "expected"), [
    (DataScope.OWN, "lead", ["lead的客户"]),
    (DataScope.OWN_AND_SUBORDINATES, "boss", ["boss的客户", "lead的客户", "rep的客户"]),
    (DataScope.OWN_AND_SUBORDINATES, "lead", ["lead的客户", "rep的客户"]),
    (DataScope.DEPARTMENT, "lead", ["lead的客户", "rep的客户"]),
    (DataScope.DEPARTMENT, "boss", ["boss的客户"]),
    (DataScope.DEPARTMENT_TREE, "boss", ["boss的客户", "lead的客户", "peer的客户", "rep的客户"]),
    (DataScope.ALL, "rep", ["boss的客户", "lead的客户", "outsider的客户", "peer的客户", "rep的客户"]),
])
def test_scope_matrix(matrix, scope, viewer, expected):
    role = _role(f"r{int(scope)}", {Module.CUSTOMERS: ([Action.VIEW, Action.EDIT], scope)})
    user = getattr(matrix, viewer)
    user.roles.add(role)
    assert _names(selectors.customer_list(user=user, params={})) == sorted(expected)
    assert _names(Customer.objects.editable_by(user)) == sorted(expected)


def test_widest_grant_of_several_roles_wins(matrix):
    narrow = _role("narrow", {Module.CUSTOMERS: ([Action.VIEW], DataScope.OWN)})
    wide = _role("wide", {Module.CUSTOMERS: ([Action.VIEW], DataScope.DEPARTMENT)})
    matrix.lead.roles.add(narrow, wide)
    assert _names(Customer.objects.visible_to(matrix.lead)) == ["lead的客户", "rep的客户"]


def test_team_members_read_or_write_until_expiry(matrix):
    role = _role("own", {Module.CUSTOMERS: ([Action.VIEW, Action.EDIT], DataScope.OWN)})
    matrix.peer.roles.add(role)
    matrix.outsider.roles.add(role)
    shared = Customer.objects.get(name="outsider的客户")
    services.team_member_add(customer=shared, user=matrix.peer, can_edit=False, by=matrix.outsider)
    peer = type(matrix.peer).objects.get(pk=matrix.peer.pk)
    assert _names(Customer.objects.visible_to(peer)) == ["outsider的客户", "peer的客户"]
    assert _names(Customer.objects.editable_by(peer)) == ["peer的客户"]
    services.team_member_add(customer=shared, user=matrix.peer, can_edit=True,
                             expires_at=timezone.now() + dt.timedelta(days=1), by=matrix.outsider)
    assert _names(Customer.objects.editable_by(peer)) == ["outsider的客户", "peer的客户"]
    shared.team_members.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert _names(Customer.objects.visible_to(peer)) == ["peer的客户"]


def test_list_scope_parameter(sales_manager, sales_rep, sales_rep_south):
    CustomerFactory(owner=sales_manager, name="经理的")
    CustomerFactory(owner=sales_rep, name="代表的")
    CustomerFactory(by=sales_rep, owner=None, name="公海的")
    def names(scope):
        return _names(selectors.customer_list(user=sales_manager, params={"scope": scope}))
    assert names("mine") == ["经理的"]
    assert names("team") == ["代表的", "经理的"]
    assert names("pool") == ["公海的"]
    assert names("all") == ["代表的", "公海的", "经理的"]


def test_pool_visible_to_reps_of_the_department_only(sales_rep, sales_rep_south):
    CustomerFactory(by=sales_rep, owner=None, name="上海公海")
    assert _names(selectors.customer_list(user=sales_rep, params={"scope": "pool"})) == ["上海公海"]
    assert _names(selectors.customer_list(user=sales_rep_south, params={"scope": "pool"})) == []


def test_inactive_or_anonymous_users_see_nothing(sales_rep):
    from django.contrib.auth.models import AnonymousUser

    CustomerFactory(owner=sales_rep, name="停用前")
    sales_rep.is_active = False
    assert list(Customer.objects.visible_to(sales_rep)) == []
    assert list(Customer.objects.visible_to(AnonymousUser())) == []
