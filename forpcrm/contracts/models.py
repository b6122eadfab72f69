"""The product catalogue and the product lines of opportunities.

Lines live here, above sales in the layering: a line knows its opportunity, the sales app knows
nothing of products. After every change of lines, ``contracts.services`` asks the sales service
``opportunity_amount_from_lines`` to set the header amount to the lines' total.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from forpcrm.core.models import TimeStampedModel


class ProductQuerySet(models.QuerySet):
    """The catalogue is shared: whoever may view products sees all of them."""

    def visible_to(self, user):
        from forpcrm.org.access import has_perm
        from forpcrm.org.models import Action, Module

        return self if has_perm(user, Module.PRODUCTS, Action.VIEW) else self.none()

    def editable_by(self, user):
        from forpcrm.org.access import has_perm
        from forpcrm.org.models import Action, Module

        return self if has_perm(user, Module.PRODUCTS, Action.EDIT) else self.none()


class Product(TimeStampedModel):
    name = models.CharField(_("product name"), max_length=200, unique=True)
    code = models.CharField(_("product code"), max_length=60, blank=True, db_index=True)
    series = models.CharField(_("series / category"), max_length=100, blank=True, db_index=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    list_price = models.DecimalField(_("list price"), max_digits=18, decimal_places=2, default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["series", "name", "id"]

    def __str__(self) -> str:
        return self.name


class OpportunityLine(models.Model):
    opportunity = models.ForeignKey("sales.Opportunity", on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT,
                                related_name="opportunity_lines")
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=2, default=1)
    unit_price = models.DecimalField(_("unit price"), max_digits=18, decimal_places=2)
    discount = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2, default=0)
    subtotal = models.DecimalField(_("subtotal"), max_digits=18, decimal_places=2)
    sort_order = models.IntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("opportunity line")
        verbose_name_plural = _("opportunity lines")
        ordering = ["opportunity", "sort_order", "id"]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"
