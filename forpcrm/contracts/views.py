"""Pages of the product catalogue: list (search, filters, sort, paging, export), detail, create / edit,
and the catalogue mapping report of an opportunity file (names not in the catalogue, mapped by alias)."""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from forpcrm.core.htmx import SERVICE_ERRORS, render_page, report_error
from forpcrm.imports.exporting import spreadsheet_response
from forpcrm.imports.fields import header_key
from forpcrm.imports.presets import preset_save
from forpcrm.imports.readers import UnreadableFile, open_table
from forpcrm.org.access import get_visible_or_404, has_perm, require_page_perm
from forpcrm.org.models import Action, Module
from forpcrm.sales.loading import MAVEN_PIPELINE_PRESET
from forpcrm.sales.models import Opportunity

from . import selectors, services
from .forms import MappingFileForm, ProductForm
from .models import OpportunityLine, Product

PAGE_SIZE = 25
PROD = Module.PRODUCTS
PRODUCT_HEADERS = {header_key(h) for h in ("product", "产品", "产品名称", "商品名称")}


@login_required
def product_list(request):
    require_page_perm(request.user, PROD, Action.VIEW)
    qs = selectors.product_list(user=request.user, params=request.GET)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        require_page_perm(request.user, PROD, Action.EXPORT)
        header = [_("product name"), _("product code"), _("series / category"), _("unit"), _("list price"),
                  _("active")]
        rows = ([p.name, p.code, p.series, p.unit, p.list_price, p.is_active] for p in qs.iterator(chunk_size=2000))
        return spreadsheet_response(filename=_("products"), fmt=fmt, header=header, rows=rows,
                                    sheet_title=_("Products")[:31])
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page, "products": list(page.object_list), "params": request.GET, "nav_active": "products",
        "series": selectors.product_series(user=request.user),
        "can_create": has_perm(request.user, PROD, Action.CREATE),
        "can_export": has_perm(request.user, PROD, Action.EXPORT),
    }
    return render_page(request, "contracts/product_list.html", context, fragment="contracts/_product_table.html")


@login_required
def product_detail(request, pk: int):
    require_page_perm(request.user, PROD, Action.VIEW)
    product = get_visible_or_404(Product.objects.all(), request.user, pk)
    visible = Opportunity.objects.visible_to(request.user).values("pk")
    usage = (OpportunityLine.objects.filter(product=product, opportunity_id__in=visible).order_by()
             .values("opportunity__status").annotate(n=Count("id"), total=Sum("subtotal")))
    return render_page(request, "contracts/product_detail.html", {
        "product": product, "nav_active": "products", "usage": list(usage),
        "can_edit": has_perm(request.user, PROD, Action.EDIT),
    })


@login_required
def product_create(request):
    require_page_perm(request.user, PROD, Action.CREATE)
    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_create(by=request.user, data=form.cleaned_data)
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Product “%(name)s” created.") % {"name": product.name})
            return redirect("contracts:product_detail", pk=product.pk)
    return render_page(request, "contracts/product_form.html", {"form": form, "product": None,
                                                                "nav_active": "products"})


@login_required
def product_edit(request, pk: int):
    require_page_perm(request.user, PROD, Action.EDIT)
    product = get_visible_or_404(Product.objects.all(), request.user, pk)
    form = ProductForm(request.POST or None, instance=product)
    if request.method == "POST" and form.is_valid():
        changed = {k: v for k, v in form.cleaned_data.items() if getattr(product, k) != v}
        try:
            if changed:
                services.product_update(product=product, by=request.user, data=changed)
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Saved."))
            return redirect("contracts:product_detail", pk=pk)
    return render_page(request, "contracts/product_form.html", {"form": form, "product": product,
                                                                "nav_active": "products"})


def _maven_preset() -> dict:
    return json.loads(Path(MAVEN_PIPELINE_PRESET).read_text(encoding="utf-8"))


def _product_names(path: Path, name: str) -> Counter:
    table = open_table(path, name)
    column = next((i for i, h in enumerate(table.headers) if header_key(h) in PRODUCT_HEADERS), None)
    if column is None:
        raise UnreadableFile(_("The file has no product column (product, 产品, 产品名称)."))
    names: Counter = Counter()
    for _row, raw in table.rows():
        value = str(raw[column] if column < len(raw) and raw[column] is not None else "").strip()
        if value:
            names[value] += 1
    return names


@login_required
def product_mapping(request):
    """Which product names of an opportunity file are not in the catalogue, how the alias table maps
    them, and a place to map the rest (saved as the user's own import preset)."""
    require_page_perm(request.user, PROD, Action.VIEW)
    preset = _maven_preset()
    aliases = dict(preset["options"].get("product_aliases") or {})
    form = MappingFileForm(request.POST or None, request.FILES or None)
    names: Counter | None = None
    source = ""
    if request.method == "POST" and request.POST.get("action") == "save":
        require_page_perm(request.user, Module.IMPORTS, Action.CREATE)
        chosen = dict(aliases)
        products = {str(p.pk): p.name for p in Product.objects.all()}
        for key, value in request.POST.items():
            if key.startswith("alias::") and value in products:
                chosen[key.removeprefix("alias::")] = products[value]
        try:
            saved = preset_save(user=request.user, entity="opportunities", name=request.POST.get("preset", ""),
                                mapping=preset["mapping"], options={**preset["options"], "product_aliases": chosen})
        except SERVICE_ERRORS as exc:
            report_error(request, exc)
        else:
            messages.success(request, _("Preset “%(name)s” saved with %(n)d product aliases; choose it in the "
                                        "import wizard.") % {"name": saved.name, "n": len(chosen)})
            return redirect("contracts:product_mapping")
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "upload"
            with open(path, "wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            try:
                names = _product_names(path, upload.name)
            except (UnreadableFile, ValueError) as exc:
                form.add_error("file", str(exc))
        source = upload.name
    elif request.GET.get("source") == "maven":
        path = Path(settings.FORPCRM_SHARED_DATA) / "maven-crm-sales" / "sales_pipeline.csv"
        if path.exists():
            names, source = _product_names(path, path.name), path.name
    report = selectors.catalogue_mapping_report(names=names, aliases=aliases) if names is not None else None
    return render_page(request, "contracts/product_mapping.html", {
        "form": form, "report": report, "source": source, "aliases": sorted(aliases.items()),
        "products": list(Product.objects.filter(is_active=True).order_by("name", "id")), "nav_active": "products",
        "maven_available": (Path(settings.FORPCRM_SHARED_DATA) / "maven-crm-sales" / "sales_pipeline.csv").exists(),
        "unknown_count": sum(1 for r in report or [] if r["status"] != "catalogue"),
    })
