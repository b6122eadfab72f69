"""`forpcrm demo`: idempotent, deterministic, one login per role template, different scopes."""

import io

import pytest
from django.core.management import call_command

from forpcrm.customers.demo import companies, credit_code
from forpcrm.customers.models import Contact, Customer
from forpcrm.customers.normalize import credit_code_error
from forpcrm.customfields.models import PicklistOption
from forpcrm.imports.management.commands.demo_load import DEMO_USERS
from forpcrm.imports.testing import media_root_fixture  # noqa: F401
from forpcrm.org.models import Role, User

pytestmark = pytest.mark.django_db


def _counts():
    return (User.objects.count(), Customer.objects.count(), Contact.objects.count(), PicklistOption.objects.count())


def test_demo_load_twice_creates_nothing_the_second_time(media_root):
    out = io.StringIO()
    call_command("demo_load", count=24, stdout=out)
    first = _counts()
    assert first[1] == 85 + 24 + 1  # Maven accounts, generated customers, the Maven pipeline's placeholder customer
    assert "admin      admin123" in out.getvalue()
    from forpcrm.imports.engine import definitions

    if "products" in definitions():  # the catalogue exists: the preset imports it
        assert "products.csv → products: 7 rows" in out.getvalue()
    else:
        assert "products.csv: 7 rows kept for the product catalogue" in out.getvalue()

    call_command("demo_load", count=24, stdout=io.StringIO())
    assert _counts() == first

    for username, password, *_rest in DEMO_USERS:
        user = User.objects.get(username=username)
        assert user.check_password(password)
    assert {r.code for r in Role.objects.filter(users__username__in=[u[0] for u in DEMO_USERS])} == {
        "admin", "sales_director", "sales_manager", "sales_rep", "finance", "delivery", "customer_service"}
    sales = set(Customer.objects.visible_to(User.objects.get(username="sales")).values_list("pk", flat=True))
    sales2 = set(Customer.objects.visible_to(User.objects.get(username="sales2")).values_list("pk", flat=True))
    manager = set(Customer.objects.visible_to(User.objects.get(username="manager")).values_list("pk", flat=True))
    assert sales and sales2 and not (sales & sales2 - set(Customer.objects.filter(owner__isnull=True).values_list("pk", flat=True)))
    assert sales <= manager
    delivery = Customer.objects.visible_to(User.objects.get(username="delivery"))
    assert delivery.count() == delivery.filter(status="won").count() > 0


def test_generated_data_is_deterministic_with_valid_credit_codes():
    first, second = companies(50), companies(50)
    assert first == second
    assert len({c["name"] for c in first}) == 50
    assert all(credit_code_error(c["credit_code"]) is None for c in first)
    assert sum(len(c["contacts"]) for c in first) > 50
    import random

    assert credit_code_error(credit_code(random.Random(1), "330106")) is None


# ---------------------------------------------------------------- QA faults of `./run start`


