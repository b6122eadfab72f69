"""Models of the notifications app: the in-app inbox, e-mail choices, reminders and the job log."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .messages import render


class NotificationKind(models.TextChoices):
    FOLLOWUP_DUE = "followup_due", _("Follow-up due")
    VISIT_REMINDER = "visit_reminder", _("Visit reminder")
    URGE_RECEIVED = "urge_received", _("Urge received")
    URGE_ANSWERED = "urge_answered", _("Urge answered")
    URGE_OVERDUE = "urge_overdue", _("Urge overdue")
    REPORT_TO_REVIEW = "report_to_review", _("Report to review")
    REPORT_REVIEWED = "report_reviewed", _("Report reviewed")
    REPORT_MISSING = "report_missing", _("Report missing")
    COMMENT = "comment", pgettext_lazy("notification kind", "Comment")
    MENTION = "mention", pgettext_lazy("notification kind", "Mention")
    POOL_WARNING = "pool_warning", _("Public pool warning")
    LEAD_ASSIGNED = "lead_assigned", _("Lead assigned")
    APPROVAL = "approval", pgettext_lazy("notification kind", "Approval")
    PAYMENT = "payment", pgettext_lazy("notification kind", "Payment")
    SYSTEM = "system", pgettext_lazy("notification kind", "System")


# Kinds whose e-mail is on until the user says otherwise.
EMAIL_DEFAULT_KINDS = frozenset(
    {NotificationKind.URGE_RECEIVED, NotificationKind.URGE_OVERDUE, NotificationKind.REPORT_REVIEWED}
)


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        """The only way to read notifications: a user sees only their own."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def visible_to(self, user):
        return self.for_user(user)

    def editable_by(self, user):
        return self.for_user(user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    # A title given as a message is stored as its id + parameters and rendered when shown, in the
    # reader's language; ``title`` / ``body`` then hold its rendering in the recipient's language
    # (for search and as a fallback). A plain-text title has no message id.
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("body"), blank=True)
    msgid = models.CharField(_("title message id"), max_length=255, blank=True)
    params = models.JSONField(_("title parameters"), default=dict, blank=True)
    body_msgid = models.CharField(_("body message id"), max_length=255, blank=True)
    body_params = models.JSONField(_("body parameters"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    object_type = models.CharField(_("record type"), max_length=100, blank=True)
    object_id = models.CharField(_("record id"), max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], condition=Q(dedupe_key__isnull=False),
                name="notification_recipient_dedupe_uniq",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at", "-id"], name="notif_recipient_unread_idx"),
            models.Index(fields=["recipient", "-created_at", "-id"], name="notif_recipient_created_idx"),
            models.Index(fields=["recipient", "kind", "-created_at", "-id"], name="notif_recipient_kind_idx"),
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        """The title in the active language."""
        return render(self.msgid, self.params) if self.msgid else self.title

    @property
    def display_body(self) -> str:
        """The body in the active language."""
        return render(self.body_msgid, self.body_params) if self.body_msgid else self.body

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """One row per user and kind the user decided about; no row means the default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    email = models.BooleanField(_("send e-mail"), default=False)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_pref_user_kind_uniq")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.kind}"


class Reminder(models.Model):
    """A notification to send at `fire_at` (UTC). One pending reminder per key."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
        related_name="reminders",
    )
    key = models.CharField(_("key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    title = models.CharField(_("title"), max_length=255)
    msgid = models.CharField(_("title message id"), max_length=255, blank=True)
    params = models.JSONField(_("title parameters"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    object_type = models.CharField(_("record type"), max_length=100, blank=True)
    object_id = models.CharField(_("record id"), max_length=64, blank=True)
    fire_at = models.DateTimeField(_("fires at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["fire_at", "id"]
        indexes = [
            models.Index(fields=["fire_at", "id"], condition=Q(sent_at__isnull=True), name="reminder_pending_idx"),
            models.Index(fields=["recipient", "fire_at"], name="reminder_recipient_idx"),
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def display_title(self) -> str:
        """The title in the active language."""
        return render(self.msgid, self.params) if self.msgid else self.title


class JobRun(models.Model):
    """Log of periodic job runs (what ran, when, how many things it did, the error if any)."""

    name = models.CharField(_("job"), max_length=100)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    count = models.PositiveIntegerField(_("count"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["name", "-started_at", "-id"], name="jobrun_name_started_idx")]

    def __str__(self) -> str:
        return f"{self.name} {self.started_at:%Y-%m-%d %H:%M:%S}"
