"""Import definitions for the product catalogue and for opportunities, registered with the engine.

Both live here because opportunity rows name products, and products sit in this app, above sales:
the opportunity definition writes through the sales services and sets the product line through
``opportunity_lines_set``.

Options an opportunity preset may set (see forpcrm/sales/presets/maven_pipeline.json):

- ``pipeline``: {"name": ..., "stages": [{"name", "kind", "probability"}, ...]} created when missing;
- ``product_aliases``: {"name in the file": "name in the catalogue"}; the run's notes list each
  alias used with its row count, and rows naming an unknown product fail with a message saying so;
- ``missing_customer``: the name of a placeholder customer that takes rows without an account
  (created on first use, owned by the importing user); without it those rows fail;
- ``amount_default``: "list_price" gives rows without a value the product's list price;
- ``match_deleted``: rows also match opportunities in the recycle bin (with create mode: the demo
  never re-creates what a user deleted, never changes what exists).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from forpcrm.core.errors import ApplicationError
from forpcrm.core.money import to_money
from forpcrm.customers.importers import custom_specs, customer_by_name
from forpcrm.customers.models import Customer
from forpcrm.customers.services import customer_create
from forpcrm.customfields.models import Entity
from forpcrm.imports.engine import BatchOutcome, EntityDefinition, ImportResult, Match, register
from forpcrm.imports.fields import FieldSpec, ImportContext
from forpcrm.imports.models import ImportMode
from forpcrm.org.models import Module
from forpcrm.sales.models import Opportunity, OpportunityStatus, Stage
from forpcrm.sales.services import opportunity_create, opportunity_update, pipeline_get_or_create

from .models import OpportunityLine, Product
from .services import (
    line_subtotal,
    opportunities_create_with_lines_batch,
    opportunity_lines_set,
    product_create,
    product_update,
)


class ProductDefinition(EntityDefinition):
    name = "products"
    label = gettext_lazy("Products")
    module = Module.PRODUCTS
    match_fields = [("code", gettext_lazy("product code")), ("name", gettext_lazy("name"))]
    default_match_on = ["code", "name"]

    def fields(self, ctx: ImportContext) -> list[FieldSpec]:
        return [
            FieldSpec("name", gettext_lazy("product name"), required=True, max_length=200,
                      aliases=("product", "产品", "产品名称", "商品名称")),
            FieldSpec("code", gettext_lazy("product code"), max_length=60, aliases=("产品编码", "编码", "sku")),
            FieldSpec("series", gettext_lazy("series / category"), max_length=100,
                      aliases=("系列", "分类", "category", "产品系列")),
            FieldSpec("unit", gettext_lazy("unit"), max_length=20, aliases=("单位",)),
            FieldSpec("price", gettext_lazy("list price"), kind="money",
                      aliases=("list price", "sales price", "单价", "价格", "标准价")),
            FieldSpec("is_active", gettext_lazy("active"), kind="bool", aliases=("启用", "active")),
        ]

    def find(self, values: dict[str, Any], ctx: ImportContext) -> Match | None:
        for key in ctx.match_on:
            value = values.get(key)
            if not value:
                continue
            found = list(Product.objects.filter(**{f"{key}__iexact": value}).order_by("id")[:2])
            if len(found) > 1:
                raise ValueError(_("Matches several products: %(names)s.") % {"names": ", ".join(map(str, found))})
            if found:
                return Match(found[0], found[0].name)
        return None

    def _data(self, values: dict[str, Any]) -> dict[str, Any]:
        data = {k: v for k, v in values.items() if k in ("name", "code", "series", "unit", "is_active")}
        if "price" in values:
            data["list_price"] = values["price"]
        return data

    def create(self, values: dict[str, Any], ctx: ImportContext) -> Product:
        return product_create(by=ctx.user, data=self._data(values))

    def update(self, match: Match, values: dict[str, Any], ctx: ImportContext) -> bool:
        product: Product = match.record
        changed = {k: v for k, v in self._data(values).items() if getattr(product, k) != v}
        if changed:
            product_update(product=product, by=ctx.user, data=changed)
        return bool(changed)


def _product(value: Any, ctx: ImportContext) -> Product:
    """A catalogue product by name, through the preset's alias table; each alias use is counted."""
    text = str(value).strip()
    aliases = ctx.options.get("product_aliases") or {}
    name = aliases.get(text, text)
    cache = ctx.cache.setdefault("products", {})
    if name.lower() not in cache:
        cache[name.lower()] = Product.objects.filter(name__iexact=name).first()
    product = cache[name.lower()]
    if product is None:
        raise ValueError(_("No product “%(name)s” in the catalogue; add it or map the name in the preset's "
                           "product_aliases.") % {"name": text})
    if name != text:
        ctx.cache.setdefault("aliases_used", Counter())[(text, product.name)] += 1
    return product


