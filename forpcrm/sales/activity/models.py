"""Models of sales.activity (imported by forpcrm/sales/models.py so Django finds them).

Follow-up records (跟进记录), visit plans (拜访计划) with check-ins (签到), and comments on any record.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from forpcrm.core.models import (
    AliveManager,
    SoftDeleteModel,
    SoftDeleteQuerySet,
    TimeStampedModel,
    VersionedModel,
)
from forpcrm.org.access import ChildAccess, ScopedQuerySet

__all__ = [
    "CheckIn",
    "Comment",
    "FollowUp",
    "FollowUpKind",
    "FollowUpKindOption",
    "VisitPlan",
    "VisitRecurrence",
    "VisitStatus",
]


class FollowUpKind(models.TextChoices):
    """The built-in kinds; administrators add more as ``FollowUpKindOption`` rows."""

    PHONE = "phone", pgettext_lazy("follow-up kind", "phone")
    VISIT = "visit", pgettext_lazy("follow-up kind", "visit")
    MEETING = "meeting", pgettext_lazy("follow-up kind", "meeting")
    EMAIL = "email", pgettext_lazy("follow-up kind", "e-mail")
    WECHAT = "wechat", pgettext_lazy("follow-up kind", "WeChat")
    OTHER = "other", pgettext_lazy("follow-up kind", "other")


class FollowUpKindOption(models.Model):
    """An extra follow-up kind: an English code and its labels (Chinese ``label``, English ``label_en``)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    label = models.CharField(_("label"), max_length=60)
    label_en = models.CharField(_("English label"), max_length=60, blank=True)
    sort_order = models.IntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("follow-up kind")
        verbose_name_plural = _("follow-up kinds")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "").startswith("en") and self.label_en:
            return self.label_en
        return self.label


class ActivityQuerySet(ScopedQuerySet, SoftDeleteQuerySet):
    pass


class VisitStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("visit status", "planned")
    DONE = "done", pgettext_lazy("visit status", "done")
    CANCELLED = "cancelled", pgettext_lazy("visit status", "cancelled")
    MISSED = "missed", pgettext_lazy("visit status", "missed")


class VisitRecurrence(models.TextChoices):
    NONE = "", pgettext_lazy("recurrence", "does not repeat")
    WEEKLY = "weekly", pgettext_lazy("recurrence", "every week")


class VisitPlan(TimeStampedModel, SoftDeleteModel, VersionedModel):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="visit_plans")
    department = models.ForeignKey("org.Department", verbose_name=_("department"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="visit_plans")
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
                                 related_name="visit_plans")
    contacts = models.ManyToManyField("customers.Contact", verbose_name=_("contacts"), blank=True,
                                      related_name="visit_plans")
    companions = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("companions"), blank=True,
                                        related_name="visit_companion_of")
    opportunity = models.ForeignKey("sales.Opportunity", verbose_name=_("opportunity"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="visit_plans")
    purpose = models.CharField(_("purpose"), max_length=255)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    recurrence = models.CharField(_("repeat"), max_length=10, choices=VisitRecurrence.choices, blank=True,
                                  default=VisitRecurrence.NONE)
    repeat_until = models.DateField(_("repeat until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=VisitStatus.choices, default=VisitStatus.PLANNED)
    remind_minutes = models.PositiveIntegerField(_("remind minutes before"), null=True, blank=True)
    result = models.TextField(_("result"), blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    # For a weekly plan: the start of the last occurrence that was completed.
    last_done_occurrence = models.DateTimeField(_("last completed occurrence"), null=True, blank=True)
    cancel_reason = models.CharField(_("cancel reason"), max_length=255, blank=True)

    objects = AliveManager.from_queryset(ActivityQuerySet)()
    all_objects = ActivityQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])
    access = ChildAccess(module="activities", parent_field="customer")

    class Meta:
        verbose_name = _("visit plan")
        verbose_name_plural = _("visit plans")
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "starts_at", "id"], name="sales_visit_owner_start"),
            models.Index(fields=["customer", "starts_at", "id"], name="sales_visit_cust_start"),
            models.Index(fields=["starts_at", "id"], name="sales_visit_start"),
            models.Index(fields=["status", "ends_at"], name="sales_visit_status_end"),
            models.Index(fields=["recurrence", "status"], name="sales_visit_recur_status"),
        ]

    def __str__(self) -> str:
        return self.purpose

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("sales:visit_detail", args=[self.pk])

    @property
    def is_recurring(self) -> bool:
        return self.recurrence == VisitRecurrence.WEEKLY


class FollowUp(TimeStampedModel, SoftDeleteModel):
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
                                 related_name="followups")
    contact = models.ForeignKey("customers.Contact", verbose_name=_("contact"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="followups")
    opportunity = models.ForeignKey("sales.Opportunity", verbose_name=_("opportunity"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="followups")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="followups")
    department = models.ForeignKey("org.Department", verbose_name=_("department"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="followups")
    kind = models.CharField(_("kind"), max_length=30, default=FollowUpKind.PHONE, db_index=True)
    at = models.DateTimeField(_("time"))
    content = models.TextField(_("content"))
    next_at = models.DateTimeField(_("next follow-up time"), null=True, blank=True)
    next_content = models.CharField(_("next follow-up content"), max_length=500, blank=True)
    visit = models.ForeignKey(VisitPlan, verbose_name=_("visit plan"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="followups")

    objects = AliveManager.from_queryset(ActivityQuerySet)()
    all_objects = ActivityQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])
    access = ChildAccess(module="activities", parent_field="customer")

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-at", "-id"], name="sales_fu_cust_at"),
            models.Index(fields=["owner", "-at", "-id"], name="sales_fu_owner_at"),
            models.Index(fields=["-at", "-id"], name="sales_fu_at"),
            models.Index(fields=["owner", "next_at"], name="sales_fu_owner_next"),
            models.Index(fields=["customer", "next_at"], name="sales_fu_cust_next"),
            models.Index(fields=["opportunity", "-at"], name="sales_fu_opp_at"),
            models.Index(fields=["contact", "-at"], name="sales_fu_contact_at"),
        ]

    def __str__(self) -> str:
        return (self.content or "")[:40] or str(self.pk)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("sales:followup_detail", args=[self.pk])


class CheckIn(models.Model):
    visit = models.ForeignKey(VisitPlan, verbose_name=_("visit plan"), on_delete=models.CASCADE,
                              related_name="checkins")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT,
                             related_name="checkins")
    at = models.DateTimeField(_("time"))
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    accuracy_m = models.FloatField(_("accuracy (m)"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    photo = models.FileField(_("photo"), upload_to="checkins/%Y/%m/", blank=True, max_length=255)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["visit", "-at"], name="sales_checkin_visit_at")]

    def __str__(self) -> str:
        return f"{self.latitude}, {self.longitude}"


class Comment(models.Model):
    """A comment on any record; the target is ``model._meta.label_lower`` plus the primary key as text."""

    target_type = models.CharField(_("target type"), max_length=100)
    target_id = models.CharField(_("target id"), max_length=64)
    # Set when the target belongs to a customer, so the customer timeline can list the comments.
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=pgettext_lazy("comment", "author"), on_delete=models.PROTECT,
                               related_name="comments")
    body = models.TextField(_("comment"))
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("mentioned users"), blank=True,
                                      related_name="mentioned_in_comments")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "created_at", "id"], name="sales_comment_target"),
            models.Index(fields=["customer", "-created_at"], name="sales_comment_customer"),
        ]

    def __str__(self) -> str:
        return self.body[:40]
