"""Models of sales.leads (imported by forpcrm/sales/models.py so Django finds them).

A lead (线索) is a first contact with a company and a person that is not yet a customer. Qualified
leads are converted into a customer, a contact and an opportunity in one transaction
(``forpcrm.sales.leads.services.lead_convert``); the lead then points at the records it became.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from forpcrm.core.models import (
    AliveManager,
    SoftDeleteModel,
    SoftDeleteQuerySet,
    TimeStampedModel,
    VersionedModel,
)
from forpcrm.org.access import OwnedAccess, ScopedQuerySet

__all__ = ["Lead", "LeadQuerySet", "LeadStatus"]


class LeadStatus(models.TextChoices):
    NEW = "new", _("new")
    CONTACTED = "contacted", _("contacted")
    QUALIFIED = "qualified", _("qualified")
    CONVERTED = "converted", _("converted")
    DISQUALIFIED = "disqualified", _("disqualified")


class LeadQuerySet(ScopedQuerySet, SoftDeleteQuerySet):
    pass


class Lead(TimeStampedModel, SoftDeleteModel, VersionedModel):
    company_name = models.CharField(_("company name"), max_length=200)
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    wechat = models.CharField(_("WeChat"), max_length=60, blank=True)
    province = models.CharField(_("province"), max_length=40, blank=True)
    city = models.CharField(_("city"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    source = models.CharField(_("source"), max_length=60, blank=True, db_index=True)
    industry = models.CharField(_("industry"), max_length=60, blank=True)
    requirement = models.TextField(_("requirement / notes"), blank=True)
    estimated_amount = models.DecimalField(_("estimated amount"), max_digits=18, decimal_places=2, null=True,
                                           blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="owned_leads")
    department = models.ForeignKey("org.Department", verbose_name=_("department"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="leads")
    status = models.CharField(_("status"), max_length=20, choices=LeadStatus.choices, default=LeadStatus.NEW)
    disqualify_reason = models.CharField(_("disqualification reason"), max_length=255, blank=True)
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)
    converted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("converted by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    converted_customer = models.ForeignKey("customers.Customer", verbose_name=_("converted customer"), null=True,
                                           blank=True, on_delete=models.SET_NULL, related_name="leads")
    converted_contact = models.ForeignKey("customers.Contact", verbose_name=_("converted contact"), null=True,
                                          blank=True, on_delete=models.SET_NULL, related_name="leads")
    converted_opportunity = models.ForeignKey("sales.Opportunity", verbose_name=_("converted opportunity"),
                                              null=True, blank=True, on_delete=models.SET_NULL, related_name="leads")
    # Folded company and contact name, pinyin, phone digits and e-mail: one LIKE serves the list search.
    search_text = models.TextField(blank=True, editable=False)

    objects = AliveManager.from_queryset(LeadQuerySet)()
    all_objects = LeadQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["search_text", "updated_at"])

    access = OwnedAccess(module="leads", owner_field="owner", department_field="department")

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at", "-id"], name="sales_lead_owner_created"),
            models.Index(fields=["department", "-created_at", "-id"], name="sales_lead_dept_created"),
            models.Index(fields=["status", "-created_at", "-id"], name="sales_lead_status_created"),
            models.Index(fields=["-created_at", "-id"], name="sales_lead_created"),
            models.Index(fields=["-updated_at", "-id"], name="sales_lead_updated"),
            models.Index(fields=["company_name", "id"], name="sales_lead_company"),
            models.Index(fields=["estimated_amount", "id"], name="sales_lead_amount"),
            models.Index(fields=["converted_customer", "-converted_at"], name="sales_lead_conv_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.company_name} · {self.contact_name}" if self.contact_name else self.company_name

    @property
    def is_open(self) -> bool:
        return self.status not in (LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED)
