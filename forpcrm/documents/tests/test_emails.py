"""E-mail: .eml import (Chinese subjects, GBK, attachments) linked by address within the user's scope,
idempotent by Message-ID; sending through the mail backend after commit; templates; the mailbox fetch."""

from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from forpcrm.core.errors import PermissionDeniedError
from forpcrm.customers.tests.factories import ContactFactory, CustomerFactory
from forpcrm.documents import services
from forpcrm.documents.mailmerge import merge_context, merge_render
from forpcrm.documents.models import Document, EmailMessage, EmailTemplate, ImapState
from forpcrm.documents.services import imap as imap_module
from forpcrm.timeline.selectors import timeline_for_customer

from .helpers import pdf_bytes

pytestmark = pytest.mark.django_db


WANG_FANG = formataddr(("王芳", "wang.fang@hzsl.example.cn"), "gbk")
QUOTE_PDF = ("报价单.pdf", pdf_bytes())


def gbk_eml(*, message_id="<abc-1@mail.example.cn>", sender=WANG_FANG, to="zhang@forp.example",
            attachment=QUOTE_PDF) -> bytes:
    message = MIMEMultipart()
    message["Subject"] = Header("关于合同的报价", "gb2312").encode()
    message["From"] = sender
    message["To"] = to
    message["Date"] = "Tue, 07 May 2024 10:15:00 +0800"
    if message_id:
        message["Message-ID"] = message_id
    message.attach(MIMEText("您好，附件是报价单。", "plain", "gbk"))
    message.attach(MIMEText("<p onclick=\"x()\">您好<script>alert(1)</script></p>", "html", "gb2312"))
    if attachment:
        part = MIMEApplication(attachment[1], Name=Header(attachment[0], "utf-8").encode())
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", attachment[0]))
        message.attach(part)
    return message.as_bytes()


def _eml(data: bytes, name="mail.eml"):
    return SimpleUploadedFile(name, data, content_type="message/rfc822")


def test_eml_import_decodes_gbk_and_links_by_contact_address(sales_rep, rep_customer):
    contact = ContactFactory(customer=rep_customer, name="王芳", email="Wang.Fang@hzsl.example.cn", by=sales_rep)
    message = services.email_import_eml(by=sales_rep, file=_eml(gbk_eml()))
    assert message.subject == "关于合同的报价"
    assert message.body_text.strip() == "您好，附件是报价单。"
    assert "<script>" not in message.body_html and "onclick" not in message.body_html
    assert "您好" in message.body_html
    assert (message.from_name, message.from_address) == ("王芳", "wang.fang@hzsl.example.cn")
    assert message.to == ["zhang@forp.example"]
    assert message.sent_at.isoformat() == "2024-05-07T02:15:00+00:00"
    assert (message.customer_id, list(message.contacts.all())) == (rep_customer.pk, [contact])
    assert message.message_id == "<abc-1@mail.example.cn>"
    [attachment] = Document.objects.filter(target_type="documents.emailmessage", target_id=message.pk)
    assert (attachment.title, attachment.customer_id) == ("报价单.pdf", rep_customer.pk)
    assert attachment.current_version.content_type == "application/pdf"
    titles = [i.title for i in timeline_for_customer(user=sales_rep, customer=rep_customer, kinds=["email"])]
    assert titles == ["E-mail received: 关于合同的报价"]


def test_reimporting_the_same_message_id_creates_nothing(sales_rep, rep_customer):
    first = services.email_import_eml(by=sales_rep, file=_eml(gbk_eml()))
    second = services.email_import_eml(by=sales_rep, file=_eml(gbk_eml(), name="again.eml"))
    assert first.pk == second.pk
    assert (EmailMessage.objects.count(), Document.objects.count()) == (1, 1)
    # Without a Message-ID, the same bytes are recognised.
    raw = gbk_eml(message_id="", attachment=None)
    a = services.email_import_eml(by=sales_rep, file=_eml(raw))
    b = services.email_import_eml(by=sales_rep, file=_eml(raw))
    assert a.pk == b.pk and EmailMessage.objects.count() == 2


