"""C12 for files: hostile names stay literal text, Chinese names download with RFC 5987, and bad
files (folders in the name, NUL, programs, wrong types, too large) are refused clearly with nothing stored."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from forpcrm.documents.models import Document, DocumentVersion
from forpcrm.documents.services import attachments_add
from forpcrm.timeline.selectors import timeline_for_customer

from .helpers import PNG, multipart, pdf_bytes, stored_files

pytestmark = pytest.mark.django_db

XSS_NAME = '"><img src=x onerror=alert(1)>.pdf'
XSS_ESCAPED = "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;.pdf"


def _upload_page(client, target, files, **fields):
    body, content_type = multipart(fields, [("files", name, data) for name, data in files])
    url = reverse("documents:document_upload", args=[target._meta.label_lower, target.pk])
    return client.generic("POST", url, body, content_type=content_type)


def test_script_in_a_file_name_is_stored_under_a_generated_name_and_shown_as_text(client, sales_rep, rep_customer,
                                                                                   settings):
    client.force_login(sales_rep)
    response = _upload_page(client, rep_customer, [(XSS_NAME, pdf_bytes())], category="proposal")
    assert response.status_code == 302
    version = DocumentVersion.objects.get()
    assert version.original_name == XSS_NAME
    assert version.document.title == XSS_NAME
    assert version.file.name.startswith("documents/")
    assert version.file.name.endswith(".pdf")
    assert "<" not in version.file.name and "onerror" not in version.file.name
    assert stored_files(settings.MEDIA_ROOT) == [version.file.name]

    page = client.get(reverse("customers:customer_detail", args=[rep_customer.pk])).content.decode()
    assert XSS_ESCAPED in page
    assert "<img src=x onerror" not in page
    detail = client.get(reverse("documents:document_detail", args=[version.document_id])).content.decode()
    assert XSS_ESCAPED in detail and "<img src=x onerror" not in detail
    knowledge = client.get(reverse("documents:knowledge", args=[rep_customer.pk])).content.decode()
    assert XSS_ESCAPED in knowledge and "<img src=x onerror" not in knowledge

    titles = [item.title for item in timeline_for_customer(user=sales_rep, customer=rep_customer, kinds=["document"])]
    assert titles == [f"Document uploaded: {XSS_NAME}"]

    api = client.get("/api/v1/documents/", {"customer": rep_customer.pk}).json()
    assert api["results"][0]["title"] == XSS_NAME
    assert api["results"][0]["current_version"]["original_name"] == XSS_NAME


def test_the_api_upload_returns_the_name_unchanged(client, sales_rep, rep_customer):
    client.force_login(sales_rep)
    body, content_type = multipart({"target_type": "customers.customer", "target_id": rep_customer.pk},
                                   [("files", XSS_NAME, pdf_bytes())])
    response = client.generic("POST", "/api/v1/documents/", body, content_type=content_type)
    assert response.status_code == 201, response.content
    assert response.json()[0]["title"] == XSS_NAME
    assert response.json()[0]["versions"][0]["original_name"] == XSS_NAME
    assert XSS_NAME in response.content.decode()  # JSON, not HTML-escaped


def test_chinese_name_downloads_with_rfc5987_filename(client, sales_rep, rep_customer):
    [document] = attachments_add(by=sales_rep, target=rep_customer,
                                 files=[SimpleUploadedFile("合同扫描件.pdf", pdf_bytes())])
    client.force_login(sales_rep)
    response = client.get(reverse("documents:version_download", args=[document.current_version_id]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        "attachment; filename=\"_____.pdf\"; filename*=UTF-8''%E5%90%88%E5%90%8C%E6%89%AB%E6%8F%8F%E4%BB%B6.pdf")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == pdf_bytes()

    api = client.get(f"/api/v1/documents/{document.pk}/download/")
    assert api.status_code == 200
    assert api["Content-Disposition"].endswith("filename*=UTF-8''%E5%90%88%E5%90%8C%E6%89%AB%E6%8F%8F%E4%BB%B6.pdf")


def test_preview_is_inline_for_pdf_and_images_with_sniffed_type_and_sandbox(client, sales_rep, rep_customer):
    pdf, png, text = attachments_add(by=sales_rep, target=rep_customer, files=[
        SimpleUploadedFile("方案.pdf", pdf_bytes(), content_type="text/html"),
        SimpleUploadedFile("图.png", PNG, content_type="text/html"),
        SimpleUploadedFile("说明.txt", b"<script>alert(3)</script>", content_type="text/html"),
    ])
    client.force_login(sales_rep)
    response = client.get(reverse("documents:version_preview", args=[pdf.current_version_id]))
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    assert response["Content-Disposition"].startswith('inline; filename="__.pdf"')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox; default-src 'none'")
    response = client.get(reverse("documents:version_preview", args=[png.current_version_id]))
    assert (response.status_code, response["Content-Type"]) == (200, "image/png")
    assert response["Content-Disposition"].startswith("inline;")
    # Anything else is never shown inline, whatever the browser claimed at upload.
    response = client.get(reverse("documents:version_preview", args=[text.current_version_id]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("name", "content", "rule"), [
    ("../../etc/passwd.pdf", pdf_bytes(), "file names may not contain folders"),
    ("..\\boot.pdf", pdf_bytes(), "file names may not contain folders"),
    ("a\x00b.pdf", pdf_bytes(), "file names may not contain folders"),
    ("报价.pdf", b"MZ\x90\x00\x03" + b"\x00" * 60, "the file is a program (Windows), whatever its extension"),
    ("报价.docx", b"\x7fELF\x02\x01\x01" + b"\x00" * 60, "the file is a program (ELF), whatever its extension"),
    ("run.txt", b"#!/bin/sh\nrm -rf /\n", "the file is a program (script), whatever its extension"),
    ("mac.zip", b"\xcf\xfa\xed\xfe" + b"\x00" * 60, "the file is a program (Mach-O), whatever its extension"),
    ("setup.exe", b"hello", "only these file types are allowed"),
    ("page.html", b"<html></html>", "only these file types are allowed"),
    ("fake.pdf", b"<html><script>alert(1)</script></html>", "the content is not a .pdf file"),
    ("empty.pdf", b"", "the file is empty"),
])
def test_bad_files_are_refused_by_name_and_rule_and_nothing_is_stored(client, sales_rep, rep_customer, settings,
                                                                      name, content, rule):
    client.force_login(sales_rep)
    response = _upload_page(client, rep_customer, [("ok.pdf", pdf_bytes()), (name, content)])
    assert response.status_code == 302
    shown = [str(m) for m in response.wsgi_request._messages]
    assert len(shown) == 1
    assert rule in shown[0]
    assert f"“{name}” was refused" in shown[0]
    assert (Document.all_objects.count(), DocumentVersion.objects.count()) == (0, 0)
    assert stored_files(settings.MEDIA_ROOT) == []

    body, content_type = multipart({"target_type": "customers.customer", "target_id": rep_customer.pk},
                                   [("files", name, content)])
    api = client.generic("POST", "/api/v1/documents/", body, content_type=content_type)
    assert api.status_code == 400
    assert rule in api.json()["files"][0]
    assert name in api.json()["files"][0]
    assert DocumentVersion.objects.count() == 0


def test_a_file_over_the_limit_is_refused_with_the_limit(client, sales_rep, rep_customer, settings):
    settings.DOCUMENT_MAX_BYTES = 1024
    client.force_login(sales_rep)
    response = _upload_page(client, rep_customer, [("大文件.pdf", pdf_bytes("x" * 2000))])
    assert response.status_code == 302
    [message] = [str(m) for m in response.wsgi_request._messages]
    assert message == "“大文件.pdf” was refused: the file is larger than 1.0\xa0KB."
    assert DocumentVersion.objects.count() == 0
    assert stored_files(settings.MEDIA_ROOT) == []


def test_django_upload_limits_answer_400_not_500(client, sales_rep, rep_customer, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    client.force_login(sales_rep)
    files = [(f"{i}.pdf", pdf_bytes()) for i in range(3)]
    response = _upload_page(client, rep_customer, files)
    assert response.status_code == 400
    assert "Too many files in one upload (at most 2)." in response.content.decode()
    body, content_type = multipart({"target_type": "customers.customer", "target_id": rep_customer.pk},
                                   [("files", n, c) for n, c in files])
    api = client.generic("POST", "/api/v1/documents/", body, content_type=content_type)
    assert api.status_code == 400
    assert json.loads(api.content)["detail"] == "Too many files in one upload (at most 2)."
    assert DocumentVersion.objects.count() == 0


def test_upload_page_still_checks_csrf(sales_rep, rep_customer):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(sales_rep)
    response = _upload_page(client, rep_customer, [("a.pdf", pdf_bytes())])
    assert response.status_code == 403
    assert DocumentVersion.objects.count() == 0


def test_the_owner_is_notified_and_the_inbox_shows_the_name_as_text(client, sales_rep, customer_service,
                                                                   rep_customer):
    from forpcrm.notifications.models import Notification

    attachments_add(by=customer_service, target=rep_customer, files=[SimpleUploadedFile(XSS_NAME, pdf_bytes())])
    attachments_add(by=sales_rep, target=rep_customer, files=[SimpleUploadedFile("自己的.pdf", pdf_bytes())])
    [notification] = Notification.objects.filter(recipient=sales_rep)
    assert notification.title == f"赵客服 attached “{XSS_NAME}” to 杭州示例科技有限公司."
    client.force_login(sales_rep)
    inbox = client.get(reverse("notifications:inbox")).content.decode()
    assert XSS_ESCAPED in inbox and "<img src=x onerror" not in inbox