def _demo(**options) -> str:
    out = io.StringIO()
    call_command("demo_load", stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def test_shared_data_default_walks_up_from_the_clone(tmp_path, monkeypatch):
    from forpcrm import settings as project_settings

    clone = tmp_path / "a" / "b" / "verify"
    clone.mkdir(parents=True)
    shared = tmp_path / "shared" / "data"
    shared.mkdir(parents=True)
    monkeypatch.setattr(project_settings, "BASE_DIR", clone)
    monkeypatch.delenv("FORPCRM_SHARED_DATA", raising=False)
    assert project_settings._shared_data_dir() == shared
    near = tmp_path / "a" / "shared" / "data"
    near.mkdir(parents=True)
    assert project_settings._shared_data_dir() == near  # the nearest ancestor wins
    explicit = tmp_path / "elsewhere"
    explicit.mkdir()
    monkeypatch.setenv("FORPCRM_SHARED_DATA", str(explicit))
    assert project_settings._shared_data_dir() == explicit
    monkeypatch.setenv("FORPCRM_SHARED_DATA", str(tmp_path / "missing"))
    assert project_settings._shared_data_dir() == near  # a missing directory is passed over
    lonely = tmp_path / "x" / "y"
    lonely.mkdir(parents=True)
    monkeypatch.setattr(project_settings, "BASE_DIR", lonely)
    monkeypatch.delenv("FORPCRM_SHARED_DATA")
    assert project_settings._shared_data_dir() == shared


def test_demo_says_loudly_when_the_dataset_is_missing(tmp_path, settings, media_root):
    settings.FORPCRM_SHARED_DATA = tmp_path / "nowhere"
    out, err = io.StringIO(), io.StringIO()
    call_command("demo_load", count=0, stdout=out, stderr=err)
    assert "WARNING" in err.getvalue() and str(tmp_path / "nowhere") in err.getvalue()
    assert "NOT loaded" in out.getvalue() and "FORPCRM_SHARED_DATA" in out.getvalue()


def test_demo_rerun_keeps_edits_and_deleted_customers(media_root):
    from forpcrm.customers.services import customer_delete, customer_update

    first = _demo(count=12)
    assert "accounts.csv → customers: 85 rows" in first
    admin = User.objects.get(username="admin")
    edited = Customer.objects.get(name="Acme Corporation")
    customer_update(customer=edited, by=admin, data={"employees": 7, "industry": "retail"},
                    expected_version=edited.version)
    deleted = Customer.objects.get(name="Betasoloin")
    customer_delete(customer=deleted, by=admin)
    generated = Customer.objects.filter(credit_code__startswith="91").order_by("id").first()
    customer_update(customer=generated, by=admin, data={"employees": 9}, expected_version=generated.version)
    counts = _counts()

    second = _demo(count=12)
    edited.refresh_from_db()
    assert (edited.employees, edited.industry) == (7, "retail")
    assert not Customer.objects.filter(name="Betasoloin").exists()
    assert Customer.all_objects.filter(name="Betasoloin").count() == 1
    generated.refresh_from_db()
    assert generated.employees == 9
    assert _counts() == counts
    assert "accounts.csv → customers: every row exists already; kept" in second
    assert "sales_teams.csv → sales_teams: every row exists already; kept" in second
    assert "demo users: 0 created" in second and "0 values added" in second
    assert "customers: 0 created, 0 contacts created" in second
    assert "demo opportunities: 0 created" in second
    import re

    assert not re.search(r"created [1-9]|updated [1-9]|: [1-9]\d* created", second)


def test_demo_pool_customers_can_be_claimed_by_the_reps(media_root):
    from forpcrm.customers.services import customer_claim

    _demo(count=60, skip_maven=True)
    for rep_name in ("sales", "sales2"):
        rep = User.objects.get(username=rep_name)
        pool = list(Customer.objects.visible_to(rep).filter(owner__isnull=True).order_by("id"))
        assert len(pool) >= 3
        assert any(c.previous_owner_id == rep.pk for c in pool)
        for customer in pool[:3]:
            assert customer_claim(customer=customer, by=rep).owner_id == rep.pk
    assert companies(60) == companies(60)


def test_demo_banner_uses_host_and_port(monkeypatch, media_root):
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "9123")
    assert "Demo logins (http://0.0.0.0:9123/login/)" in _demo(count=0, skip_maven=True)
    monkeypatch.delenv("HOST")
    monkeypatch.delenv("PORT")
    assert "Demo logins (http://127.0.0.1:8000/login/)" in _demo(count=0, skip_maven=True)


def test_demo_creates_the_standard_pipeline_and_opportunities(media_root):
    from forpcrm.sales.models import Opportunity, Pipeline
    from forpcrm.sales.services import opportunity_create

    out = _demo(count=30, skip_maven=True)
    assert "pipeline “标准销售流程” created" in out
    pipeline = Pipeline.objects.get()
    assert pipeline.name == "标准销售流程" and pipeline.is_default
    assert [(s.name, s.kind, s.probability) for s in pipeline.stages.order_by("sort_order")] == [
        ("初步接洽", "open", 10), ("需求确认", "open", 40), ("方案报价", "open", 70), ("赢单", "won", 100),
        ("输单", "lost", 0)]
    demo = Opportunity.objects.filter(external_ref__startswith="demo-opp-")
    assert demo.count() == 10
    assert set(demo.values_list("owner__username", flat=True)) == {"sales", "sales2"}
    assert {o.status for o in demo} == {"open", "won", "lost"}
    assert all(o.customer.owner_id == o.owner_id for o in demo)
    first = sorted(demo.values_list("external_ref", "name", "amount", "stage__name"))

    sales = User.objects.get(username="sales")
    made = opportunity_create(by=sales, data={"name": "新商机", "customer": Customer.objects.filter(owner=sales).first()})
    assert made.stage.name == "初步接洽" and made.probability == 10

    from forpcrm.sales.services import opportunity_delete

    opportunity_delete(opportunity=demo.first(), by=User.objects.get(username="admin"))  # recycle bin
    assert demo.all().count() == 9
    out = _demo(count=30, skip_maven=True)
    assert "pipeline “标准销售流程” kept" in out and "demo opportunities: 0 created" in out
    assert Pipeline.objects.count() == 1
    assert demo.all().count() == 9  # the deleted one is not re-created
    assert Opportunity.all_objects.filter(external_ref__startswith="demo-opp-").count() == 10
    assert sorted(Opportunity.all_objects.filter(external_ref__startswith="demo-opp-").values_list(
        "external_ref", "name", "amount", "stage__name")) == first


def test_nav_links_to_the_sales_pages_follow_the_permission(client, media_root):
    from django.urls import reverse

    _demo(count=0, skip_maven=True)
    links = [reverse("sales:opportunity_list"), reverse("sales:kanban"), reverse("sales:overview")]
    client.force_login(User.objects.get(username="sales"))
    page = client.get(reverse("customers:customer_list")).content.decode()
    assert all(f'href="{link}"' in page for link in links)
    client.force_login(User.objects.get(username="finance"))
    page = client.get(reverse("customers:customer_list")).content.decode()
    assert not any(f'href="{link}"' in page for link in links)
