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
        built_line = _line(index, {**line, "product": product})
        built_line.opportunity = opportunity
        built.append(built_line)
    OpportunityLine.objects.filter(opportunity=opportunity).delete()
    OpportunityLine.objects.bulk_create(built)
    if built:
        opportunity_amount_from_lines(opportunity=opportunity, amount=sum(li.subtotal for li in built), by=by)
    return built


def opportunities_create_with_lines_batch(*, by: User, rows: list[dict[str, Any]],
                                          lines: list[list[dict[str, Any]]],
                                          owners: list[User | None] | None = None) -> list:
    """Create many opportunities with their product lines in one transaction (the import's fast path).

    ``lines[i]`` are the lines of ``rows[i]`` (product as a Product, quantity, unit_price, discount), checked
    like ``opportunity_lines_set``; a row with lines gets the lines' total as its header amount. Row
    checks are those of ``sales.services.opportunities_create_batch``; returns its BatchRow list (a row
    whose lines are wrong has its error and is not written)."""
    from forpcrm.sales.services import BatchRow, opportunities_create_batch

    prepared: list[tuple[int, list[OpportunityLine]]] = []
    results: list[BatchRow | None] = [None] * len(rows)
    to_create, owners_in, positions = [], [], []
    line_errors: list[tuple[int, ValidationError]] = []
    for position, (data, row_lines) in enumerate(zip(rows, lines, strict=True)):
        try:
            built = [_line(index, line) for index, line in enumerate(row_lines)]
        except ValidationError as exc:
            line_errors.append((position, exc))
            continue
        data = dict(data)
        if built:
            data["amount"] = sum((line.subtotal for line in built), Decimal("0.00"))
        to_create.append(data)
        owners_in.append(owners[position] if owners is not None else None)
        positions.append(position)
        prepared.append((position, built))
    if line_errors:
        # the opportunity's own checks come first, as in opportunity_create then opportunity_lines_set
        checked = opportunities_create_batch(by=by, rows=[rows[p] for p, _exc in line_errors], write=False,
                                             owners=[owners[p] if owners is not None else None
                                                     for p, _exc in line_errors])
        for (position, exc), row in zip(line_errors, checked, strict=True):
            results[position] = BatchRow(error=row.error or exc)
    with transaction.atomic():
        created = opportunities_create_batch(by=by, rows=to_create, owners=owners_in)
        new_lines = []
        for (position, built), row in zip(prepared, created, strict=True):
            results[position] = row
            if row.opportunity is not None:
                for line in built:
                    line.opportunity = row.opportunity
                    new_lines.append(line)
        OpportunityLine.objects.bulk_create(new_lines, batch_size=500)
    return results  # type: ignore[return-value]


def _line(index: int, line: dict[str, Any]) -> OpportunityLine:
    """One checked, unsaved line (the rules of opportunity_lines_set)."""
    product = line.get("product")
    if not isinstance(product, Product):
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
    return OpportunityLine(product=product, quantity=quantity, unit_price=unit_price, discount=discount,
                           subtotal=line_subtotal(quantity, unit_price, discount), sort_order=index)