def test_linking_by_customer_domain_only_among_visible_customers(sales_rep, sales_rep_south):
    south = CustomerFactory(owner=sales_rep_south, name="深圳市腾达电子有限公司", email="sales@tengda.example.cn")
    raw = gbk_eml(sender="someone@tengda.example.cn", attachment=None)
    hidden = services.email_import_eml(by=sales_rep, file=_eml(raw))
    assert hidden.customer_id is None  # sales_rep may not see 腾达
    EmailMessage.objects.all().delete()
    seen = services.email_import_eml(by=sales_rep_south, file=_eml(raw))
    assert seen.customer_id == south.pk
    # Free mail domains link nothing.
    CustomerFactory(owner=sales_rep, name="某公司", email="boss@qq.com")
    free = services.email_import_eml(by=sales_rep, file=_eml(gbk_eml(message_id="<q@q>", sender="x@qq.com",
                                                                     attachment=None)))
    assert free.customer_id is None


def test_a_dangerous_attachment_is_skipped_with_a_note(sales_rep, rep_customer):
    raw = gbk_eml(sender="info@hzsl.example.cn", attachment=("../发票.pdf", b"MZ\x90\x00" + b"\x00" * 64))
    message = services.email_import_eml(by=sales_rep, file=_eml(raw))
    assert message.customer_id == rep_customer.pk
    assert Document.objects.count() == 0
    assert len(message.notes) == 1 and "“../发票.pdf” was refused" in message.notes[0]


def test_an_eml_upload_that_is_not_an_eml_is_refused(sales_rep):
    with pytest.raises(ValidationError) as refused:
        services.email_import_eml(by=sales_rep, file=SimpleUploadedFile("x.pdf", pdf_bytes()))
    assert refused.value.message_dict == {"file": ["“x.pdf” is not an .eml file."]}
    assert EmailMessage.objects.count() == 0


def test_template_rendering_fills_merge_fields_as_plain_text(sales_rep, rep_customer):
    contact = ContactFactory(customer=rep_customer, name="<b>王芳</b>", email="w@hzsl.example.cn")
    context = merge_context(contact=contact, user=sales_rep)
    text = merge_render("{{ contact.name }}您好，{{ customer.name }}。{{ user.display_name }}"
                        "{% if contact.email %} ({{ contact.email }}){% endif %}{{ contact.no_such }}", context)
    assert text == "<b>王芳</b>您好，杭州示例科技有限公司。张销售 (w@hzsl.example.cn)"
    assert type(text) is str  # not marked safe: pages escape it
    for bad in ("{% load static %}", "{% include 'base.html' %}", "{% debug %}", "{% if %}"):
        with pytest.raises(ValidationError):
            merge_render(bad, context)
    with pytest.raises(ValidationError) as refused:
        EmailTemplate(name="t", subject="x", body="{% url 'x' %}").full_clean()
    assert refused.value.message_dict == {"body": ["The tag “url” is not allowed in an e-mail template."]}


def test_send_goes_out_after_commit_and_is_logged(sales_rep, rep_customer, django_capture_on_commit_callbacks):
    contact = ContactFactory(customer=rep_customer, name="王芳", email="w@hzsl.example.cn")
    template = EmailTemplate.objects.create(name="报价", subject="{{ customer.name }}的报价",
                                            body="{{ contact.name }}您好：\n附件为报价。\n{{ user.display_name }}")
    subject, body = services.email_render(template=template, by=sales_rep, customer=rep_customer, contact=contact)
    with django_capture_on_commit_callbacks(execute=True):
        message = services.email_send(by=sales_rep, customer=rep_customer, to=["王芳 <w@hzsl.example.cn>"],
                                      subject=subject, body=body, template=template, contacts=[contact],
                                      attachments=[SimpleUploadedFile("报价单.pdf", pdf_bytes())])
        assert len(mail.outbox) == 0
    [sent] = mail.outbox
    assert sent.subject == "杭州示例科技有限公司的报价"
    assert sent.body == "王芳您好：\n附件为报价。\n张销售"
    assert sent.to == ["王芳 <w@hzsl.example.cn>"]
    assert sent.reply_to == ["sales_rep@example.com"]
    assert sent.attachments[0][0] == "报价单.pdf"
    message.refresh_from_db()
    assert (message.status, message.direction, message.customer_id) == ("sent", "out", rep_customer.pk)
    assert sent.extra_headers["Message-ID"] == message.message_id
    assert message.raw.name.startswith("emails/")
    titles = [i.title for i in timeline_for_customer(user=sales_rep, customer=rep_customer, kinds=["email"])]
    assert titles == ["E-mail sent: 杭州示例科技有限公司的报价"]


