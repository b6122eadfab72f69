"""Pages: customer panels, the attachments tag, lists with a fixed number of queries, compose with a
template preview, .eml upload, templates settings, the knowledge view (search, paging, providers)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from forpcrm.customers.tests.factories import ContactFactory
from forpcrm.documents import services
from forpcrm.documents.knowledge import (
    _PROVIDERS,
    KnowledgeItem,
    KnowledgeSource,
    knowledge_provider_register,
)
from forpcrm.documents.models import EmailMessage, EmailTemplate
from forpcrm.sales.tests.factories import make_opportunity, make_pipeline

from .helpers import pdf_bytes
from .test_emails import _eml, gbk_eml

pytestmark = pytest.mark.django_db


def _docs(by, target, count, prefix="文档"):
    return services.attachments_add(by=by, target=target,
                                    files=[SimpleUploadedFile(f"{prefix}{i}.pdf", pdf_bytes(str(i)))
                                           for i in range(count)], category="proposal")


def _queries_for(client, url, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_customer_page_panels_cost_the_same_for_3_or_12_documents(client, sales_rep, rep_customer,
                                                                  django_assert_max_num_queries):
    client.force_login(sales_rep)
    url = reverse("customers:customer_detail", args=[rep_customer.pk])
    _docs(sales_rep, rep_customer, 3)
    for i in range(2):
        services.email_import_eml(by=sales_rep, file=_eml(gbk_eml(message_id=f"<p{i}@x>",
                                                                  sender="info@hzsl.example.cn")))
    small = _queries_for(client, url, django_assert_max_num_queries, 200)
    _docs(sales_rep, rep_customer, 9, prefix="更多")
    for i in range(2, 8):
        services.email_import_eml(by=sales_rep, file=_eml(gbk_eml(message_id=f"<p{i}@x>",
                                                                  sender="info@hzsl.example.cn")))
    large = _queries_for(client, url, django_assert_max_num_queries, 200)
    assert large == small
    page = client.get(url).content.decode()
    assert 'id="panel-documents"' in page and 'id="panel-emails"' in page
    assert "更多8.pdf" in page and "关于合同的报价" in page
    assert 'type="file" name="files"' in page and "multiple" in page


def test_opportunity_page_shows_the_attachments_tag_and_upload_only_when_editable(client, sales_rep,
                                                                                   sales_manager, finance):
    pipeline = make_pipeline()
    opportunity = make_opportunity(sales_rep, pipeline)
    _docs(sales_rep, opportunity, 1, prefix="机会方案")
    url = reverse("sales:opportunity_detail", args=[opportunity.pk])
    client.force_login(sales_rep)
    page = client.get(url).content.decode()
    assert "机会方案0.pdf" in page and 'name="files"' in page
    client.force_login(finance)  # no opportunities permission at all
    assert client.get(url).status_code in (403, 404)


def test_email_list_and_knowledge_view_have_fixed_query_counts(client, sales_rep, rep_customer,
                                                               django_assert_max_num_queries):
    client.force_login(sales_rep)
    for i in range(3):
        services.email_import_eml(by=sales_rep, file=_eml(gbk_eml(message_id=f"<l{i}@x>",
                                                                  sender="info@hzsl.example.cn")))
    _docs(sales_rep, rep_customer, 3)
    urls = [reverse("documents:email_list"), reverse("documents:knowledge", args=[rep_customer.pk])]
    small = [_queries_for(client, u, django_assert_max_num_queries, 40) for u in urls]
    for i in range(3, 15):
        services.email_import_eml(by=sales_rep, file=_eml(gbk_eml(message_id=f"<l{i}@x>",
                                                                  sender="info@hzsl.example.cn")))
    _docs(sales_rep, rep_customer, 12, prefix="更多")
    large = [_queries_for(client, u, django_assert_max_num_queries, 40) for u in urls]
    assert large == small
    # The API lists too.
    for url in ("/api/v1/documents/", "/api/v1/emails/"):
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200


def test_knowledge_view_searches_pages_and_takes_other_providers(client, sales_rep, rep_customer):
    _docs(sales_rep, rep_customer, 3, prefix="技术方案")
    _docs(sales_rep, rep_customer, 2, prefix="发票")
    services.email_import_eml(by=sales_rep, file=_eml(gbk_eml(sender="info@hzsl.example.cn", attachment=None)))

    def contracts(*, user, customer, query):
        items = [KnowledgeItem(kind="contract", title="合同 HT-001 <b>", at=rep_customer.created_at, url="")]
        items = [i for i in items if not query or query in i.title]
        return KnowledgeSource(count=lambda: len(items), newest=lambda limit: items[:limit])

    knowledge_provider_register("contract", "Contracts", contracts, order=30)
    try:
        client.force_login(sales_rep)
        url = reverse("documents:knowledge", args=[rep_customer.pk])
        page = client.get(url, {"page_size": 10})
        assert page.context["page_obj"].paginator.count == 7  # 5 documents, 1 e-mail, 1 contract
        assert "合同 HT-001 &lt;b&gt;" in page.content.decode()
        found = client.get(url, {"q": "技术"})
        assert [i.title for i in found.context["items"]] == ["技术方案2.pdf", "技术方案1.pdf", "技术方案0.pdf"]
        found = client.get(url, {"q": "报价"})
        assert [i.kind for i in found.context["items"]] == ["email"]
        paged = client.get(url, {"page_size": 10, "page": 1, "kind": "document"})
        assert paged.context["page_obj"].paginator.count == 5
        first = client.get(url, {"page_size": 10})
        second_page = [i.title for i in first.context["items"]]
        assert len(second_page) == 7
    finally:
        _PROVIDERS.pop("contract", None)


def test_knowledge_paging_merges_sources_in_date_order(client, sales_rep, rep_customer):
    _docs(sales_rep, rep_customer, 12)
    client.force_login(sales_rep)
    url = reverse("documents:knowledge", args=[rep_customer.pk])
    page1 = [i.title for i in client.get(url, {"page_size": 10}).context["items"]]
    page2 = [i.title for i in client.get(url, {"page_size": 10, "page": 2}).context["items"]]
    assert len(page1) == 10 and len(page2) == 2
    assert sorted(page1 + page2) == sorted(f"文档{i}.pdf" for i in range(12))


def test_compose_fills_the_template_with_a_preview_and_sends(client, sales_rep, rep_customer,
                                                             django_capture_on_commit_callbacks):
    from django.core import mail

    contact = ContactFactory(customer=rep_customer, name="王芳", email="w@hzsl.example.cn", is_primary=True)
    template = EmailTemplate.objects.create(name="问候", subject="致{{ customer.name }}",
                                            body="{{ contact.name }}您好 <script>")
    client.force_login(sales_rep)
    url = reverse("documents:email_compose", args=[rep_customer.pk])
    page = client.get(url, {"template": template.pk, "contact": contact.pk})
    html = page.content.decode()
    assert "致杭州示例科技有限公司" in html and "王芳您好 &lt;script&gt;" in html
    assert page.context["form"].initial["to"] == "w@hzsl.example.cn"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"to": "w@hzsl.example.cn", "subject": "致杭州示例科技有限公司",
                                     "body": "王芳您好", "contacts": [str(contact.pk)],
                                     "template": str(template.pk)})
    message = EmailMessage.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("documents:email_detail",
                                                                           args=[message.pk])
    assert [m.subject for m in mail.outbox] == ["致杭州示例科技有限公司"]
    assert list(message.contacts.all()) == [contact]
    # A bad address keeps what was typed.
    response = client.post(url, {"to": "not-an-address", "subject": "保留的主题", "body": "保留的正文"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "保留的主题" in html and "保留的正文" in html and "is not a valid e-mail address" in html


def test_eml_upload_page(client, sales_rep, rep_customer):
    client.force_login(sales_rep)
    url = reverse("documents:email_import")
    assert client.get(url).status_code == 200
    response = client.post(url, {"file": SimpleUploadedFile("来信.eml", gbk_eml(sender="info@hzsl.example.cn"))})
    message = EmailMessage.objects.get()
    assert response.status_code == 302 and message.customer_id == rep_customer.pk
    response = client.post(url, {"file": SimpleUploadedFile("x.pdf", pdf_bytes())})
    assert response.status_code == 200
    assert "“x.pdf” is not an .eml file." in response.content.decode()


def test_template_settings_are_for_administrators(client, admin, sales_rep):
    client.force_login(sales_rep)
    assert client.get(reverse("documents:template_list")).status_code == 403
    client.force_login(admin)
    response = client.post(reverse("documents:template_create"), {"name": "报价", "subject": "{{ customer.name }}",
                                                                   "body": "{% url 'x' %}", "is_active": "on"})
    assert response.status_code == 200
    assert "The tag “url” is not allowed in an e-mail template." in response.content.decode()
    assert EmailTemplate.objects.count() == 0
    response = client.post(reverse("documents:template_create"), {"name": "报价", "subject": "{{ customer.name }}",
                                                                   "body": "{{ contact.name }}您好", "is_active": "on"})
    assert response.status_code == 302
    assert client.get(reverse("documents:template_list")).content.decode().count("报价") >= 1
    template = EmailTemplate.objects.get()
    assert client.post(reverse("documents:template_delete", args=[template.pk])).status_code == 302
    assert EmailTemplate.objects.count() == 0


def test_email_templates_api_writes_need_configure(client, admin, sales_rep):
    client.force_login(sales_rep)
    assert client.post("/api/v1/email-templates/", {"name": "t", "subject": "s", "body": "b"},
                       content_type="application/json").status_code == 403
    client.force_login(admin)
    response = client.post("/api/v1/email-templates/", {"name": "t", "subject": "s", "body": "{% load x %}"},
                           content_type="application/json")
    assert response.status_code == 400 and "body" in response.json()
    response = client.post("/api/v1/email-templates/", {"name": "t", "subject": "s", "body": "b"},
                           content_type="application/json")
    assert response.status_code == 201
    assert client.get("/api/v1/email-templates/").json()["count"] == 1


def test_importing_the_same_eml_twice_says_it_was_already_imported(client, sales_rep, sales_rep_south, rep_customer):
    url = reverse("documents:email_import")
    raw = gbk_eml(sender="info@hzsl.example.cn", attachment=None)
    client.force_login(sales_rep)
    first = client.post(url, {"file": SimpleUploadedFile("来信.eml", raw)}, follow=True)
    message = EmailMessage.objects.get()
    assert [str(m) for m in first.context["messages"]] == ["E-mail “关于合同的报价” imported."]
    again = client.post(url, {"file": SimpleUploadedFile("again.eml", raw)}, follow=True)
    assert again.redirect_chain == [(reverse("documents:email_detail", args=[message.pk]), 302)]
    assert [str(m) for m in again.context["messages"]] == [
        "E-mail “关于合同的报价” was already imported; this is the stored copy."]
    # Someone who may not see the stored copy is told so on the import page (no link to a page they cannot open).
    client.force_login(sales_rep_south)
    other = client.post(url, {"file": SimpleUploadedFile("again.eml", raw)})
    assert other.status_code == 200
    assert other.context["form"].errors == {
        "file": ["This e-mail was already imported by someone else; ask them to share it."]}
    assert EmailMessage.objects.count() == 1


def test_compose_has_one_template_choice_that_fills_subject_and_body(client, sales_rep, rep_customer):
    template = EmailTemplate.objects.create(name="问候", subject="致{{ customer.name }}", body="您好")
    client.force_login(sales_rep)
    url = reverse("documents:email_compose", args=[rep_customer.pk])
    html = client.get(url).content.decode()
    # the send form carries no select of its own: the template is chosen with "Fill in from the template"
    assert html.count('name="template"') == 2
    assert '<select class="form-select" name="template" id="choose-template">' in html
    assert '<input type="hidden" name="template" id="id_template">' in html
    page = client.get(url, {"template": template.pk})
    form_html = page.content.decode()
    assert f'<input type="hidden" name="template" value="{template.pk}" id="id_template">' in form_html
    assert (page.context["form"].initial["subject"], page.context["form"].initial["body"]) == (
        "致杭州示例科技有限公司", "您好")
