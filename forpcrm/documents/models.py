"""Documents (attachments with versions) on any registered record, and e-mail kept with the customer.

A document points at its target record by model label and id (``target_type``, ``target_id``) and
carries its customer (denormalised) for the customer page, the knowledge view and the timeline.
Who may see a document is decided by its target: ``target_model.objects.visible_to(user)``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from forpcrm.core.models import AliveManager, SoftDeleteModel, SoftDeleteQuerySet, TimeStampedModel

from .registry import document_targets


class DocumentCategory(models.Model):
    """A kind of document (proposal, quotation, contract …); administrators edit the list."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=60, blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("document category")
        verbose_name_plural = _("document categories")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        from django.utils.translation import get_language

        if self.name_en and not (get_language() or "").startswith("zh"):
            return self.name_en
        return self.name


class DocumentQuerySet(SoftDeleteQuerySet):
    """Documents are visible (editable) exactly when their target record is."""

    def _through_targets(self, user, method: str):
        condition = Q(pk__in=[])
        for label, target in document_targets().items():
            scoped = getattr(target.model.objects, method)(user)
            condition |= Q(target_type=label, target_id__in=scoped.values("pk"))
        return self.filter(condition)

    def visible_to(self, user):
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self._through_targets(user, "visible_to")

    def editable_by(self, user):
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self._through_targets(user, "editable_by")


class Document(TimeStampedModel, SoftDeleteModel):
    target_type = models.CharField(_("record type"), max_length=60)
    target_id = models.PositiveBigIntegerField(_("record id"))
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="documents",
    )
    title = models.CharField(_("title"), max_length=255)
    category = models.ForeignKey(
        DocumentCategory, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="documents",
    )
    current_version = models.ForeignKey(
        "DocumentVersion", verbose_name=_("current version"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    version_count = models.PositiveIntegerField(_("versions"), default=0)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = AliveManager.from_queryset(DocumentQuerySet)()
    all_objects = DocumentQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "-updated_at", "-id"], name="documents_target_idx"),
            models.Index(fields=["customer", "-updated_at", "-id"], name="documents_customer_idx"),
            models.Index(fields=["category", "-updated_at", "-id"], name="documents_category_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["target_type", "target_id", "title"],
                                    condition=Q(deleted_at__isnull=True), name="documents_live_title_uniq"),
        ]

    def __str__(self) -> str:
        return self.title


def _no_upload_to(instance, filename):  # pragma: no cover - services always pass a generated name
    return filename


class DocumentVersion(models.Model):
    """One uploaded file. Stored under a generated name; the user's file name is kept as text only."""

    document = models.ForeignKey(Document, verbose_name=_("document"), on_delete=models.CASCADE,
                                 related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("file"), max_length=255, upload_to=_no_upload_to)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        ordering = ["document_id", "-number", "-id"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="documents_version_number_uniq")]
        indexes = [models.Index(fields=["uploaded_at", "id"], name="documents_version_at_idx")]

    def __str__(self) -> str:
        return f"{self.original_name} (v{self.number})"

    @property
    def is_previewable(self) -> bool:
        return self.content_type in PREVIEW_TYPES


# Inline preview only for types a browser shows without running anything.
PREVIEW_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"})


# ---------------------------------------------------------------- e-mail


class EmailDirection(models.TextChoices):
    INCOMING = "in", _("received")
    OUTGOING = "out", _("sent")


class EmailStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    RECEIVED = "received", _("received")


class EmailSource(models.TextChoices):
    COMPOSED = "compose", _("written in the CRM")
    EML = "eml", _("imported .eml file")
    IMAP = "imap", _("fetched from the mailbox")


class EmailQuerySet(models.QuerySet):
    """An e-mail is visible with its customer; one linked to no customer only to whoever brought it in
    (and to users who see every customer)."""

    def visible_to(self, user):
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        from forpcrm.customers.models import Customer
        from forpcrm.org.access import scope_for
        from forpcrm.org.models import DataScope, Module

        condition = Q(customer__in=Customer.objects.visible_to(user).values("pk")) | Q(owner_id=user.pk)
        if scope_for(user, Module.CUSTOMERS) == DataScope.ALL:
            condition |= Q(customer__isnull=True)
        return self.filter(condition)

    def editable_by(self, user):
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        from forpcrm.customers.models import Customer

        return self.filter(Q(customer__in=Customer.objects.editable_by(user).values("pk"))
                           | Q(customer__isnull=True, owner_id=user.pk))


class EmailTemplate(TimeStampedModel):
    """Subject and plain-text body with merge fields such as ``{{ contact.name }}``."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("e-mail template")
        verbose_name_plural = _("e-mail templates")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from .mailmerge import merge_check

        merge_check(subject=self.subject, body=self.body)


class EmailMessage(TimeStampedModel):
    direction = models.CharField(_("direction"), max_length=3, choices=EmailDirection.choices)
    status = models.CharField(_("status"), max_length=10, choices=EmailStatus.choices)
    source = models.CharField(_("source"), max_length=10, choices=EmailSource.choices)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    raw_sha256 = models.CharField(_("SHA-256 of the raw message"), max_length=64, blank=True)
    in_reply_to = models.CharField(_("in reply to"), max_length=255, blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    from_name = models.CharField(_("sender name"), max_length=200, blank=True)
    from_address = models.CharField(_("sender"), max_length=320, blank=True)
    to = models.JSONField(_("to"), default=list, blank=True)
    cc = models.JSONField(_("cc"), default=list, blank=True)
    sent_at = models.DateTimeField(_("date"), default=timezone.now)
    body_text = models.TextField(_("text"), blank=True)
    body_html = models.TextField(_("HTML (sanitised)"), blank=True)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="emails",
    )
    contacts = models.ManyToManyField("customers.Contact", verbose_name=_("contacts"), blank=True,
                                      related_name="emails")
    opportunity = models.ForeignKey(
        "sales.Opportunity", verbose_name=_("opportunity"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent or imported by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    template = models.ForeignKey(EmailTemplate, verbose_name=_("template"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    raw = models.FileField(_("original message (.eml)"), max_length=255, blank=True, upload_to=_no_upload_to)
    error = models.TextField(_("error"), blank=True)
    notes = models.JSONField(_("notes"), default=list, blank=True)

    objects = EmailQuerySet.as_manager()

    class Meta:
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-sent_at", "-id"], name="documents_email_customer_idx"),
            models.Index(fields=["owner", "-sent_at", "-id"], name="documents_email_owner_idx"),
            models.Index(fields=["-sent_at", "-id"], name="documents_email_sent_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["message_id"], condition=~Q(message_id=""),
                                    name="documents_email_message_id_uniq"),
            models.UniqueConstraint(fields=["raw_sha256"], condition=~Q(raw_sha256=""),
                                    name="documents_email_raw_uniq"),
        ]

    def __str__(self) -> str:
        return self.subject or self.message_id or str(self.pk)


class ImapState(models.Model):
    """Where the mailbox fetch stopped: the last UID seen per mailbox and UIDVALIDITY."""

    mailbox = models.CharField(_("mailbox"), max_length=255, unique=True)
    uid_validity = models.CharField(_("UIDVALIDITY"), max_length=40, blank=True)
    last_uid = models.PositiveBigIntegerField(_("last UID"), default=0)
    fetched_at = models.DateTimeField(_("fetched at"), null=True, blank=True)

    class Meta:
        verbose_name = _("mailbox state")
        verbose_name_plural = _("mailbox states")

    def __str__(self) -> str:
        return self.mailbox
