"""Writes of documents: attach files (several at once), add versions, delete and restore."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from forpcrm.core.errors import ApplicationError, PermissionDeniedError
from forpcrm.documents.files import CheckedFile, file_store, files_check, stored_delete
from forpcrm.documents.models import Document, DocumentCategory, DocumentVersion
from forpcrm.documents.registry import document_target_for, document_target_get


def category_resolve(value) -> DocumentCategory | None:
    """A category by code or name ("proposal" or "方案"); blank → None; unknown → ValidationError."""
    if isinstance(value, DocumentCategory) or value is None:
        return value
    text = str(value).strip()
    if not text:
        return None
    found = DocumentCategory.objects.filter(Q(code__iexact=text) | Q(name=text) | Q(name_en__iexact=text)).order_by(
        "sort_order", "id").first()
    if found is None:
        raise ValidationError({"category": [_("Unknown document category “%(category)s”.") % {"category": text}]})
    return found


def target_of(document: Document):
    """The record a document is attached to (None when it is gone)."""
    target = document_target_get(document.target_type)
    if target is None:
        return None
    return target.model._base_manager.filter(pk=document.target_id).first()


def _require_target_editable(by, target) -> None:
    registered = document_target_for(target)
    if registered is None:
        raise ApplicationError(_("Documents cannot be attached to this kind of record."), code="not_attachable")
    if by is None:
        return
    if not registered.model.objects.editable_by(by).filter(pk=target.pk).exists():
        raise PermissionDeniedError(_("You may not attach documents to this record."))


def _customer_of(target):
    customer = document_target_for(target).customer_of(target)
    return customer


def _version_add(*, by, document: Document, checked: CheckedFile, stored: list[str]) -> DocumentVersion:
    name = file_store(checked)
    stored.append(name)
    version = DocumentVersion(
        document=document, number=document.version_count + 1, file=name, original_name=checked.name,
        size=checked.size, content_type=checked.content_type, sha256=checked.sha256, uploaded_by=by,
    )
    version.full_clean()
    version.save()
    document.version_count = version.number
    document.current_version = version
    document.updated_by = by
    document.save(update_fields=["version_count", "current_version", "updated_by", "updated_at"])
    return version


def _owner_notify(*, by, target, document: Document, version: DocumentVersion) -> None:
    """Tell the record's owner when someone else attaches a file to it."""
    owner = getattr(target, "owner", None) if getattr(target, "owner_id", None) else None
    if by is None or owner is None or owner.pk == by.pk:
        return
    from django.urls import reverse
    from django.utils.translation import gettext_noop

    from forpcrm.notifications.messages import message
    from forpcrm.notifications.models import NotificationKind
    from forpcrm.notifications.services import notify

    notify(recipient=owner, kind=NotificationKind.SYSTEM, actor=by, obj=document,
           title=message(gettext_noop("%(user)s attached “%(title)s” to %(record)s."), user=str(by),
                         title=version.original_name, record=str(target)),
           url=reverse("documents:document_detail", args=[document.pk]),
           dedupe_key=f"document-version:{version.pk}")


def _attach(*, by, target, checked: list[CheckedFile], category, title: str = "",
            new_version_of: Document | None = None) -> list[Document]:
    """Create or extend documents for already checked files (no permission check)."""
    label = target._meta.label_lower
    customer = _customer_of(target)
    stored: list[str] = []
    documents: list[Document] = []
    try:
        with transaction.atomic():
            for item in checked:
                doc_title = (title or item.name).strip()[:255]
                if new_version_of is not None:
                    document = Document.objects.select_for_update().filter(pk=new_version_of.pk).first()
                    if document is None or document.target_type != label or document.target_id != target.pk:
                        raise ValidationError({"new_version_of": [_("Choose a document of this record.")]})
                else:
                    document = Document.objects.select_for_update().filter(
                        target_type=label, target_id=target.pk, title=doc_title).first()
                if document is None:
                    document = Document(target_type=label, target_id=target.pk, customer=customer, title=doc_title,
                                        category=category, owner=by, created_by=by, updated_by=by)
                    document.full_clean()
                    document.save()
                elif category is not None and document.category_id != category.pk:
                    document.category = category
                    document.save(update_fields=["category", "updated_at"])
                version = _version_add(by=by, document=document, checked=item, stored=stored)
                documents.append(document)
                _owner_notify(by=by, target=target, document=document, version=version)
    except BaseException:
        stored_delete(stored)
        raise
    return documents


def attachments_add(*, by, target, files: list, category="", title: str = "",
                    new_version_of: Document | None = None) -> list[Document]:
    """Attach uploaded files to ``target`` (a registered record ``by`` may edit).

    Every file is checked first (name, type, size, content); one refused file refuses the whole
    upload and nothing is stored. A file whose title (default: its file name) matches a live document
    of the record, or any file with ``new_version_of``, becomes that document's next version; older
    versions stay downloadable. Returns the documents, one per file."""
    _require_target_editable(by, target)
    files = list(files or [])
    if (title or new_version_of is not None) and len(files) > 1:
        raise ValidationError({"title": [_("A title or “new version of” can be given for one file only.")]})
    resolved = category_resolve(category)
    checked = files_check(files)
    return _attach(by=by, target=target, checked=checked, category=resolved, title=title,
                   new_version_of=new_version_of)


def document_version_add(*, by, document: Document, file) -> DocumentVersion:
    """Upload a new version of ``document`` (``by`` must be allowed to edit its target)."""
    target = target_of(document)
    if target is None or document.is_deleted:
        raise ApplicationError(_("This document can no longer be changed."), code="document_gone")
    docs = attachments_add(by=by, target=target, files=[file], new_version_of=document)
    return docs[0].current_version


def _require_document_editable(by, document: Document) -> None:
    if not Document.all_objects.editable_by(by).filter(pk=document.pk).exists():
        raise PermissionDeniedError(_("You may not change this document."))


@transaction.atomic
def document_delete(*, by, document: Document) -> Document:
    """Move the document to the recycle bin (its files are kept; restorable)."""
    _require_document_editable(by, document)
    document.deleted_at = timezone.now()
    document.deleted_by = by
    document.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    return document


@transaction.atomic
def document_restore(*, by, document: Document) -> Document:
    """Bring a deleted document back (refused when a live document of the record has its title)."""
    _require_document_editable(by, document)
    if Document.objects.filter(target_type=document.target_type, target_id=document.target_id,
                               title=document.title).exclude(pk=document.pk).exists():
        raise ApplicationError(_("A document with the title “%(title)s” already exists.") % {"title": document.title},
                               code="duplicate_title")
    document.deleted_at = None
    document.deleted_by = None
    document.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    return document


def documents_merge(survivor, merged, by=None) -> None:
    """Customer merge hook: documents and e-mails of the merged customer follow it to the survivor."""
    from forpcrm.documents.models import EmailMessage

    Document.all_objects.filter(customer=merged).update(customer=survivor)
    label = survivor._meta.label_lower
    taken = set(Document.objects.filter(target_type=label, target_id=survivor.pk).values_list("title", flat=True))
    for document in Document.all_objects.filter(target_type=label, target_id=merged.pk):
        if document.deleted_at is None and document.title in taken:
            document.title = f"{document.title[:200]} ({merged.name[:50]})"
        document.target_id = survivor.pk
        document.save(update_fields=["title", "target_id", "updated_at"])
    EmailMessage.objects.filter(customer=merged).update(customer=survivor)
