import pytest

from forpcrm.core.errors import PermissionDeniedError
from forpcrm.org import access
from forpcrm.org.models import Action, DataScope, Module
from forpcrm.org.services import department_move, role_templates_install
from forpcrm.org.tests.factories import UserFactory


@pytest.mark.parametrize(("raw", "scope"), [
    (30, DataScope.DEPARTMENT), ("30", DataScope.DEPARTMENT), ("department", DataScope.DEPARTMENT),
    ("own department", DataScope.DEPARTMENT), (DataScope.ALL, DataScope.ALL), (50.0, DataScope.ALL),
    ("own+subordinates", DataScope.OWN_AND_SUBORDINATES), ("department_tree", DataScope.DEPARTMENT_TREE),
    ("nonsense", DataScope.OWN), (None, DataScope.OWN), (True, DataScope.OWN), (99, DataScope.OWN),
])
def test_normalise_scope_accepts_any_stored_type(raw, scope):
    assert access.normalise_scope(raw) == scope


@pytest.mark.django_db
def test_role_templates_and_permissions(personas):
    assert access.has_perm(personas.admin, Module.ADMINISTRATION, Action.CONFIGURE)
    assert access.scope_for(personas.admin, Module.CUSTOMERS) == DataScope.ALL
    assert access.has_perm(personas.sales_rep, Module.CUSTOMERS, Action.CREATE)
    assert not access.has_perm(personas.sales_rep, Module.CUSTOMERS, Action.DELETE)
    assert access.scope_for(personas.sales_manager, Module.CUSTOMERS) == DataScope.OWN_AND_SUBORDINATES
    assert access.scope_for(personas.finance, Module.POOL) is None
    assert not access.has_perm(personas.customer_service, Module.CUSTOMERS, Action.CREATE)
    with pytest.raises(PermissionDeniedError, match="delete"):
        access.require_perm(personas.sales_rep, Module.CUSTOMERS, Action.DELETE)
    assert personas.admin.is_superuser is False


@pytest.mark.django_db
def test_role_templates_install_is_idempotent_and_keeps_edits(roles):
    roles["sales_rep"].name = "改过的名字"
    roles["sales_rep"].save()
    again = role_templates_install()
    assert set(again) == {"admin", "sales_director", "sales_manager", "sales_rep", "finance", "delivery",
                          "customer_service"}
    again["sales_rep"].refresh_from_db()
    assert again["sales_rep"].name == "改过的名字"


@pytest.mark.django_db
def test_superuser_has_everything():
    root = UserFactory(is_superuser=True)
    assert access.scope_for(root, Module.CONTACTS) == DataScope.ALL
    assert access.has_perm(root, Module.IMPORTS, Action.IMPORT)


@pytest.mark.django_db
def test_grants_are_resolved_once_per_user_object(sales_rep, django_assert_num_queries):
    user = type(sales_rep).objects.get(pk=sales_rep.pk)
    with django_assert_num_queries(1):
        access.has_perm(user, Module.CUSTOMERS, Action.VIEW)
        access.has_perm(user, Module.CONTACTS, Action.EDIT)
        access.scope_for(user, Module.POOL)


@pytest.mark.django_db
def test_subordinates_follow_the_whole_manager_chain():
    boss = UserFactory()
    lead = UserFactory(manager=boss)
    rep = UserFactory(manager=lead)
    UserFactory()
    assert access.subordinate_ids(boss) == {lead.pk, rep.pk}
    assert access.subordinate_ids(rep) == set()


@pytest.mark.django_db
def test_department_subtree_and_move(departments):
    user = UserFactory(department=departments.sales)
    assert access.department_subtree_ids(user) == {departments.sales.pk, departments.east.pk,
                                                   departments.shanghai.pk, departments.south.pk}
    department_move(department=departments.shanghai, parent=departments.south)
    departments.shanghai.refresh_from_db()
    assert departments.shanghai.path.startswith(departments.south.path)
    assert departments.shanghai.full_name == "总部 › 销售中心 › 华南大区 › 上海组"
