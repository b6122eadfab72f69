"""Customers (companies), their contacts, team members, ownership log and public-pool rules."""

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
from forpcrm.org.access import ChildAccess, OwnedAccess, ScopedQuerySet


class CustomerQuerySet(ScopedQuerySet, SoftDeleteQuerySet):
    pass


class CustomerStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    IN_PROGRESS = "in_progress", _("In progress")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    INACTIVE = "inactive", _("Inactive")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Customer(TimeStampedModel, SoftDeleteModel, VersionedModel):
    name = models.CharField(_("customer name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True, db_index=True)
    industry = models.CharField(_("industry"), max_length=60, blank=True, db_index=True)
    source = models.CharField(_("source"), max_length=60, blank=True, db_index=True)
    level = models.CharField(_("level"), max_length=20, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=CustomerStatus.choices, default=CustomerStatus.PROSPECT, db_index=True
    )
    country = models.CharField(_("country"), max_length=60, blank=True)
    province = models.CharField(_("province"), max_length=40, blank=True, db_index=True)
    city = models.CharField(_("city"), max_length=40, blank=True)
    district = models.CharField(_("district"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    website = models.URLField(_("website"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    founded_year = models.PositiveSmallIntegerField(_("year founded"), null=True, blank=True)
    revenue = models.DecimalField(_("annual revenue (millions)"), max_digits=14, decimal_places=2, null=True, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    credit_limit = models.DecimalField(_("credit limit"), max_digits=18, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    parent = models.ForeignKey(
        "self", verbose_name=_("parent company"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="subsidiaries",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="owned_customers",
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="customers",
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="customers")
    # The tag names as text ("a, b"), kept by services next to the M2M so that history shows tag changes
    # and a stale save can be merged for tags like for any other field.
    tag_names = models.CharField(_("tags"), max_length=1000, blank=True, editable=False)
    remarks = models.TextField(_("remarks"), blank=True)
    custom = models.JSONField(_("user-defined fields"), default=dict, blank=True)

    last_followup_at = models.DateTimeField(_("last follow-up"), null=True, blank=True, db_index=True)
    next_followup_at = models.DateTimeField(_("next follow-up"), null=True, blank=True, db_index=True)
    last_won_at = models.DateTimeField(_("last won deal"), null=True, blank=True)
    owned_since = models.DateTimeField(_("owned since"), null=True, blank=True)
    pool_entered_at = models.DateTimeField(_("in the pool since"), null=True, blank=True)
    previous_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("previous owner"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    pool_warned_at = models.DateTimeField(_("pool return warned at"), null=True, blank=True)

    # Derived keys, maintained by services: duplicate matching and substring/pinyin search.
    name_key = models.CharField(max_length=200, blank=True, db_index=True, editable=False)
    phone_key = models.CharField(max_length=20, blank=True, db_index=True, editable=False)
    email_key = models.CharField(max_length=254, blank=True, db_index=True, editable=False)
    search_text = models.TextField(blank=True, editable=False)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        editable=False,
    )

    objects = AliveManager.from_queryset(CustomerQuerySet)()
    all_objects = CustomerQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["search_text", "name_key", "phone_key", "email_key", "updated_at"])
    access = OwnedAccess(module="customers", team_relation="team_members", pool_module="pool")

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-updated_at", "-id"], name="cust_owner_updated_idx"),
            models.Index(fields=["department", "-updated_at", "-id"], name="cust_dept_updated_idx"),
            models.Index(fields=["-updated_at", "-id"], name="cust_updated_idx"),
            models.Index(fields=["-created_at", "-id"], name="cust_created_idx"),
            models.Index(fields=["name", "id"], name="cust_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_in_pool(self) -> bool:
        return self.owner_id is None


class CustomerTeamMember(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="team_members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+")
    can_edit = models.BooleanField(_("may edit"), default=False)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [models.UniqueConstraint(fields=["customer", "user"], name="cust_team_customer_user_uniq")]
        indexes = [models.Index(fields=["user", "customer"], name="cust_team_user_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id}:{self.user_id}"


class OwnershipAction(models.TextChoices):
    CREATE = "create", _("Created")
    CLAIM = "claim", _("Claimed from the pool")
    RELEASE = "release", _("Released to the pool")
    ASSIGN = "assign", _("Assigned")
    TRANSFER = "transfer", _("Transferred")
    AUTO_RETURN = "auto_return", _("Returned to the pool by rule")
    MERGE = "merge", _("Merged")


class OwnershipLog(models.Model):
    """Every change of owner: from, to, why, by whom. Append-only."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="ownership_log")
    action = models.CharField(_("action"), max_length=20, choices=OwnershipAction.choices)
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("from"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("to"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("ownership change")
        verbose_name_plural = _("ownership changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "-at"], name="cust_ownlog_customer_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.action}"


class PoolRule(models.Model):
    """When an owned customer returns to the pool. A rule with an empty level is the default."""

    level = models.CharField(_("customer level"), max_length=20, blank=True, unique=True)
    days_without_followup = models.PositiveIntegerField(_("days without a follow-up"), null=True, blank=True)
    days_without_won = models.PositiveIntegerField(_("days without a won deal"), null=True, blank=True)
    exempt_won_customers = models.BooleanField(_("won customers are exempt"), default=True)
    reclaim_block_days = models.PositiveIntegerField(_("days before the previous owner may reclaim"), default=0)
    warn_days_before = models.PositiveIntegerField(_("warn the owner this many days before"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("pool rule")
        verbose_name_plural = _("pool rules")
        ordering = ["level"]

    def __str__(self) -> str:
        return self.level or "*"


class ContactQuerySet(ScopedQuerySet, SoftDeleteQuerySet):
    pass


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    UNKNOWN = "", _("Unknown")


class Contact(TimeStampedModel, SoftDeleteModel, VersionedModel):
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contacts")
    name = models.CharField(_("name"), max_length=100)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    department_name = models.CharField(_("department"), max_length=100, blank=True)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True)
    office_phone = models.CharField(_("office phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    wechat = models.CharField(_("WeChat"), max_length=60, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    decision_role = models.CharField(_("decision role"), max_length=40, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    remarks = models.TextField(_("remarks"), blank=True)
    custom = models.JSONField(_("user-defined fields"), default=dict, blank=True)

    mobile_key = models.CharField(max_length=20, blank=True, db_index=True, editable=False)
    office_key = models.CharField(max_length=20, blank=True, db_index=True, editable=False)
    email_key = models.CharField(max_length=254, blank=True, db_index=True, editable=False)
    search_text = models.TextField(blank=True, editable=False)

    objects = AliveManager.from_queryset(ContactQuerySet)()
    all_objects = ContactQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["search_text", "mobile_key", "office_key", "email_key", "updated_at"])
    access = ChildAccess(module="contacts", parent_field="customer")

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-is_primary", "id"], name="contact_customer_idx"),
            models.Index(fields=["-updated_at", "-id"], name="contact_updated_idx"),
            models.Index(fields=["name", "id"], name="contact_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name