def test_send_is_refused_without_edit_rights_and_for_bad_addresses(finance, sales_rep, rep_customer):
    with pytest.raises(PermissionDeniedError):
        services.email_send(by=finance, customer=rep_customer, to=["a@b.cn"], subject="s", body="b")
    with pytest.raises(ValidationError) as refused:
        services.email_send(by=sales_rep, customer=rep_customer, to=["not an address"], subject="s", body="b")
    assert refused.value.message_dict == {"to": ["“not an address” is not a valid e-mail address."]}
    assert EmailMessage.objects.count() == 0 and len(mail.outbox) == 0


def test_failed_delivery_is_logged(sales_rep, rep_customer, settings, django_capture_on_commit_callbacks,
                                   monkeypatch):
    def explode(self, fail_silently=False):
        raise OSError("connection refused")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", explode)
    with django_capture_on_commit_callbacks(execute=True):
        message = services.email_send(by=sales_rep, customer=rep_customer, to=["a@b.cn"], subject="s", body="b")
    message.refresh_from_db()
    assert (message.status, message.error) == ("failed", "connection refused")


class FakeImap:
    """Just enough of imaplib.IMAP4_SSL: a mailbox with UIDs."""

    mailbox: dict[int, bytes] = {}
    calls: list = []

    def __init__(self, host, port):
        self.calls.append(("connect", host, port))

    def login(self, user, password):
        self.calls.append(("login", user))
        return "OK", [b"ok"]

    def select(self, folder, readonly=False):
        return "OK", [str(len(self.mailbox)).encode()]

    def status(self, folder, what):
        return "OK", [f'"{folder}" (UIDVALIDITY 42)'.encode()]

    def uid(self, command, *args):
        if command == "SEARCH":
            low = int(args[1].split()[1].split(":")[0])
            found = [u for u in sorted(self.mailbox) if u >= low] or [max(self.mailbox)]
            return "OK", [" ".join(str(u) for u in found).encode()]
        uid = int(args[0])
        return "OK", [(f"{uid} (RFC822 {{n}}".encode(), self.mailbox[uid]), b")"]

    def logout(self):
        return "BYE", [b""]


def test_imap_fetch_does_nothing_unset_and_is_idempotent_with_a_fake(settings, monkeypatch, rep_customer):
    settings.FORPCRM_IMAP_HOST = ""
    assert services.imap_fetch() == 0
    settings.FORPCRM_IMAP_HOST = "imap.forp.example"
    settings.FORPCRM_IMAP_USER = "crm@forp.example"
    settings.FORPCRM_IMAP_PASSWORD = "secret"
    FakeImap.mailbox = {7: gbk_eml(message_id="<m7@x>", sender="info@hzsl.example.cn", attachment=None),
                        9: gbk_eml(message_id="<m9@x>", sender="x@elsewhere.example.org", attachment=None)}
    FakeImap.calls = []
    monkeypatch.setattr(imap_module.imaplib, "IMAP4_SSL", FakeImap)
    assert services.imap_fetch() == 2
    assert ImapState.objects.get().last_uid == 9
    assert EmailMessage.objects.get(message_id="<m7@x>").customer_id == rep_customer.pk
    assert EmailMessage.objects.get(message_id="<m9@x>").source == "imap"
    assert services.imap_fetch() == 0  # nothing new; "10:*" answers 9 again and it is skipped
    FakeImap.mailbox[10] = gbk_eml(message_id="<m7@x>", attachment=None)  # the same message again
    assert services.imap_fetch() == 0
    assert (EmailMessage.objects.count(), ImapState.objects.get().last_uid) == (2, 10)
    assert ("login", "crm@forp.example") in FakeImap.calls


