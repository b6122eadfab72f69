from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "forpcrm.documents"
    label = "documents"
    verbose_name = _("Documents and e-mail")

    def ready(self) -> None:
        from django.urls import reverse

        from forpcrm.customers.models import Contact, Customer
        from forpcrm.customers.pages import customer_panel_register
        from forpcrm.customers.services import customer_merge_register
        from forpcrm.notifications.jobs import job_register
        from forpcrm.timeline.registry import timeline_provider_register

        from . import panels
        from .knowledge import builtin_providers_register
        from .models import EmailMessage
        from .registry import document_target_register
        from .services import documents_merge, imap_fetch
        from .timeline import document_items, email_items

        def url(name, *args):
            return lambda document: reverse(name, args=[arg(document) for arg in args])

        def target_id(document):
            return document.target_id

        def customer_id(document):
            return document.customer_id

        document_target_register(Customer, customer_of=lambda customer: customer,
                                 url_of=url("customers:customer_detail", target_id))
        document_target_register(Contact, customer_of=lambda contact: contact.customer,
                                 url_of=url("customers:contact_detail", customer_id, target_id))
        # Attachments of an e-mail are documents of the e-mail: visible with it.
        document_target_register(EmailMessage, customer_of=lambda message: message.customer,
                                 url_of=url("documents:email_detail", target_id))

        timeline_provider_register("document", document_items)
        timeline_provider_register("email", email_items)
        customer_merge_register(documents_merge)
        builtin_providers_register()
        job_register("documents.imap_fetch", imap_fetch, every_seconds=300)

        customer_panel_register("documents", _("Documents"), "documents/_customer_documents.html",
                                panels.customer_documents_panel, order=20)
        customer_panel_register("emails", _("E-mails"), "documents/_customer_emails.html",
                                panels.customer_emails_panel, order=30)
