"""Writes of the product catalogue and of opportunity product lines."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from forpcrm.core.errors import PermissionDeniedError
from forpcrm.core.money import to_money
from forpcrm.org.access import require_perm
from forpcrm.org.models import Action, Module, User
from forpcrm.sales.models import Opportunity
from forpcrm.sales.services import opportunity_amount_from_lines

from .models import OpportunityLine, Product

PRODUCT_FIELDS = {"name", "code", "series", "unit", "list_price", "is_active"}


def _product_values(data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - PRODUCT_FIELDS
    if unknown:
        raise ValidationError({"__all__": [_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))}]})
    values = dict(data)
    if "name" in values:
        values["name"] = str(values["name"] or "").strip()
    if "list_price" in values:
        try:
            values["list_price"] = to_money(values["list_price"] if values["list_price"] not in (None, "") else 0)
        except ValueError as exc:
            raise ValidationError({"list_price": [_("Enter an amount.")]}) from exc
        if values["list_price"] < 0:
            raise ValidationError({"list_price": [_("The price may not be negative.")]})
    return values


@transaction.atomic
def product_create(*, by: User, data: dict[str, Any]) -> Product:
    require_perm(by, Module.PRODUCTS, Action.CREATE)
    values = _product_values(data)
    if not values.get("name"):
        raise ValidationError({"name": [_("A product needs a name.")]})
    if Product.objects.filter(name__iexact=values["name"]).exists():
        raise ValidationError({"name": [_("A product called “%(name)s” exists.") % {"name": values["name"]}]})
    product = Product(created_by=by, updated_by=by, **values)
    product.full_clean(exclude=["created_by", "updated_by"])
    product.save()
    return product


@transaction.atomic
def product_update(*, product: Product, by: User, data: dict[str, Any]) -> Product:
    require_perm(by, Module.PRODUCTS, Action.EDIT)
    values = _product_values(data)
    if "name" in values and Product.objects.filter(name__iexact=values["name"]).exclude(pk=product.pk).exists():
        raise ValidationError({"name": [_("A product called “%(name)s” exists.") % {"name": values["name"]}]})
    for key, value in values.items():
        setattr(product, key, value)
    product.updated_by = by
    product.full_clean(exclude=["created_by", "updated_by"])
    product.save()
    return product


def line_subtotal(quantity: Decimal, unit_price: Decimal, discount: Decimal) -> Decimal:
    return to_money(Decimal(quantity) * Decimal(unit_price) * (Decimal(100) - Decimal(discount)) / Decimal(100))


@transaction.atomic
def opportunity_lines_set(*, opportunity: Opportunity, by: User, lines: list[dict[str, Any]]) -> list[OpportunityLine]:
    """Replace the product lines; the header amount becomes their total (when lines exist).

    Each line: product (Product or id), quantity (default 1), unit_price (default the list price),
    discount in percent (default 0)."""
    if not Opportunity.objects.editable_by(by).filter(pk=opportunity.pk).exists():
        raise PermissionDeniedError(_("You may not change this opportunity."))
    built = []
    for index, line in enumerate(lines):
        product = line.get("product")
        if not isinstance(product, Product):
            product = Product.objects.filter(pk=product).first()
        if product is None:
            raise ValidationError({"lines": [_("Line %(n)d: choose a product.") % {"n": index + 1}]})
        try:
            quantity = Decimal(str(line.get("quantity") if line.get("quantity") not in (None, "") else 1))
            unit_price = to_money(line["unit_price"] if line.get("unit_price") not in (None, "") else product.list_price)
            discount = Decimal(str(line.get("discount") or 0))
        except (ValueError, ArithmeticError) as exc:
            raise ValidationError({"lines": [_("Line %(n)d: enter numbers.") % {"n": index + 1}]}) from exc
        if quantity <= 0 or unit_price < 0 or not 0 <= discount <= 100:
            raise ValidationError({"lines": [
                _("Line %(n)d: quantity above 0, price not negative, discount 0–100 %%.") % {"n": index + 1}]})
        built.append(OpportunityLine(opportunity=opportunity, product=product, quantity=quantity,
                                     unit_price=unit_price, discount=discount,
                                     subtotal=line_subtotal(quantity, unit_price, discount), sort_order=index))
    OpportunityLine.objects.filter(opportunity=opportunity).delete()
    OpportunityLine.objects.bulk_create(built)
    if built:
        opportunity_amount_from_lines(opportunity=opportunity, amount=sum(li.subtotal for li in built), by=by)
    return built