def test_imap_fetch_is_a_registered_job():
    from forpcrm.notifications.jobs import jobs_registered

    job = jobs_registered()["documents.imap_fetch"]
    assert (job.fn, job.every_seconds) == (services.imap_fetch, 300)


def test_email_pages_and_api_hide_other_peoples_mail(client, sales_rep, sales_rep_south, rep_customer):
    message = services.email_import_eml(by=sales_rep, file=_eml(gbk_eml(sender="info@hzsl.example.cn")))
    client.force_login(sales_rep_south)
    for url in (reverse("documents:email_detail", args=[message.pk]),
                reverse("documents:email_raw", args=[message.pk]),
                f"/api/v1/emails/{message.pk}/"):
        assert client.get(url).status_code == 404, url
    assert client.get("/api/v1/emails/").json()["count"] == 0
    client.force_login(sales_rep)
    detail = client.get(reverse("documents:email_detail", args=[message.pk])).content.decode()
    assert "关于合同的报价" in detail and "<script>alert(1)" not in detail
    api = client.get(f"/api/v1/emails/{message.pk}/").json()
    assert (api["subject"], api["customer"], len(api["attachments"])) == ("关于合同的报价", rep_customer.pk, 1)


def test_api_send_and_eml_import(client, sales_rep, rep_customer, django_capture_on_commit_callbacks):
    from .helpers import multipart

    client.force_login(sales_rep)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/emails/send/", {"customer": rep_customer.pk, "to": ["a@hzsl.example.cn"],
                                                        "subject": '<b>报价</b>"', "body": "正文"},
                               content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["subject"] == '<b>报价</b>"'
    assert mail.outbox[0].subject == '<b>报价</b>"'
    body, content_type = multipart({}, [("file", "来信.eml", gbk_eml())])
    first = client.generic("POST", "/api/v1/emails/import-eml/", body, content_type=content_type)
    again = client.generic("POST", "/api/v1/emails/import-eml/", body, content_type=content_type)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert client.post("/api/v1/emails/send/", {"customer": 999999, "to": ["a@b.cn"], "subject": "s"},
                       content_type="application/json").status_code == 404


def test_sent_mail_shows_the_sender_name_and_replies_go_to_the_sender(
        sales_rep, rep_customer, settings, django_capture_on_commit_callbacks):
    settings.DEFAULT_FROM_EMAIL = "crm@forp.example"
    with django_capture_on_commit_callbacks(execute=True):
        services.email_send(by=sales_rep, customer=rep_customer, to=["a@hzsl.example.cn"], subject="报价", body="正文")
    sales_rep.email = ""
    sales_rep.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        services.email_send(by=sales_rep, customer=rep_customer, to=["a@hzsl.example.cn"], subject="无回信地址",
                            body="正文")
    first, second = mail.outbox
    assert (first.from_email, first.reply_to) == ("张销售 <crm@forp.example>", ["sales_rep@example.com"])
    assert (second.from_email, second.reply_to) == ("张销售 <crm@forp.example>", [])
    assert first.message()["From"] == "=?utf-8?b?5byg6ZSA5ZSu?= <crm@forp.example>"


def test_email_import_says_whether_the_message_is_new(sales_rep, rep_customer):
    first = services.email_import(by=sales_rep, file=_eml(gbk_eml()))
    again = services.email_import(by=sales_rep, file=_eml(gbk_eml(), name="again.eml"))
    assert (first[1], again[1], first[0].pk == again[0].pk) == (True, False, True)
