"""Organisation pages: login, password reset, profile and language, home counts, settings area."""

import pytest
from django.core import mail
from django.urls import reverse

from forpcrm.org.models import Department, Module, Role, RoleGrant, User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """Exact English messages (the product's default language is zh-hans)."""
    settings.LANGUAGE_CODE = "en"


def test_login_by_username_or_email(client, personas):
    url = reverse("org:login")
    assert client.get(url).status_code == 200
    response = client.post(url, {"username": "sales_rep@example.com", "password": "pass1234"})
    assert response.status_code == 302
    assert response["Location"] == reverse("org:home")
    client.post(reverse("org:logout"))
    response = client.post(url, {"username": "SALES_REP", "password": "pass1234"})
    assert response.status_code == 302
    client.post(reverse("org:logout"))
    response = client.post(url, {"username": "sales_rep", "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_pages_need_login(client, db):
    response = client.get(reverse("customers:customer_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("org:login"))


def test_password_reset_by_email(client, personas):
    response = client.post(reverse("org:password_reset"), {"email": "sales_rep@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["sales_rep@example.com"]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password-reset/" in line)
    path = link.split("testserver", 1)[1]
    response = client.get(path, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "N3w-pass-word", "new_password2": "N3w-pass-word"})
    assert response.status_code == 302
    assert User.objects.get(username="sales_rep").check_password("N3w-pass-word")


def test_profile_and_language_switch_save_on_the_user(client, personas):
    rep = personas.sales_rep
    client.force_login(rep)
    response = client.post(reverse("org:profile"), {"language": "en", "time_zone": "Europe/Berlin"})
    assert response.status_code == 302
    rep.refresh_from_db()
    assert (rep.language, rep.time_zone) == ("en", "Europe/Berlin")
    response = client.post(reverse("org:set_language"), {"language": "zh-hans", "next": "/customers/"})
    assert response.status_code == 302
    assert response["Location"] == "/customers/"
    rep.refresh_from_db()
    assert rep.language == "zh-hans"
    response = client.post(reverse("org:profile"), {"language": "en", "time_zone": "Mars/Olympus"})
    assert response.status_code == 200
    rep.refresh_from_db()
    assert rep.time_zone == "Europe/Berlin"


@pytest.mark.parametrize(("persona", "status"), [
    ("admin", 200), ("sales_manager", 403), ("sales_rep", 403), ("sales_rep_south", 403),
    ("customer_service", 403),
])
def test_settings_access_matrix(client, personas, persona, status):
    client.force_login(getattr(personas, persona))
    for name in ("org:department_list", "org:user_list", "org:role_list", "customfields:field_list",
                 "customfields:picklist_list", "customers:poolrule_list"):
        assert client.get(reverse(name)).status_code == status, name
    # A denied POST changes nothing
    before = Department.objects.count()
    response = client.post(reverse("org:department_list"), {"name": "新部门", "is_active": "on"})
    assert response.status_code == (302 if status == 200 else 403)
    assert Department.objects.count() == before + (1 if status == 200 else 0)


def test_departments_create_rename_move_deactivate(client, personas, departments):
    client.force_login(personas.admin)
    client.post(reverse("org:department_list"), {"name": "杭州组", "parent": departments.east.pk, "is_active": "on"})
    hangzhou = Department.objects.get(name="杭州组")
    assert hangzhou.path.startswith(departments.east.path)
    response = client.post(reverse("org:department_edit", args=[hangzhou.pk]),
                           {"name": "杭州一组", "parent": departments.south.pk, "is_active": "on"})
    assert response.status_code == 302
    hangzhou.refresh_from_db()
    assert (hangzhou.name, hangzhou.parent_id) == ("杭州一组", departments.south.pk)
    assert hangzhou.path.startswith(departments.south.path)
    client.post(reverse("org:department_edit", args=[hangzhou.pk]),
                {"name": "杭州一组", "parent": departments.south.pk})
    hangzhou.refresh_from_db()
    assert hangzhou.is_active is False
    # A department with active users cannot be deactivated
    response = client.post(reverse("org:department_edit", args=[departments.south.pk]),
                           {"name": "华南大区", "parent": departments.sales.pk}, follow=True)
    departments.south.refresh_from_db()
    assert departments.south.is_active is True
    assert [str(m) for m in response.context["messages"]][-1] == "“华南大区” still has active users; move them first."
    # Tree page
    tree = client.get(reverse("org:department_list")).context["tree"]
    assert tree[0]["department"].name == "总部"


def test_users_list_search_filter_create_edit_reset(client, personas, roles, departments,
                                                    django_assert_num_queries):
    client.force_login(personas.admin)
    url = reverse("org:user_list")
    response = client.get(url, {"q": "销售"})
    assert [u.username for u in response.context["users"]] == ["sales_rep", "sales_rep_south"]
    response = client.get(url, {"department": departments.east.pk})
    assert [u.username for u in response.context["users"]] == ["sales_manager", "sales_rep"]
    response = client.post(reverse("org:user_create"), {
        "username": "east2", "display_name": "新人", "email": "east2@example.com", "phone": "13800000009",
        "department": departments.shanghai.pk, "manager": personas.sales_manager.pk,
        "roles": [roles["sales_rep"].pk], "is_active": "on", "password": "initial-pass-1"})
    assert response.status_code == 302
    east2 = User.objects.get(username="east2")
    assert (east2.department_id, east2.manager_id, list(east2.roles.values_list("code", flat=True))) == (
        departments.shanghai.pk, personas.sales_manager.pk, ["sales_rep"])
    assert east2.check_password("initial-pass-1")
    # Taken e-mail: field error, nothing created
    response = client.post(reverse("org:user_create"), {
        "username": "east3", "email": "east2@example.com", "password": "initial-pass-1", "is_active": "on"})
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert not User.objects.filter(username="east3").exists()
    # Edit: deactivate, change roles
    response = client.post(reverse("org:user_edit", args=[east2.pk]), {
        "display_name": "新人", "email": "east2@example.com", "department": departments.shanghai.pk,
        "roles": [roles["customer_service"].pk]})
    assert response.status_code == 302
    east2.refresh_from_db()
    assert east2.is_active is False
    assert list(east2.roles.values_list("code", flat=True)) == ["customer_service"]
    # Manager loop refused
    response = client.post(reverse("org:user_edit", args=[personas.sales_manager.pk]), {
        "display_name": "王经理", "email": "sales_manager@example.com", "manager": personas.sales_rep.pk,
        "is_active": "on", "roles": [roles["sales_manager"].pk]})
    assert "manager" in response.context["form"].errors
    # Reset password
    client.post(reverse("org:user_password", args=[east2.pk]), {"password": "another-pass-2"})
    east2.refresh_from_db()
    assert east2.check_password("another-pass-2")


def test_user_list_runs_a_fixed_number_of_queries(client, personas, roles, django_assert_num_queries):
    from forpcrm.org.services import user_create

    client.force_login(personas.admin)
    url = reverse("org:user_list")
    client.get(url)  # warm the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    small = len(ctx.captured_queries)
    for i in range(20):
        user_create(username=f"bulk{i}", password="x-pass-1234", roles=[roles["sales_rep"], roles["finance"]])
    with django_assert_num_queries(small):
        response = client.get(url)
    assert len(response.context["users"]) == 25


def test_roles_edit_actions_and_scope_per_module(client, personas, roles):
    client.force_login(personas.admin)
    role = roles["sales_rep"]
    data = {"name": "销售代表", "name_en": "Sales representative", "description": "", "max_owned_customers": "150",
            "actions_customers": ["view", "create", "export"], "scope_customers": "30",
            "actions_contacts": ["view"], "scope_contacts": "10"}
    for module in Module.values:
        data.setdefault(f"scope_{module}", "10")
    response = client.post(reverse("org:role_edit", args=[role.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    grants = {g.module: (g.actions, g.scope) for g in RoleGrant.objects.filter(role=role)}
    assert grants == {"customers": (["create", "export", "view"], 30), "contacts": (["view"], 10)}
    role.refresh_from_db()
    assert role.max_owned_customers == 150
    response = client.post(reverse("org:role_create"), {**data, "code": "purchaser", "name": "采购"})
    assert response.status_code == 302
    assert Role.objects.get(code="purchaser").grants.count() == 2


def test_roles_list_shows_translated_action_labels(client, personas, settings):
    from django.utils import translation

    from forpcrm.org.models import Action

    settings.LANGUAGE_CODE = "zh-hans"
    role = Role.objects.create(code="label-check", name="标签角色")
    RoleGrant.objects.create(role=role, module=Module.CUSTOMERS, actions=["create", "view"])
    client.force_login(personas.admin)
    response = client.get(reverse("org:role_list"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "查看, 新建" in response.content.decode()
    assert "view, create" not in response.content.decode()
    edit = client.get(reverse("org:role_edit", args=[role.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<span class="form-check-label">查看</span>' in edit
    with translation.override("en"):
        assert RoleGrant.objects.get(role=role).action_labels == ["view", "create"]
    with translation.override("zh-hans"):
        assert RoleGrant.objects.get(role=role).action_labels == [str(Action.VIEW.label), str(Action.CREATE.label)]
