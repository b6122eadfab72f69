"""Writes of the documents app: documents (attachments and versions), e-mail, the mailbox fetch."""

from .documents import (
    attachments_add,
    category_resolve,
    document_delete,
    document_restore,
    document_version_add,
    documents_merge,
    target_of,
)
from .emails import (
    email_deliver,
    email_import,
    email_import_eml,
    email_parse,
    email_render,
    email_send,
    email_store_raw,
    email_template_delete,
    email_template_save,
    html_sanitise,
)
from .imap import imap_fetch

__all__ = [
    "attachments_add", "category_resolve", "document_delete", "document_restore", "document_version_add",
    "documents_merge", "email_deliver", "email_import", "email_import_eml", "email_parse", "email_render", "email_send",
    "email_store_raw", "email_template_delete", "email_template_save", "html_sanitise", "imap_fetch", "target_of",
]
