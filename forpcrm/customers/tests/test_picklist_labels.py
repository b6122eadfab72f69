"""Picklist fields (industry, source, level, decision role) are shown by the option's label, not its code."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from rest_framework.test import APIClient

from forpcrm.customers import selectors, services
from forpcrm.customers.tests.factories import ContactFactory, CustomerFactory
from forpcrm.customfields.models import PicklistOption
from forpcrm.customfields.selectors import picklist_label, picklist_labels

pytestmark = pytest.mark.django_db


@pytest.fixture
def options():
    for kind, value, label, label_en in [
        ("industry", "technology", "科技", "Technology"), ("industry", "manufacturing", "制造业", "Manufacturing"),
        ("source", "trade_fair", "展会", "Trade fair"), ("level", "key", "重点客户", "Key account"),
        ("decision_role", "gatekeeper", "把关者", "Gatekeeper"),
        ("decision_role", "influencer", "影响者", "Influencer"),
    ]:
        PicklistOption.objects.create(kind=kind, value=value, label=label, label_en=label_en)


def _client(user, language: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_picklist_labels_follow_the_active_language(options):
    with translation.override("en"):
        assert picklist_labels("industry") == {"technology": "Technology", "manufacturing": "Manufacturing"}
        assert picklist_label("decision_role", "gatekeeper") == "Gatekeeper"
        assert picklist_label("decision_role", "unknown_code") == "unknown_code"
        assert picklist_label("industry", "") == ""
    with translation.override("zh-hans"):
        assert picklist_labels("industry") == {"technology": "科技", "manufacturing": "制造业"}


def test_saving_an_option_refreshes_the_labels(options):
    with translation.override("en"):
        assert picklist_label("level", "key") == "Key account"
        PicklistOption.objects.filter(kind="level", value="key").update(label_en="Strategic")  # no signal
        option = PicklistOption.objects.get(kind="level", value="key")
        option.save()
        assert picklist_label("level", "key") == "Strategic"


def test_list_and_detail_pages_show_labels(settings, options, sales_rep):
    settings.LANGUAGE_CODE = "en"
    customer = CustomerFactory(owner=sales_rep, name="标签公司", industry="technology", source="trade_fair",
                               level="key")
    contact = ContactFactory(customer=customer, name="王把关", decision_role="gatekeeper")
    client = _client(sales_rep, "en")

    listing = client.get("/customers/", {"cols": "name,industry,source,level"})
    cells = [cell.text for cell in listing.context["rows"][0]["cells"]]
    assert cells[:4] == ["标签公司", "Technology", "Trade fair", "Key account"]

    detail = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "<dd>Technology</dd>" in detail
    assert "<dd>Trade fair</dd>" in detail
    assert "Level Key account" in detail
    assert "<td>Gatekeeper</td>" in detail
    assert "<dd>technology</dd>" not in detail

    contacts = client.get("/contacts/")
    row = next(r for r in contacts.context["rows"] if r["record"].pk == contact.pk)
    assert "Gatekeeper" in [cell.text for cell in row["cells"]]
    assert "gatekeeper" not in [cell.text for cell in row["cells"]]

    contact_page = client.get(f"/customers/{customer.pk}/contacts/{contact.pk}/").content.decode()
    assert "<dd>Gatekeeper</dd>" in contact_page

    chinese = _client(sales_rep, "zh-hans").get(f"/customers/{customer.pk}/").content.decode()
    assert "<dd>科技</dd>" in chinese


def test_list_labels_cost_no_query_per_row(settings, options, sales_rep):
    settings.LANGUAGE_CODE = "en"
    client = _client(sales_rep, "en")
    url = "/customers/?cols=name,industry,source,level"
    CustomerFactory(owner=sales_rep, name="一号公司", industry="technology", level="key")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for i in range(4):
        CustomerFactory(owner=sales_rep, name=f"多号公司{i}", industry="manufacturing", source="trade_fair")
    with CaptureQueriesContext(connection) as five:
        response = client.get(url)
    assert len(response.context["rows"]) == 5
    assert len(five.captured_queries) == len(one.captured_queries)
    labels_sql = [q["sql"] for q in five.captured_queries if "customfields_picklistoption" in q["sql"]]
    assert len(labels_sql) == len([q for q in one.captured_queries if "customfields_picklistoption" in q["sql"]])


def test_api_keeps_the_value_and_adds_the_label(options, sales_rep):
    customer = CustomerFactory(owner=sales_rep, name="接口公司", industry="technology", source="trade_fair",
                               level="key")
    ContactFactory(customer=customer, name="李影响", decision_role="influencer")
    CustomerFactory(owner=sales_rep, name="无行业公司")

    row = _client(sales_rep, "en").get(f"/api/v1/customers/{customer.pk}/").json()
    assert (row["industry"], row["industry_label"]) == ("technology", "Technology")
    assert (row["source"], row["source_label"]) == ("trade_fair", "Trade fair")
    assert (row["level"], row["level_label"]) == ("key", "Key account")

    chinese = _client(sales_rep, "zh-hans").get(f"/api/v1/customers/{customer.pk}/").json()
    assert (chinese["industry"], chinese["industry_label"]) == ("technology", "科技")

    listing = _client(sales_rep, "en").get("/api/v1/customers/", {"ordering": "name"}).json()["results"]
    labels = {r["name"]: (r["industry"], r["industry_label"]) for r in listing}
    assert labels == {"接口公司": ("technology", "Technology"), "无行业公司": ("", "")}

    contacts = _client(sales_rep, "en").get(f"/api/v1/customers/{customer.pk}/contacts/").json()
    contacts = contacts.get("results", contacts)
    assert [(c["decision_role"], c["decision_role_label"]) for c in contacts] == [("influencer", "Influencer")]


def test_history_shows_labels(options, sales_rep):
    customer = CustomerFactory(owner=sales_rep, name="履历标签公司", industry="technology")
    services.customer_update(customer=customer, by=sales_rep, data={"industry": "manufacturing"}, expected_version=1)
    with translation.override("en"):
        latest = selectors.customer_history(customer=customer)[0]
        assert latest.changes == [("Industry", "Technology", "Manufacturing")]
    with translation.override("zh-hans"):
        latest = selectors.customer_history(customer=customer)[0]
        assert latest.changes[0][1:] == ("科技", "制造业")
