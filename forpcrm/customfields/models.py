"""Definitions of user-defined fields. Values live in a JSONField (`custom`) on each entity."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class FieldType(models.TextChoices):
    TEXT = "text", _("text")
    LONG_TEXT = "long_text", _("long text")
    NUMBER = "number", _("number")
    MONEY = "money", _("money")
    DATE = "date", _("date")
    DATETIME = "datetime", _("date and time")
    CHOICE = "choice", _("single choice")
    MULTI_CHOICE = "multi_choice", _("multiple choice")
    BOOLEAN = "boolean", _("yes/no")
    USER = "user", _("user")
    PHONE = "phone", _("phone")
    EMAIL = "email", _("e-mail")
    URL = "url", _("URL")


class Entity(models.TextChoices):
    CUSTOMER = "customer", _("customer")
    CONTACT = "contact", _("contact")
    OPPORTUNITY = "opportunity", _("opportunity")


class FieldDefinition(models.Model):
    entity = models.CharField(_("entity"), max_length=40, choices=Entity.choices, db_index=True)
    code = models.SlugField(_("code"), max_length=50, help_text=_("Key used in the API, imports and exports."))
    label = models.CharField(_("label"), max_length=100)
    label_en = models.CharField(_("English label"), max_length=100, blank=True)
    field_type = models.CharField(_("type"), max_length=20, choices=FieldType.choices)
    required = models.BooleanField(_("required"), default=False)
    default = models.JSONField(_("default"), null=True, blank=True)
    help_text = models.CharField(_("help text"), max_length=255, blank=True)
    # For choice types: [{"value": "a", "label": "…", "label_en": "…"}, …]
    options = models.JSONField(_("options"), default=list, blank=True)
    sort_order = models.IntegerField(_("order"), default=0)
    show_in_list = models.BooleanField(_("shown in list"), default=False)
    is_searchable = models.BooleanField(_("searchable"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("user-defined field")
        verbose_name_plural = _("user-defined fields")
        ordering = ["entity", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["entity", "code"], name="customfields_entity_code_uniq")]

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        if (get_language() or "").startswith("en") and self.label_en:
            return self.label_en
        return self.label

    def option_label(self, value: str) -> str:
        english = (get_language() or "").startswith("en")
        for option in self.options or []:
            if str(option.get("value")) == str(value):
                return (english and option.get("label_en")) or option.get("label") or str(value)
        return str(value)


class PicklistKind(models.TextChoices):
    INDUSTRY = "industry", _("industry")
    SOURCE = "source", _("source")
    LEVEL = "level", _("level")
    DECISION_ROLE = "decision_role", _("decision role")
    RELEASE_REASON = "release_reason", _("release reason")


class PicklistOption(models.Model):
    """Administrator-maintained values of the built-in list fields (industry, source, level, …)."""

    kind = models.CharField(_("list"), max_length=30, choices=PicklistKind.choices, db_index=True)
    value = models.CharField(_("value"), max_length=60)
    label = models.CharField(_("label"), max_length=100)
    label_en = models.CharField(_("English label"), max_length=100, blank=True)
    sort_order = models.IntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("list value")
        verbose_name_plural = _("list values")
        ordering = ["kind", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="customfields_picklist_kind_value_uniq")]

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        if (get_language() or "").startswith("en") and self.label_en:
            return self.label_en
        return self.label
