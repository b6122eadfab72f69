"""Public pool, recycle bin, global search and the home-page panel."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from forpcrm.core.htmx import SERVICE_ERRORS, render_page, report_error
from forpcrm.customers import selectors, services
from forpcrm.customers.forms import ReasonForm
from forpcrm.customers.models import Contact, Customer
from forpcrm.customers.pages import search_sections
from forpcrm.customfields.models import Entity, PicklistKind
from forpcrm.customfields.selectors import picklist_labels
from forpcrm.org.access import has_perm
from forpcrm.org.models import Action, Module

from ._common import back, department_filter, filter_fields, page, picklist_filter
from ._lists import Column, fmt_datetime, paginate, selector_params
from .customers import _detail_url, build_list


def pool_columns(definitions, users) -> list[Column]:
    industries, levels = picklist_labels(PicklistKind.INDUSTRY), picklist_labels(PicklistKind.LEVEL)
    return [
        Column("name", gettext_lazy("Customer name"), lambda c: c.name, sort="name", link=_detail_url),
        Column("industry", gettext_lazy("Industry"), lambda c: industries.get(c.industry, c.industry)),
        Column("level", gettext_lazy("Level"), lambda c: levels.get(c.level, c.level), sort="level"),
        Column("province", gettext_lazy("Province"), lambda c: c.province),
        Column("department", gettext_lazy("Department"), lambda c: c.department.name if c.department_id else ""),
        Column("tags", gettext_lazy("Tags"), lambda c: [t.name for t in c.tags.all()], kind="badges"),
        Column("last_followup_at", gettext_lazy("Last follow-up"), lambda c: fmt_datetime(c.last_followup_at),
               sort="last_followup_at"),
        Column("updated_at", gettext_lazy("Updated"), lambda c: fmt_datetime(c.updated_at), sort="updated_at"),
    ]


@page(Module.POOL, methods=("GET", "HEAD"))
def pool(request):
    params = {**selector_params(request), "scope": "pool"}
    qs = selectors.customer_list(user=request.user, params=params).select_related("previous_owner")
    context = build_list(request, qs, list_key="pool", columns_for=pool_columns)
    context.update({
        "nav_active": "pool", "q": params.get("q", ""), "list_url": reverse("customers:pool"),
        "can_assign": has_perm(request.user, Module.POOL, Action.TRANSFER),
        "filters": filter_fields(request, Entity.CUSTOMER, [
            department_filter(_("Department")),
            picklist_filter("industry", _("Industry"), PicklistKind.INDUSTRY),
            picklist_filter("level", _("Level"), PicklistKind.LEVEL),
            {"name": "province", "label": _("Province"), "type": "text"},
        ]),
    })
    return render_page(request, "customers/pool.html", context, fragment="customers/_pool_table.html")


@page(Module.POOL, methods=("POST",))
def pool_claim(request):
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    visible = Customer.objects.visible_to(request.user).in_bulk(ids)
    for pk in ids:
        customer = visible.get(pk)
        if customer is None:
            messages.error(request, _("%(name)s: %(reason)s") % {"name": f"#{pk}", "reason": _("Not found.")})
            continue
        try:
            services.customer_claim(customer=customer, by=request.user)
        except SERVICE_ERRORS as exc:
            messages.error(request, _("%(name)s: %(reason)s") % {
                "name": customer.name, "reason": getattr(exc, "message", None) or " ".join(
                    getattr(exc, "messages", [str(exc)]))})
        else:
            messages.success(request, _("You now own “%(name)s”.") % {"name": customer.name})
    if not ids:
        messages.error(request, _("Select at least one customer."))
    return back(request, "customers:pool")


# --- recycle bin ----------------------------------------------------------------------------------

@login_required
def recycle_bin(request):
    user = request.user
    kind = "contact" if request.GET.get("kind") == "contact" else "customer"
    module = Module.CONTACTS if kind == "contact" else Module.CUSTOMERS
    if not has_perm(user, module, Action.VIEW):
        raise PermissionDenied(_("You do not have permission for this page."))
    qs = selectors.recycle_bin(user=user, kind=kind)
    page_obj, size = paginate(request, qs)
    from ._lists import PAGE_SIZES

    return render_page(request, "customers/recycle_bin.html", {
        "nav_active": "recycle", "kind": kind, "page_obj": page_obj, "records": list(page_obj.object_list),
        "page_size": size, "page_sizes": PAGE_SIZES,
        "can_restore": has_perm(user, module, Action.DELETE),
        "show_contacts_tab": has_perm(user, Module.CONTACTS, Action.VIEW),
        "show_customers_tab": has_perm(user, Module.CUSTOMERS, Action.VIEW),
    }, fragment="customers/_recycle_table.html")


@require_POST
@login_required
def recycle_restore(request, kind: str, pk: int):
    user = request.user
    if kind == "contact":
        record = selectors.recycle_bin(user=user, kind="contact").filter(pk=pk).first()
        if record is None:
            raise Http404(_("Not found."))
        run = lambda: services.contact_restore(contact=record, by=user)  # noqa: E731
    elif kind == "customer":
        record = selectors.recycle_bin(user=user, kind="customer").filter(pk=pk).first()
        if record is None:
            raise Http404(_("Not found."))
        run = lambda: services.customer_restore(customer=record, by=user)  # noqa: E731
    else:
        raise Http404(_("Not found."))
    try:
        run()
    except SERVICE_ERRORS as exc:
        report_error(request, exc)
    else:
        messages.success(request, _("“%(name)s” was restored.") % {"name": record.name})
    return redirect(f"{reverse('customers:recycle_bin')}?kind={kind}")


# --- global search --------------------------------------------------------------------------------

SEARCH_LIMIT = 20


@login_required
def search(request):
    user = request.user
    q = request.GET.get("q", "").strip()
    customers, contacts = [], []
    show_customers = has_perm(user, Module.CUSTOMERS, Action.VIEW)
    show_contacts = has_perm(user, Module.CONTACTS, Action.VIEW)
    if q:
        if show_customers:
            customers = list(selectors.customer_list(user=user, params={"q": q})[:SEARCH_LIMIT])
        if show_contacts:
            contacts = list(selectors.contact_list(user=user, params={"q": q})[:SEARCH_LIMIT])
    sections = []
    for section in search_sections():
        rows = section.results(user, q, SEARCH_LIMIT) if q else []
        if rows is not None:
            sections.append({"key": section.key, "title": section.title, "rows": rows,
                             "list_url": section.list_url(q)})
    return render_page(request, "customers/search.html", {
        "q": q, "global_q": q, "customers": customers, "contacts": contacts, "limit": SEARCH_LIMIT,
        "show_customers": show_customers, "show_contacts": show_contacts, "sections": sections,
    })


# --- home panel -----------------------------------------------------------------------------------

def home_panel(request):
    """Counts on the home page, each through the user's scope (a number never counts a hidden record)."""
    user = request.user
    if not has_perm(user, Module.CUSTOMERS, Action.VIEW) and not has_perm(user, Module.POOL, Action.VIEW):
        return None
    counts = []
    if has_perm(user, Module.CUSTOMERS, Action.VIEW):
        counts.append((_("My customers"), selectors.customer_list(user=user, params={"scope": "mine"}).count(),
                       f"{reverse('customers:customer_list')}?scope=mine"))
        counts.append((_("My team's customers"),
                       selectors.customer_list(user=user, params={"scope": "team"}).count(),
                       f"{reverse('customers:customer_list')}?scope=team"))
        counts.append((_("All customers I can see"), Customer.objects.visible_to(user).count(),
                       reverse("customers:customer_list")))
    if has_perm(user, Module.POOL, Action.VIEW):
        counts.append((_("Public pool"), selectors.customer_list(user=user, params={"scope": "pool"}).count(),
                       reverse("customers:pool")))
    recent = list(selectors.customer_list(user=user, params={"sort": "-updated_at"}).only(
        "id", "name", "updated_at", "owner__username", "owner__display_name", "owner__first_name",
        "owner__last_name", "department__name")[:10]) if has_perm(user, Module.CUSTOMERS, Action.VIEW) else []
    return {"template": "customers/_home_panel.html", "counts": counts, "recent": recent,
            "show_contacts": has_perm(user, Module.CONTACTS, Action.VIEW)}


__all__ = ["Contact", "ReasonForm"]
