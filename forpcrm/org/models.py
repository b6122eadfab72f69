"""Departments (a tree kept as a materialised path), users, roles with action permissions and data scopes."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

PATH_STEP = 5  # each level of Department.path is a zero-padded id of this width followed by "/"


class Department(models.Model):
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent department"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path "00001/00004/00012/": a subtree is one index range scan (path LIKE 'prefix%').
    path = models.CharField(_("path"), max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    manager = models.ForeignKey(
        "org.User", verbose_name=_("department head"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="headed_departments",
    )
    sort_order = models.IntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["path", "id"]

    def __str__(self) -> str:
        return self.name

    def ancestors_and_self(self) -> list["Department"]:
        ids = [int(p) for p in self.path.strip("/").split("/") if p]
        by_id = Department.objects.in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]

    @property
    def full_name(self) -> str:
        return " › ".join(d.name for d in self.ancestors_and_self())


class DataScope(models.IntegerChoices):
    """Ordered from narrowest to widest so that the widest grant is simply the maximum."""

    OWN = 10, _("own records")
    OWN_AND_SUBORDINATES = 20, _("own and subordinates' records")
    DEPARTMENT = 30, _("own department")
    DEPARTMENT_TREE = 40, _("department and sub-departments")
    ALL = 50, _("all records")


class Module(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    CONTACTS = "contacts", _("Contacts")
    POOL = "pool", _("Public pool")
    IMPORTS = "imports", _("Import and export")
    ADMINISTRATION = "administration", _("Administration")
    OPPORTUNITIES = "opportunities", _("Opportunities")
    PRODUCTS = "products", _("Products")
    ACTIVITIES = "activities", _("Follow-ups and visits")
    REPORTS = "reports", _("Sales reports")
    LEADS = "leads", _("Leads")


class Action(models.TextChoices):
    VIEW = "view", _("view")
    CREATE = "create", _("create")
    EDIT = "edit", _("edit")
    DELETE = "delete", _("delete")
    EXPORT = "export", _("export")
    IMPORT = "import", _("import")
    TRANSFER = "transfer", _("transfer")
    CONFIGURE = "configure", _("configure")


class Role(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_builtin = models.BooleanField(_("built-in template"), default=False)
    # Public pool: how many customers a holder of this role may own at once (None: no cap).
    max_owned_customers = models.PositiveIntegerField(_("maximum owned customers"), null=True, blank=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class RoleGrant(models.Model):
    """What a role may do in one module and over which records."""

    role = models.ForeignKey(Role, verbose_name=_("role"), on_delete=models.CASCADE, related_name="grants")
    module = models.CharField(_("module"), max_length=40, choices=Module.choices)
    actions = models.JSONField(_("actions"), default=list, blank=True)
    scope = models.PositiveSmallIntegerField(_("data scope"), choices=DataScope.choices, default=DataScope.OWN)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [models.UniqueConstraint(fields=["role", "module"], name="org_rolegrant_role_module_uniq")]

    def __str__(self) -> str:
        return f"{self.role} · {self.module}"

    @property
    def action_labels(self) -> list[str]:
        """The granted actions as translated labels, in the order of `Action`."""
        labels = dict(Action.choices)
        return [str(labels[a]) for a in Action.values if a in (self.actions or [])] + [
            str(a) for a in (self.actions or []) if a not in labels]


class ForpUserManager(UserManager):
    pass


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="members",
    )
    manager = models.ForeignKey(
        "self", verbose_name=_("direct manager"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="direct_reports",
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    roles = models.ManyToManyField(Role, verbose_name=_("roles"), blank=True, related_name="users")
    language = models.CharField(
        _("language"), max_length=10, blank=True, choices=[("zh-hans", "简体中文"), ("en", "English")]
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")

    objects = ForpUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def label(self) -> str:
        return str(self)
