"""The import wizard pages: upload → mapping → preview → run → result, refusals (C12 file part)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from forpcrm.conftest import PASSWORD
from forpcrm.customers.models import Contact, Customer
from forpcrm.imports.models import ImportJob, ImportStatus
from forpcrm.imports.testing import media_root_fixture, read_xlsx  # noqa: F401

pytestmark = pytest.mark.django_db

GB_FILE = "客户名称,联系人,手机,邮箱\r\n杭州示例科技有限公司,王芳,13900000002,\r\n坏邮箱有限公司,李雷,13900000003,bad\r\n".encode("gb18030")


@pytest.fixture
def browser(client, admin):
    client.login(username=admin.username, password=PASSWORD)
    return client


def _upload(browser, name, payload, entity="customers"):
    return browser.post(reverse("imports:index"), {"entity": entity, "file": SimpleUploadedFile(name, payload)})


def test_wizard_from_upload_to_result(browser, admin, media_root, django_capture_on_commit_callbacks):
    response = _upload(browser, "客户.csv", GB_FILE)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:mapping", args=[job.pk])

    page = browser.get(reverse("imports:mapping", args=[job.pk]))
    assert page.status_code == 200
    assert "客户名称" in page.content.decode()

    response = browser.post(reverse("imports:mapping", args=[job.pk]), {
        "column_0": "name", "column_1": "contact_name", "column_2": "contact_mobile", "column_3": "email",
        "mode": "upsert", "match_on": ["name"], "date_order": "day_first", "save_as": "",
    })
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.options["atomic"] is False

    page = browser.get(reverse("imports:preview", args=[job.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "杭州示例科技有限公司" in html and "王芳" in html and "not an e-mail address" in html

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(reverse("imports:start", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("imports:result", args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.created, job.failed) == (ImportStatus.DONE, 1, 1)
    assert list(Customer.objects.values_list("name", flat=True)) == ["杭州示例科技有限公司"]
    assert Contact.objects.get().name == "王芳"

    result = browser.get(reverse("imports:result", args=[job.pk]))
    assert "bad" in result.content.decode()
    progress = browser.get(reverse("imports:progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert progress["HX-Redirect"] == reverse("imports:result", args=[job.pk])
    report = browser.get(reverse("imports:error_report", args=[job.pk]))
    rows = read_xlsx(b"".join(report.streaming_content))
    assert rows[1][:3] == [3, "坏邮箱有限公司", "李雷"]


@pytest.mark.parametrize("name,payload,message", [
    ("tool.xlsx", b"MZ\x90\x00" + b"\x00" * 100, "not a spreadsheet"),
    ("../../evil.csv", b"\x80\xff\xfe", "encoding is not supported"),
    ("empty.csv", b"", "empty|提交的是空文件"),  # Django's own message, in the active language
])
def test_upload_refusals_are_clear_messages_not_errors(browser, media_root, name, payload, message):
    response = _upload(browser, name, payload)
    assert response.status_code == 400
    assert any(m in response.content.decode() for m in message.split("|"))
    assert ImportJob.objects.count() == 0


def test_oversized_upload_gets_a_message(browser, media_root, settings):
    settings.FORPCRM_MAX_IMPORT_BYTES = 1024 * 1024
    response = _upload(browser, "big.csv", b"name\n" + b"x" * (1024 * 1024 + 1))
    assert response.status_code == 400
    assert "larger than the limit" in response.content.decode()


def test_traversal_name_is_reduced_to_base_name(browser, media_root):
    _upload(browser, "../../etc/客户.csv", "客户名称\n甲\n".encode())
    job = ImportJob.objects.get()
    assert job.original_name == "客户.csv"


def test_another_users_job_is_404_and_no_permission_is_403(client, admin, sales_rep, media_root):
    client.login(username=admin.username, password=PASSWORD)
    _upload(client, "a.csv", "客户名称\n甲\n".encode())
    job = ImportJob.objects.get()
    client.logout()
    client.login(username=sales_rep.username, password=PASSWORD)
    assert client.get(reverse("imports:index")).status_code == 403
    assert client.get(reverse("imports:result", args=[job.pk])).status_code == 404
