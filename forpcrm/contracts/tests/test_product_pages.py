"""Product pages: list (search, filters, sort, paging, export), create / edit, detail, the PRODUCTS
permission, and the catalogue mapping report of an opportunity file."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forpcrm.contracts.models import Product
from forpcrm.contracts.services import product_create
from forpcrm.imports.models import MappingPreset
from forpcrm.imports.testing import csv_bytes, response_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(admin):
    names = [("GTX Basic", "G-1", "GTX", "550"), ("GTX Pro", "G-2", "GTX", "4821"), ("MG Special", "M-1", "MG", "55"),
             ("MG Advanced", "M-2", "MG", "3393")]
    made = [product_create(by=admin, data={"name": n, "code": c, "series": s, "list_price": p}) for n, c, s, p in names]
    Product.objects.filter(name="MG Special").update(is_active=False)
    return made


def _names(response):
    body = response.content.decode()
    return [p.name for p in Product.objects.order_by("id") if f">{p.name}</a>" in body]


def test_list_search_filter_sort_and_fixed_queries(client, sales_rep, catalogue):
    client.force_login(sales_rep)
    assert _names(client.get("/products/?q=g-2")) == ["GTX Pro"]
    assert _names(client.get("/products/?series=MG")) == ["MG Special", "MG Advanced"]
    assert _names(client.get("/products/?active=0")) == ["MG Special"]
    body = client.get("/products/?sort=-list_price").content.decode()
    assert body.index("GTX Pro") < body.index("MG Advanced") < body.index("GTX Basic")
    counts = []
    for extra in range(2):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/products/").status_code == 200
        counts.append(len(ctx.captured_queries))
        for i in range(30):
            Product.objects.create(name=f"P{extra}-{i}", series="X")
    assert counts[0] == counts[1]
    page2 = client.get("/products/?page=2").content.decode()
    assert "of 64" in page2


def test_export_needs_the_right_and_neutralises(client, sales_rep, sales_manager, admin, catalogue):
    product_create(by=admin, data={"name": "=HYPERLINK(1)", "series": "GTX"})
    client.force_login(sales_rep)
    assert client.get("/products/?format=csv").status_code == 403
    client.force_login(admin)
    response = client.get("/products/?format=csv&series=GTX")
    text = response_bytes(response).decode("utf-8-sig")
    assert response.status_code == 200 and "GTX Pro" in text and "'=HYPERLINK(1)" in text and "MG" not in text


def test_create_edit_detail_and_permission(client, sales_rep, admin, customer_service, catalogue):
    client.force_login(sales_rep)
    assert client.get("/products/new/").status_code == 403
    assert client.post("/products/new/", {"name": "X", "list_price": "1"}).status_code == 403
    assert not Product.objects.filter(name="X").exists()
    client.force_login(customer_service)
    assert client.get("/products/").status_code == 403
    client.force_login(admin)
    response = client.post("/products/new/", {"name": "GTX Plus", "code": "G-3", "series": "GTX", "list_price": "1200",
                                              "is_active": "on"})
    product = Product.objects.get(name="GTX Plus")
    assert response.status_code == 302 and product.list_price == 1200
    taken = client.post("/products/new/", {"name": "gtx plus", "list_price": "1"})
    assert taken.status_code == 200 and 'value="gtx plus"' in taken.content.decode()
    assert Product.objects.filter(name__iexact="gtx plus").count() == 1
    client.post(f"/products/{product.pk}/edit/", {"name": "GTX Plus", "series": "GTX", "list_price": "1300"})
    product.refresh_from_db()
    assert (product.list_price, product.is_active, product.code) == (1300, False, "")
    assert "GTX Plus" in client.get(f"/products/{product.pk}/").content.decode()
    assert client.get("/products/999999/").status_code == 404


def test_mapping_report_lists_names_that_differ_and_saves_a_preset(client, admin, catalogue):
    client.force_login(admin)
    data = csv_bytes([["opportunity_id", "product"], ["1", "GTX Pro"], ["2", "GTXPro"], ["3", "GTXPro"],
                      ["4", "MG Advance"], ["5", "gtx basic"]])
    response = client.post("/products/mapping/", {"file": SimpleUploadedFile("p.csv", data, "text/csv")})
    body = response.content.decode()
    assert response.status_code == 200
    assert '<tr data-status="alias"><td>GTXPro</td><td class="text-end">2</td>' in body
    assert '<tr data-status="unknown"><td>MG Advance</td><td class="text-end">1</td>' in body
    assert '<tr data-status="catalogue"><td>gtx basic</td>' in body
    assert "2 names differ from the catalogue" in body
    advanced = Product.objects.get(name="MG Advanced")
    saved = client.post("/products/mapping/", {"action": "save", "preset": "我的商机映射",
                                               "alias::MG Advance": advanced.pk})
    assert saved.status_code == 302
    preset = MappingPreset.objects.get(user=admin, name="我的商机映射")
    assert preset.entity == "opportunities"
    assert preset.options["product_aliases"] == {"GTXPro": "GTX Pro", "MG Advance": "MG Advanced"}
    maven = client.get("/products/mapping/?source=maven").content.decode()
    assert "GTXPro" in maven
