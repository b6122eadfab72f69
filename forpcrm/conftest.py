"""Project-wide fixtures: one persona per role, a department tree, fast password hashing.

Department tree: 总部 › 销售中心 › 华东大区 › 上海组, and 总部 › 销售中心 › 华南大区.
Every persona's password is ``pass1234``.
"""

from types import SimpleNamespace

import pytest

PASSWORD = "pass1234"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english_source_text(settings):
    """Tests assert the English source text, so they hold once the zh_Hans catalogue is filled;
    a test of the Chinese UI says so with translation.override("zh-hans") or Accept-Language."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def roles(db):
    """The built-in role templates by code: admin, sales_director, sales_manager, sales_rep, finance,
    delivery, customer_service."""
    from forpcrm.org.services import role_templates_install

    return role_templates_install()


@pytest.fixture
def departments(db):
    from forpcrm.org.services import department_create

    hq = department_create(name="总部")
    sales = department_create(name="销售中心", parent=hq)
    east = department_create(name="华东大区", parent=sales)
    shanghai = department_create(name="上海组", parent=east)
    south = department_create(name="华南大区", parent=sales)
    return SimpleNamespace(hq=hq, sales=sales, east=east, shanghai=shanghai, south=south)


def _persona(username, display_name, role, department, manager=None):
    from forpcrm.org.services import user_create

    return user_create(
        username=username, password=PASSWORD, email=f"{username}@example.com", display_name=display_name,
        department=department, manager=manager, roles=[role] if role else [],
    )


@pytest.fixture
def admin(roles, departments):
    """System administrator role (all modules, all records) — not a Django superuser."""
    return _persona("admin", "系统管理员", roles["admin"], departments.hq)


@pytest.fixture
def sales_manager(roles, departments):
    """Sales manager of 华东大区; direct manager of ``sales_rep`` (own + subordinates scope)."""
    return _persona("sales_manager", "王经理", roles["sales_manager"], departments.east)


@pytest.fixture
def sales_rep(roles, departments, sales_manager):
    """Sales representative in 上海组 reporting to ``sales_manager`` (own records)."""
    return _persona("sales_rep", "张销售", roles["sales_rep"], departments.shanghai, manager=sales_manager)


@pytest.fixture
def sales_rep_south(roles, departments):
    """Sales representative in 华南大区, no manager among the personas (own records)."""
    return _persona("sales_rep_south", "李销售", roles["sales_rep"], departments.south)


@pytest.fixture
def customer_service(roles, departments):
    return _persona("customer_service", "赵客服", roles["customer_service"], departments.hq)


@pytest.fixture
def finance(roles, departments):
    return _persona("finance", "钱财务", roles["finance"], departments.hq)


@pytest.fixture
def personas(admin, sales_manager, sales_rep, sales_rep_south, customer_service, finance):
    return SimpleNamespace(admin=admin, sales_manager=sales_manager, sales_rep=sales_rep,
                           sales_rep_south=sales_rep_south, customer_service=customer_service, finance=finance)


@pytest.fixture
def client_for(client):
    """``client_for(user)``: the test client, logged in as that user."""
    def login(user):
        client.force_login(user)
        return client
    return login
