"""Models of sales.reports (imported by forpcrm/sales/models.py so Django finds them).

- ``SalesReport`` (销售汇报): a daily, weekly or monthly report of one author for one half-open period
  ``[period_start, period_end)``, with a summary snapshot of the CRM computed by the services.
- ``ReportRule`` (提交规则): who must submit which kind of report by when.
- ``Urge`` (督办): a manager asks the owner of a customer or an opportunity to do something by a date.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from forpcrm.core.models import TimeStampedModel, VersionedModel
from forpcrm.org.access import OwnedAccess, ScopedQuerySet, visible_q

__all__ = [
    "ReportKind", "ReportRule", "ReportStatus", "SalesReport", "SalesReportQuerySet", "Urge", "UrgeQuerySet",
    "UrgeStatus",
]


class ReportKind(models.TextChoices):
    DAILY = "daily", _("daily report")
    WEEKLY = "weekly", _("weekly report")
    MONTHLY = "monthly", _("monthly report")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    REVIEWED = "reviewed", _("reviewed")


class SalesReportQuerySet(ScopedQuerySet):
    pass


class SalesReport(TimeStampedModel, VersionedModel):
    """One report of one author for one period; ``summary`` is frozen once the report is submitted."""

    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end (exclusive)"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT,
                               related_name="sales_reports")
    department = models.ForeignKey("org.Department", verbose_name=_("department"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="sales_reports")
    done = models.TextField(_("work done"), blank=True)
    plans = models.TextField(_("plans"), blank=True)
    problems = models.TextField(_("problems and help needed"), blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    summary_at = models.DateTimeField(_("summary computed at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    objects = SalesReportQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at", "summary"])
    access = OwnedAccess(module="reports", owner_field="author", department_field="department")

    class Meta:
        verbose_name = _("sales report")
        verbose_name_plural = _("sales reports")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["author", "kind", "period_start"], name="sales_report_author_period_uniq"),
            models.CheckConstraint(condition=Q(period_end__gt=models.F("period_start")),
                                   name="sales_report_period_order"),
        ]
        indexes = [
            models.Index(fields=["author", "-period_start", "-id"], name="sales_report_author_idx"),
            models.Index(fields=["department", "-period_start", "-id"], name="sales_report_dept_idx"),
            models.Index(fields=["status", "-period_start", "-id"], name="sales_report_status_idx"),
            models.Index(fields=["kind", "period_start", "id"], name="sales_report_kind_idx"),
            models.Index(fields=["-submitted_at", "-id"], name="sales_report_submitted_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_start} · {self.author}"

    def get_absolute_url(self) -> str:
        return reverse("sales:report_detail", args=[self.pk])

    @property
    def period_label(self) -> str:
        """The period for display, its last day included (see ``periods.period_label``)."""
        from .periods import period_label

        return period_label(self.kind, self.period_start, self.period_end)

    @property
    def is_locked(self) -> bool:
        """Submitted and reviewed reports keep their text and summary."""
        return self.status != ReportStatus.DRAFT


class ReportRule(TimeStampedModel):
    """Who must submit ``kind`` reports, and the deadline: ``deadline_days`` after the period's end
    (the first day after the period) at ``deadline_time``, wall time of each user's own time zone.

    Targets: users in one of ``departments`` (with their sub-departments when
    ``include_subdepartments``) who hold one of ``roles`` — an empty list does not narrow — plus every
    user listed in ``users``. A rule with neither departments nor roles targets only its listed users.
    With ``skip_weekends`` (daily reports) Saturdays and Sundays need no report and a deadline that
    falls on a weekend moves to the Monday.
    """

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices)
    departments = models.ManyToManyField("org.Department", verbose_name=_("departments"), blank=True,
                                         related_name="report_rules")
    include_subdepartments = models.BooleanField(_("include sub-departments"), default=True)
    roles = models.ManyToManyField("org.Role", verbose_name=_("roles"), blank=True, related_name="report_rules")
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("users"), blank=True,
                                   related_name="report_rules")
    deadline_days = models.PositiveSmallIntegerField(
        _("deadline: days after the period"), default=0,
        help_text=_("0 = the first day after the period (daily: the next day; weekly: the next Monday; "
                    "monthly: the 1st)."))
    deadline_time = models.TimeField(_("deadline: local time"))
    skip_weekends = models.BooleanField(_("skip Saturdays and Sundays"), default=True)
    is_active = models.BooleanField(_("active"), default=True, db_index=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("report rule")
        verbose_name_plural = _("report rules")
        ordering = ["kind", "name", "id"]
        indexes = [models.Index(fields=["is_active", "kind", "id"], name="sales_reportrule_active_idx")]

    def __str__(self) -> str:
        return self.name


class UrgeStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("urge status", "open")
    ANSWERED = "answered", _("answered")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")


class UrgeQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """The creator, the assignee, and whoever's activities scope covers the assignee."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        q = visible_q(self.model, user)
        mine = Q(created_by_id=user.pk)
        return self.filter(mine if q is None else (q | mine))

    def open(self):
        return self.filter(status__in=[UrgeStatus.OPEN, UrgeStatus.ANSWERED])


class Urge(TimeStampedModel):
    """督办: ``created_by`` asks ``assignee`` to do ``what`` about a customer or an opportunity by ``due_at``.

    ``customer`` is always set (the opportunity's customer when the target is an opportunity), so the
    customer's timeline shows every urge about it.
    """

    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
                                 related_name="urges")
    opportunity = models.ForeignKey("sales.Opportunity", verbose_name=_("opportunity"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="urges")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assignee"), on_delete=models.PROTECT,
                                 related_name="urges_received")
    department = models.ForeignKey("org.Department", verbose_name=_("department"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="urges")
    what = models.TextField(_("what to do"))
    due_at = models.DateTimeField(_("due at"))
    status = models.CharField(_("status"), max_length=10, choices=UrgeStatus.choices, default=UrgeStatus.OPEN)
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalated_to = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("escalated to"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = UrgeQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])
    access = OwnedAccess(module="activities", owner_field="assignee", department_field="department")

    class Meta:
        verbose_name = _("urge")
        verbose_name_plural = _("urges")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["assignee", "status", "due_at", "id"], name="sales_urge_assignee_idx"),
            models.Index(fields=["created_by", "status", "due_at", "id"], name="sales_urge_creator_idx"),
            models.Index(fields=["department", "status", "due_at", "id"], name="sales_urge_dept_idx"),
            models.Index(fields=["status", "due_at", "id"], name="sales_urge_status_due_idx"),
            models.Index(fields=["customer", "-created_at", "-id"], name="sales_urge_customer_idx"),
            models.Index(fields=["opportunity", "-created_at", "-id"], name="sales_urge_opp_idx"),
        ]

    def __str__(self) -> str:
        return self.what[:60]

    def get_absolute_url(self) -> str:
        return reverse("sales:urge_detail", args=[self.pk])

    @property
    def target(self):
        return self.opportunity if self.opportunity_id else self.customer

    @property
    def is_closed(self) -> bool:
        return self.status in (UrgeStatus.DONE, UrgeStatus.CANCELLED)