def _customer(text: str, ctx: ImportContext) -> Customer:
    customer = customer_by_name(text, ctx)
    if customer is None:
        raise ValueError(_("No customer “%(name)s” that you can see; import the accounts first or fix the name.")
                         % {"name": text})
    return customer


def _stage(text: str, ctx: ImportContext) -> Stage:
    stages = ctx.cache.get("stages") or {}
    stage = stages.get(text.lower())
    if stage is None:
        raise ValueError(_("“%(value)s” is not a stage of the pipeline (%(choices)s).")
                         % {"value": text, "choices": ", ".join(s.name for s in stages.values())})
    return stage


def _matchable(ctx: ImportContext):
    """Opportunities a row may match: alive ones, or with the option ``match_deleted`` (the demo) those in
    the recycle bin too, so that a deleted record is never created again."""
    return Opportunity.all_objects if ctx.options.get("match_deleted") else Opportunity.objects


def _custom_of(values: dict[str, Any]) -> dict[str, Any]:
    """The user-defined values of a parsed row (columns ``custom.<code>``)."""
    return {key.removeprefix("custom."): value for key, value in values.items() if key.startswith("custom.")}


class OpportunityDefinition(EntityDefinition):
    name = "opportunities"
    label = gettext_lazy("Opportunities")
    module = Module.OPPORTUNITIES
    match_fields = [("external_ref", gettext_lazy("external reference"))]
    default_match_on = ["external_ref"]

    def fields(self, ctx: ImportContext) -> list[FieldSpec]:
        return [
            FieldSpec("external_ref", gettext_lazy("external reference"), max_length=64,
                      aliases=("opportunity_id", "opportunity id", "商机编号", "编号", "id")),
            FieldSpec("name", gettext_lazy("opportunity name"), max_length=200, aliases=("商机名称", "名称", "opportunity")),
            FieldSpec("owner", gettext_lazy("owner"), kind="user",
                      aliases=("sales agent", "agent", "负责人", "销售", "销售代表")),
            FieldSpec("customer", gettext_lazy("customer"), kind="fk", lookup=_customer,
                      aliases=("account", "客户", "客户名称", "公司")),
            FieldSpec("product", gettext_lazy("product"), kind="custom", parse=_product, aliases=("产品", "产品名称")),
            FieldSpec("stage", gettext_lazy("stage"), kind="fk", lookup=_stage, required=True,
                      aliases=("deal stage", "deal_stage", "阶段", "销售阶段")),
            FieldSpec("engaged_on", gettext_lazy("engaged on"), kind="date", aliases=("engage date", "开始日期")),
            FieldSpec("closed_on", gettext_lazy("closed on"), kind="date", aliases=("close date", "成交日期", "关闭日期")),
            FieldSpec("expected_close_date", gettext_lazy("expected close date"), kind="date",
                      aliases=("预计成交日期",)),
            FieldSpec("amount", gettext_lazy("amount"), kind="money", aliases=("close value", "金额", "商机金额")),
            FieldSpec("close_reason", gettext_lazy("won / lost reason"), max_length=255, aliases=("原因", "输赢原因")),
            FieldSpec("source", gettext_lazy("source"), max_length=60, aliases=("来源",)),
            FieldSpec("description", gettext_lazy("description"), aliases=("描述", "备注")),
            *custom_specs(Entity.OPPORTUNITY),
        ]

    def begin(self, ctx: ImportContext) -> None:
        spec = ctx.options.get("pipeline") or {}
        if spec.get("name"):
            pipeline = pipeline_get_or_create(by=ctx.user, name=spec["name"], stages=spec.get("stages") or [])
            ctx.cache["pipeline"] = pipeline
            ctx.cache["stages"] = {s.name.lower(): s for s in pipeline.stages.all()}
        else:
            # Without a pipeline option, stage names resolve in the default pipeline first.
            ordered = Stage.objects.filter(pipeline__is_active=True).order_by("pipeline__is_default", "-pipeline_id")
            ctx.cache["stages"] = {s.name.lower(): s for s in ordered}
        ctx.cache["placeholder_rows"] = 0

    def find(self, values: dict[str, Any], ctx: ImportContext) -> Match | None:
        ref = values.get("external_ref")
        if not ref:
            return None
        found = _matchable(ctx).filter(external_ref=ref).select_related("stage").first()
        if found is None:
            return None
        editable = Opportunity.objects.editable_by(ctx.user).filter(pk=found.pk).exists()
        return Match(found, f"{ref} {found.name}", editable=editable)

    def _customer(self, values: dict[str, Any], ctx: ImportContext) -> Customer:
        customer = values.get("customer")
        if customer is not None:
            return customer
        placeholder = ctx.options.get("missing_customer")
        if not placeholder:
            raise ValidationError({"customer": [_("The row names no customer; choose a placeholder customer in the "
                                                  "mapping (missing_customer) or fill it in.")]})
        customer = ctx.cache.get(("placeholder", placeholder))
        if customer is None:
            # cached only once found: one created by a row that then failed is rolled back with that row
            customer = ctx.cache[("placeholder", placeholder)] = Customer.objects.filter(name=placeholder).first()
        if customer is None:
            customer = customer_create(by=ctx.user, data={"name": placeholder, "remarks": _(
                "Placeholder for imported opportunities without an account.")}, confirm_duplicates=True)
            ctx.notes.append(_("Placeholder customer “%(name)s” created.") % {"name": placeholder})
        ctx.cache["placeholder_rows"] = ctx.cache.get("placeholder_rows", 0) + 1
        return customer

    def _amount(self, values: dict[str, Any], ctx: ImportContext) -> Decimal:
        if values.get("amount") is not None:
            return to_money(values["amount"])
        product = values.get("product")
        if product is not None and ctx.options.get("amount_default") == "list_price":
            return product.list_price
        return Decimal("0.00")

    def _data(self, values: dict[str, Any], ctx: ImportContext) -> dict[str, Any]:
        customer = self._customer(values, ctx)
        product = values.get("product")
        name = values.get("name") or " · ".join(str(p) for p in (product, customer.name) if p)
        data = {"name": name, "customer": customer, "stage": values["stage"], "amount": self._amount(values, ctx)}
        for key in ("external_ref", "engaged_on", "closed_on", "expected_close_date", "close_reason", "source",
                    "description"):
            if values.get(key) not in (None, ""):
                data[key] = values[key]
        if values.get("owner") is not None:
            data["owner"] = values["owner"]
        return data

    def _lines(self, opportunity: Opportunity, values: dict[str, Any], amount: Decimal, ctx: ImportContext,
               new: bool = False) -> bool:
        product = values.get("product")
        if product is None:
            return False
        current = [] if new else list(OpportunityLine.objects.filter(opportunity=opportunity))
        if (len(current) == 1 and current[0].product_id == product.pk and current[0].unit_price == amount
                and current[0].quantity == 1 and current[0].discount == 0):
            return False
        opportunity_lines_set(opportunity=opportunity, by=ctx.user,
                              lines=[{"product": product, "quantity": 1, "unit_price": amount, "discount": 0}])
        return True

    def create(self, values: dict[str, Any], ctx: ImportContext) -> Opportunity:
        data = self._data(values, ctx)
        if custom := _custom_of(values):
            data["custom"] = custom
        owner = data.pop("owner", None)
        data["amount"] = line_subtotal(Decimal(1), data["amount"], Decimal(0))
        opportunity = opportunity_create(by=ctx.user, data=data, owner=owner)
        self._lines(opportunity, values, data["amount"], ctx, new=True)
        return opportunity

    def _changes(self, opportunity: Opportunity, values: dict[str, Any], ctx: ImportContext
                 ) -> tuple[dict[str, Any], dict[str, Any]]:
        """What the row would change on the matched opportunity (and the row's data)."""
        data = self._data(values, ctx)
        data.pop("external_ref", None)
        stage = data.pop("stage")
        changed: dict[str, Any] = {}
        for key, value in data.items():
            current = getattr(opportunity, key)
            if key in ("customer", "owner"):
                if getattr(current, "pk", current) != value.pk:
                    changed[key] = value
            elif current != value:
                changed[key] = value
        custom = _custom_of(values)
        if custom and any((opportunity.custom or {}).get(code) != value for code, value in custom.items()):
            changed["custom"] = custom
        if stage.pk != opportunity.stage_id:
            changed["stage"] = stage
        if changed.get("stage") is None and opportunity.status != OpportunityStatus.OPEN:
            changed.pop("closed_on", None)
            changed.pop("close_reason", None) if opportunity.close_reason == data.get("close_reason", "") else None
        return changed, data

    def update(self, match: Match, values: dict[str, Any], ctx: ImportContext) -> bool:
        opportunity: Opportunity = match.record
        changed, data = self._changes(opportunity, values, ctx)
        if changed:
            opportunity = opportunity_update(opportunity=opportunity, by=ctx.user, data=changed,
                                             expected_version=opportunity.version)
        lines_changed = self._lines(opportunity, values, data["amount"], ctx)
        return bool(changed) or lines_changed

    def create_batch(self, items: list[tuple[int, dict[str, Any]]], ctx: ImportContext) -> list[BatchOutcome] | None:
        """The fast path for create and create-or-update matching on the external reference: new rows go
        through ``opportunities_create_with_lines_batch`` (the rules of opportunity_create and
        opportunity_lines_set), matched rows that change nothing are counted unchanged with one query per
        batch, and matched rows that change something go through ``update`` one by one."""
        if ctx.mode not in (ImportMode.CREATE, ImportMode.UPSERT) or any(k != "external_ref" for k in ctx.match_on):
            return None
        counted, noted = ctx.cache.get("placeholder_rows", 0), len(ctx.notes)
        try:
            return self._create_batch(items, ctx)
        except Exception:
            # the engine rolls the batch back and goes row by row: count those rows once
            ctx.cache["placeholder_rows"] = counted
            del ctx.notes[noted:]
            raise

    def _create_batch(self, items: list[tuple[int, dict[str, Any]]], ctx: ImportContext) -> list[BatchOutcome] | None:
        refs = [values.get("external_ref") or "" for _row, values in items]
        given = [ref for ref in refs if ref]
        if len(set(given)) != len(given):
            return None  # a reference twice in one batch: the second row updates the first, row by row
        found: dict[str, Opportunity] = {}
        if ctx.match_on and given:
            for opportunity in (_matchable(ctx).filter(external_ref__in=sorted(set(given)))
                                .select_related("stage", "customer", "owner").order_by("-created_at", "-id")):
                found.setdefault(opportunity.external_ref, opportunity)
        editable = set(Opportunity.objects.editable_by(ctx.user).filter(pk__in=[o.pk for o in found.values()])
                       .values_list("pk", flat=True)) if found else set()
        lines_of: dict[int, list[OpportunityLine]] = {}
        for line in OpportunityLine.objects.filter(opportunity_id__in=[o.pk for o in found.values()]).order_by("id"):
            lines_of.setdefault(line.opportunity_id, []).append(line)
        outcomes: list[BatchOutcome | None] = [None] * len(items)
        new_rows, new_lines, owners, positions = [], [], [], []
        for position, ((_row, values), ref) in enumerate(zip(items, refs, strict=True)):
            match = found.get(ref) if ref else None
            try:
                if match is not None:
                    outcomes[position] = (self._matched(match, match.pk in editable, values, lines_of, ctx), [])
                    continue
                data = self._data(values, ctx)
            except (ValidationError, ApplicationError, ValueError) as exc:
                outcomes[position] = (exc, [])
                continue
            owners.append(data.pop("owner", None))
            if custom := _custom_of(values):
                data["custom"] = custom
            product = values.get("product")
            amount = line_subtotal(Decimal(1), data["amount"], Decimal(0))
            data["amount"] = amount
            new_rows.append(data)
            new_lines.append([{"product": product, "quantity": 1, "unit_price": amount, "discount": 0}]
                             if product is not None else [])
            positions.append(position)
        if new_rows:
            created = opportunities_create_with_lines_batch(by=ctx.user, rows=new_rows, lines=new_lines, owners=owners)
            for position, row in zip(positions, created, strict=True):
                outcomes[position] = (row.error if row.error is not None else "created", [])
        return outcomes  # type: ignore[return-value]

    def _matched(self, opportunity: Opportunity, editable: bool, values: dict[str, Any],
                 lines_of: dict[int, list[OpportunityLine]], ctx: ImportContext) -> str:
        label = f"{opportunity.external_ref} {opportunity.name}"
        if ctx.mode == ImportMode.CREATE:
            return "skipped:" + _("Already exists: “%(name)s”.") % {"name": label}
        if not editable:
            raise ApplicationError(_("Matches “%(name)s”, which you may not change.") % {"name": label})
        changed, data = self._changes(opportunity, values, ctx)
        product = values.get("product")
        current = lines_of.get(opportunity.pk, [])
        lines_same = product is None or (
            len(current) == 1 and current[0].product_id == product.pk and current[0].unit_price == data["amount"]
            and current[0].quantity == 1 and current[0].discount == 0)
        if not changed and lines_same:
            return "unchanged"
        with transaction.atomic():
            return "updated" if self.update(Match(opportunity, label), values, ctx) else "unchanged"

    def finish(self, ctx: ImportContext, result: ImportResult) -> None:
        for (text, name), count in sorted((ctx.cache.get("aliases_used") or {}).items()):
            ctx.notes.append(_("Product “%(text)s” is not in the catalogue; mapped to “%(name)s” by the preset's alias "
                               "table (%(n)d rows).") % {"text": text, "name": name, "n": count})
        if ctx.cache.get("placeholder_rows"):
            ctx.notes.append(_("%(n)d rows without a customer were placed under “%(name)s”.")
                             % {"n": ctx.cache["placeholder_rows"], "name": ctx.options.get("missing_customer")})


register(ProductDefinition())
register(OpportunityDefinition())
