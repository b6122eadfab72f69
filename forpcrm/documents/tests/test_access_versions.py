"""Documents follow their record: 404 for records the user may not see (page, preview, API), upload
only with edit rights, version numbering, the opportunity stage rule, the customer timeline."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from forpcrm.core.errors import ApplicationError, PermissionDeniedError
from forpcrm.customers.tests.factories import ContactFactory, CustomerFactory
from forpcrm.documents.models import Document, DocumentVersion
from forpcrm.documents.selectors import has_document
from forpcrm.documents.services import attachments_add, document_delete, document_version_add
from forpcrm.sales import services as sales_services
from forpcrm.sales.tests.factories import make_opportunity, make_pipeline, stage
from forpcrm.timeline.selectors import timeline_for_customer

from .helpers import multipart, pdf_bytes

pytestmark = pytest.mark.django_db


def _pdf(name="方案.pdf", text="v1"):
    return SimpleUploadedFile(name, pdf_bytes(text))


def test_unseen_target_answers_404_on_download_preview_detail_and_api(client, sales_rep, sales_rep_south,
                                                                      rep_customer):
    [document] = attachments_add(by=sales_rep, target=rep_customer, files=[_pdf()])
    version = document.current_version
    client.force_login(sales_rep_south)
    for url in (reverse("documents:version_download", args=[version.pk]),
                reverse("documents:version_preview", args=[version.pk]),
                reverse("documents:document_detail", args=[document.pk]),
                reverse("documents:knowledge", args=[rep_customer.pk]),
                f"/api/v1/documents/{document.pk}/",
                f"/api/v1/documents/{document.pk}/download/"):
        assert client.get(url).status_code == 404, url
    assert client.get("/api/v1/documents/").json()["count"] == 0
    assert client.get("/api/v1/documents/", {"customer": rep_customer.pk}).json()["count"] == 0
    # Uploading to it is 404 too, and nothing is stored.
    body, content_type = multipart({}, [("files", "x.pdf", pdf_bytes())])
    url = reverse("documents:document_upload", args=["customers.customer", rep_customer.pk])
    assert client.generic("POST", url, body, content_type=content_type).status_code == 404
    body, content_type = multipart({"target_type": "customers.customer", "target_id": rep_customer.pk},
                                   [("files", "x.pdf", pdf_bytes())])
    assert client.generic("POST", "/api/v1/documents/", body, content_type=content_type).status_code == 404
    assert client.delete(f"/api/v1/documents/{document.pk}/").status_code == 404
    assert (Document.objects.count(), DocumentVersion.objects.count()) == (1, 1)


def test_upload_needs_edit_rights_on_the_target(finance, rep_customer):
    # finance sees every customer but may not edit them.
    with pytest.raises(PermissionDeniedError):
        attachments_add(by=finance, target=rep_customer, files=[_pdf()])
    assert Document.all_objects.count() == 0


def test_a_document_of_a_hidden_opportunity_stays_off_the_customer_timeline(sales_rep, sales_manager,
                                                                            customer_service):
    customer = CustomerFactory(owner=sales_rep)
    pipeline = make_pipeline()
    opportunity = make_opportunity(sales_rep, pipeline, customer=customer)
    attachments_add(by=sales_rep, target=opportunity, files=[_pdf("机会方案.pdf")])
    attachments_add(by=sales_rep, target=customer, files=[_pdf("客户资料.pdf")])
    # customer_service sees every customer but has no opportunities permission.
    seen = [i.title for i in timeline_for_customer(user=customer_service, customer=customer, kinds=["document"])]
    assert seen == ["Document uploaded: 客户资料.pdf"]
    seen = [i.title for i in timeline_for_customer(user=sales_rep, customer=customer, kinds=["document"])]
    assert sorted(seen) == ["Document uploaded: 客户资料.pdf", "Document uploaded: 机会方案.pdf"]
    opp_doc = Document.objects.get(title="机会方案.pdf")
    assert not Document.objects.visible_to(customer_service).filter(pk=opp_doc.pk).exists()


def test_same_title_adds_a_version_and_old_versions_stay_downloadable(client, sales_rep, rep_customer):
    [first] = attachments_add(by=sales_rep, target=rep_customer, files=[_pdf(text="one")], category="proposal")
    [second] = attachments_add(by=sales_rep, target=rep_customer, files=[_pdf(text="two")])
    assert first.pk == second.pk
    version = document_version_add(by=sales_rep, document=second, file=_pdf("方案-改.pdf", text="three"))
    document = Document.objects.get()
    assert (document.version_count, document.current_version_id) == (3, version.pk)
    assert list(document.versions.order_by("number").values_list("number", "original_name")) == [
        (1, "方案.pdf"), (2, "方案.pdf"), (3, "方案-改.pdf")]
    assert document.category.code == "proposal"
    client.force_login(sales_rep)
    old = document.versions.get(number=1)
    response = client.get(reverse("documents:version_download", args=[old.pk]))
    assert b"".join(response.streaming_content) == pdf_bytes("one")
    response = client.get(f"/api/v1/documents/{document.pk}/download/", {"version": 2})
    assert b"".join(response.streaming_content) == pdf_bytes("two")
    # Several files at once: one document each.
    docs = attachments_add(by=sales_rep, target=rep_customer, files=[_pdf("a.pdf"), _pdf("b.pdf")])
    assert [d.title for d in docs] == ["a.pdf", "b.pdf"]


def test_api_new_version_and_delete(client, sales_rep, rep_customer):
    [document] = attachments_add(by=sales_rep, target=rep_customer, files=[_pdf()])
    client.force_login(sales_rep)
    body, content_type = multipart({}, [("file", "方案v2.pdf", pdf_bytes("2"))])
    response = client.generic("POST", f"/api/v1/documents/{document.pk}/versions/", body, content_type=content_type)
    assert response.status_code == 201
    assert [v["number"] for v in response.json()["versions"]] == [2, 1]
    assert response.json()["current_version"]["original_name"] == "方案v2.pdf"
    assert client.delete(f"/api/v1/documents/{document.pk}/").status_code == 204
    assert Document.objects.count() == 0
    assert Document.all_objects.get().deleted_by == sales_rep


def test_stage_requiring_a_proposal_refuses_the_move_until_one_is_attached(sales_rep):
    pipeline = make_pipeline()
    propose = stage(pipeline, "Propose")
    sales_services.stage_update(stage=propose, by=_system(), data={"requires_document": True,
                                                                   "document_category": "proposal"})
    propose.refresh_from_db()
    opportunity = make_opportunity(sales_rep, pipeline)
    with pytest.raises(ApplicationError) as refused:
        sales_services.opportunity_stage_move(opportunity=opportunity, stage=propose, by=sales_rep)
    assert "attach a document of the category “Proposal”" in str(refused.value)
    # A document of another category does not count.
    attachments_add(by=sales_rep, target=opportunity, files=[_pdf("报价单.pdf")], category="quotation")
    with pytest.raises(ApplicationError, match="“Proposal”"):
        sales_services.opportunity_stage_move(opportunity=opportunity, stage=propose, by=sales_rep)
    attachments_add(by=sales_rep, target=opportunity, files=[_pdf("方案书.pdf")], category="proposal")
    assert has_document(opportunity, category="proposal") and has_document(opportunity, category="方案")
    opportunity.refresh_from_db()
    moved = sales_services.opportunity_stage_move(opportunity=opportunity, stage=propose, by=sales_rep)
    assert (moved.stage_id, moved.probability) == (propose.pk, 40)


def test_a_deleted_document_no_longer_satisfies_the_stage_rule(sales_rep):
    pipeline = make_pipeline()
    opportunity = make_opportunity(sales_rep, pipeline)
    [document] = attachments_add(by=sales_rep, target=opportunity, files=[_pdf()], category="proposal")
    assert has_document(opportunity) is True
    document_delete(by=sales_rep, document=document)
    assert (has_document(opportunity), has_document(opportunity, category="proposal")) == (False, False)


def test_contact_documents_are_visible_through_the_contact(client, sales_rep, sales_rep_south, rep_customer):
    contact = ContactFactory(customer=rep_customer, name="王芳")
    attachments_add(by=sales_rep, target=contact, files=[_pdf("名片.png".replace("png", "pdf"))])
    client.force_login(sales_rep)
    page = client.get(reverse("customers:contact_detail", args=[rep_customer.pk, contact.pk])).content.decode()
    assert "名片.pdf" in page and 'name="files"' in page
    client.force_login(sales_rep_south)
    assert client.get("/api/v1/documents/", {"target_type": "customers.contact",
                                             "target_id": contact.pk}).json()["count"] == 0


def _system():
    from forpcrm.customers.tests.factories import system_user

    return system_user()


def test_customer_merge_moves_documents_and_emails_to_the_survivor(sales_rep):
    from forpcrm.customers.services import customer_merge
    from forpcrm.documents.models import EmailMessage
    from forpcrm.documents.services import email_send

    survivor = CustomerFactory(owner=sales_rep, name="存续公司")
    merged = CustomerFactory(owner=sales_rep, name="被合并公司")
    attachments_add(by=sales_rep, target=survivor, files=[_pdf("资料.pdf")])
    attachments_add(by=sales_rep, target=merged, files=[_pdf("资料.pdf")])
    email_send(by=sales_rep, customer=merged, to=["a@b.cn"], subject="s", body="b")
    customer_merge(survivor=survivor, merged=merged, by=sales_rep)
    assert sorted(Document.objects.filter(customer=survivor).values_list("title", flat=True)) == [
        "资料.pdf", "资料.pdf (被合并公司)"]
    assert set(Document.objects.values_list("target_id", flat=True)) == {survivor.pk}
    assert EmailMessage.objects.get().customer_id == survivor.pk
