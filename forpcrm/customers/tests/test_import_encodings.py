"""C01 (byte-order mark) and C02 (Chinese Excel CSV in GB18030, undecodable files)."""

import pytest

from forpcrm.core.errors import ApplicationError
from forpcrm.customers.exports import contact_export_response
from forpcrm.customers.models import Contact, Customer
from forpcrm.customers.services import contact_create, customer_create
from forpcrm.customfields.models import PicklistOption
from forpcrm.imports.models import ImportJob
from forpcrm.imports.services import import_job_create, import_job_preview
from forpcrm.imports.testing import csv_bytes, media_root_fixture, response_bytes, run_import, write_file  # noqa: F401

pytestmark = pytest.mark.django_db


def test_c01_bom_header_maps_like_without(admin, media_root, tmp_path):
    rows_a = [["email", "name", "phone"], ["a@example.com", "甲公司", "021-6888 1234"]]
    rows_b = [["email", "name", "phone"], ["b@example.com", "乙公司", "021-6888 5678"]]
    with_bom = write_file(tmp_path, "with_bom.csv", csv_bytes(rows_a, bom=True))
    without = write_file(tmp_path, "without.csv", csv_bytes(rows_b))

    job_a, result_a = run_import(admin, "customers", with_bom)
    job_b, result_b = run_import(admin, "customers", without)

    assert job_a.headers == job_b.headers == ["email", "name", "phone"]
    assert job_a.mapping == job_b.mapping == {"0": "email", "1": "name", "2": "phone"}
    assert (result_a.created, result_a.failed) == (1, 0)
    assert (result_b.created, result_b.failed) == (1, 0)
    assert Customer.objects.get(name="甲公司").email == "a@example.com"
    assert Customer.objects.get(name="乙公司").email == "b@example.com"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_c01_contacts_export_then_update_import_creates_nothing(admin, media_root, tmp_path, fmt):
    PicklistOption.objects.create(kind="decision_role", value="decision_maker", label="决策者", label_en="Decision maker")
    first = customer_create(by=admin, data={"name": "北京测试有限公司"})
    second = customer_create(by=admin, data={"name": "上海示例贸易有限公司"})
    contact_create(by=admin, customer=first, data={"name": "张三", "mobile": "13800138000", "email": "z3@example.com",
                                                   "decision_role": "decision_maker", "gender": "male"})
    contact_create(by=admin, customer=first, data={"name": "李四", "office_phone": "010-8888 6666", "is_primary": True})
    contact_create(by=admin, customer=second, data={"name": "陈杰", "email": "chen.jie@example.com",
                                                    "birthday": "1990-05-01", "title": "+总监"})
    before = list(Contact.objects.order_by("id").values_list("id", "version"))

    data = response_bytes(contact_export_response(user=admin, params={}, fmt=fmt))
    path = write_file(tmp_path, f"contacts.{fmt}", data)
    _job, result = run_import(admin, "contacts", path, mode="update", match_on=["phone", "email"])

    assert result.errors == []
    assert (result.created, result.failed, result.skipped) == (0, 0, 0)
    assert result.unchanged == 3
    assert list(Contact.objects.order_by("id").values_list("id", "version")) == before


def test_c02_gb18030_csv_maps_and_imports(admin, media_root, tmp_path):
    PicklistOption.objects.create(kind="industry", value="manufacturing", label="制造业", label_en="Manufacturing")
    data = "客户名称,联系人,手机,所属行业\r\n杭州示例科技有限公司,王芳,13900000002,制造业\r\n".encode("gb18030")
    path = write_file(tmp_path, "客户.csv", data)
    with open(path, "rb") as handle:
        job = import_job_create(user=admin, entity="customers", upload=handle, name="客户.csv")

    assert job.encoding == "gb18030"
    assert job.headers == ["客户名称", "联系人", "手机", "所属行业"]
    assert job.mapping == {"0": "name", "1": "contact_name", "2": "contact_mobile", "3": "industry"}
    preview = import_job_preview(job=job)
    assert [p.cells for p in preview] == [["杭州示例科技有限公司", "王芳", "13900000002", "制造业"]]
    assert preview[0].errors == []

    _job2, result = run_import(admin, "customers", path)
    assert (result.created, result.failed) == (1, 0)
    customer = Customer.objects.get()
    assert (customer.name, customer.industry) == ("杭州示例科技有限公司", "manufacturing")
    contact = Contact.objects.get()
    assert (contact.customer_id, contact.name, contact.mobile) == (customer.pk, "王芳", "13900000002")


def test_c02_gbk_file_from_excel_decodes(admin, media_root, tmp_path):
    data = "客户名称,电话\r\n深圳市腾达电子有限公司,0755-8888 1234\r\n".encode("gbk")
    job, _result = run_import(admin, "customers", write_file(tmp_path, "gbk.csv", data))
    assert job.encoding == "gb18030"
    assert Customer.objects.get().name == "深圳市腾达电子有限公司"


@pytest.mark.parametrize("payload", [b"name,phone\r\n\x80\xff abc,1\r\n", b"\x81 \xff\xfe\xfd"])
def test_c02_undecodable_file_is_refused_and_imports_nothing(admin, media_root, tmp_path, payload):
    path = write_file(tmp_path, "broken.csv", payload)
    with open(path, "rb") as handle, pytest.raises(ApplicationError) as refused:
        import_job_create(user=admin, entity="customers", upload=handle, name="broken.csv")
    assert "encoding is not supported" in refused.value.message
    assert ImportJob.objects.count() == 0
    assert Customer.objects.count() == 0
    assert not any((media_root / "imports").glob("*")) if (media_root / "imports").exists() else True
