"""Pipelines with ordered stages, opportunities (商机), their team members and stage history rows."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from forpcrm.core.models import (
    AliveManager,
    SoftDeleteModel,
    SoftDeleteQuerySet,
    TimeStampedModel,
    VersionedModel,
)
from forpcrm.org.access import OwnedAccess, ScopedQuerySet


class Pipeline(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_default = models.BooleanField(_("default pipeline"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.IntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class StageKind(models.TextChoices):
    OPEN = "open", _("open")
    WON = "won", _("won")
    LOST = "lost", _("lost")


# Fields a stage may require to be filled before an opportunity enters it.
REQUIRABLE_FIELDS = {
    "amount": _("amount"),
    "expected_close_date": _("expected close date"),
    "contact": _("primary contact"),
    "source": _("source"),
    "competitors": _("competitors"),
    "description": _("description"),
}


class Stage(models.Model):
    pipeline = models.ForeignKey(Pipeline, verbose_name=_("pipeline"), on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(_("name"), max_length=100)
    sort_order = models.IntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=StageKind.choices, default=StageKind.OPEN)
    probability = models.PositiveSmallIntegerField(
        _("win probability (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    required_fields = models.JSONField(_("required fields"), default=list, blank=True)
    requires_document = models.BooleanField(_("requires an attached document"), default=False)
    document_category = models.CharField(_("required document category"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["pipeline", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["pipeline", "name"], name="sales_stage_pipeline_name_uniq")]

    def __str__(self) -> str:
        return f"{self.name} ({self.probability}%)"

    @property
    def is_closed(self) -> bool:
        return self.kind != StageKind.OPEN


class OpportunityStatus(models.TextChoices):
    OPEN = "open", _("open")
    WON = "won", _("won")
    LOST = "lost", _("lost")


class OpportunityQuerySet(ScopedQuerySet, SoftDeleteQuerySet):
    pass


class Opportunity(TimeStampedModel, SoftDeleteModel, VersionedModel):
    name = models.CharField(_("opportunity name"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="opportunities"
    )
    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("primary contact"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="opportunities",
    )
    pipeline = models.ForeignKey(Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT,
                                 related_name="opportunities")
    stage = models.ForeignKey(Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="opportunities")
    status = models.CharField(_("status"), max_length=10, choices=OpportunityStatus.choices,
                              default=OpportunityStatus.OPEN, db_index=True)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    probability = models.PositiveSmallIntegerField(
        _("win probability (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    probability_overridden = models.BooleanField(_("probability set by hand"), default=False)
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    engaged_on = models.DateField(_("engaged on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True, db_index=True)
    cycle_days = models.IntegerField(_("sales cycle (days)"), null=True, blank=True)
    close_reason = models.CharField(_("won / lost reason"), max_length=255, blank=True)
    source = models.CharField(_("source"), max_length=60, blank=True)
    competitors = models.CharField(_("competitors"), max_length=255, blank=True)
    description = models.TextField(_("description"), blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="owned_opportunities")
    department = models.ForeignKey("org.Department", verbose_name=_("department"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="opportunities")
    external_ref = models.CharField(_("external reference"), max_length=64, blank=True, db_index=True)
    custom = models.JSONField(_("user-defined fields"), default=dict, blank=True)

    objects = AliveManager.from_queryset(OpportunityQuerySet)()
    all_objects = OpportunityQuerySet.as_manager()

    access = OwnedAccess(module="opportunities", owner_field="owner", department_field="department",
                         team_relation="team_members")

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["pipeline", "stage"], name="sales_opp_pipeline_stage"),
            models.Index(fields=["owner", "status"], name="sales_opp_owner_status"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def weighted_amount(self):
        from forpcrm.core.money import to_money

        return to_money(self.amount * self.probability / 100)


class OpportunityTeamMember(models.Model):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="team_members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="opportunity_teams")
    can_edit = models.BooleanField(_("may edit"), default=False)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        verbose_name = _("opportunity team member")
        verbose_name_plural = _("opportunity team members")
        constraints = [models.UniqueConstraint(fields=["opportunity", "user"], name="sales_oppteam_uniq")]

    def __str__(self) -> str:
        return f"{self.opportunity} · {self.user}"


class StageChange(models.Model):
    """One row per stage or status change: from, to, when, by whom."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(Stage, verbose_name=_("from stage"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    to_stage = models.ForeignKey(Stage, verbose_name=_("to stage"), on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(_("from status"), max_length=10, blank=True)
    to_status = models.CharField(_("to status"), max_length=10)
    probability = models.PositiveSmallIntegerField(_("probability after"), default=0)
    at = models.DateTimeField(_("at"), db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.from_stage_id} → {self.to_stage_id}"


# The parts of the sales app keep their models in sub-packages; Django finds them through this module.
from .activity.models import *  # noqa: E402, F403
from .leads.models import *  # noqa: E402, F403
from .reports.models import *  # noqa: E402, F403
