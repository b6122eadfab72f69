"""Customer pages: list (search, filters, tabs, sorting, paging, columns, saved views, bulk actions,
export), create/edit with the duplicate step and version conflicts, the customer page and its actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from forpcrm.core.errors import ConflictError
from forpcrm.core.htmx import SERVICE_ERRORS, render_page, report_error
from forpcrm.core.models import SavedView
from forpcrm.customers import selectors, services, services_config
from forpcrm.customers.forms import CustomerForm, ReasonForm, TeamMemberForm, customer_initial
from forpcrm.customers.models import Customer, CustomerStatus
from forpcrm.customers.pages import customer_panels
from forpcrm.customfields.models import Entity, PicklistKind
from forpcrm.customfields.registry import definitions_for, display_value
from forpcrm.customfields.selectors import picklist_labels
from forpcrm.org.access import get_visible_or_404, has_perm
from forpcrm.org.models import Action, Module, User

from ._common import back, department_filter, filter_fields, page, picklist_filter
from ._lists import (
    Column,
    chosen_columns,
    custom_columns,
    fmt_datetime,
    list_context,
    paginate,
    saved_view_url,
    selector_params,
    user_ids_in,
)

LIST_KEY = "customers"
SCOPE_TABS = [("mine", gettext_lazy("My customers")), ("team", gettext_lazy("My team's")),
              ("pool", gettext_lazy("Public pool")), ("all", gettext_lazy("All"))]


def _detail_url(customer) -> str:
    return reverse("customers:customer_detail", args=[customer.pk])


def money(value) -> str:
    return "" if value is None else f"{value:,.2f}"


def customer_columns(definitions, users) -> list[Column]:
    status = dict(CustomerStatus.choices)
    industries, sources, levels = (picklist_labels(k) for k in (PicklistKind.INDUSTRY, PicklistKind.SOURCE,
                                                                 PicklistKind.LEVEL))
    base = [
        Column("name", gettext_lazy("Customer name"), lambda c: c.name, sort="name", link=_detail_url),
        Column("short_name", gettext_lazy("Short name"), lambda c: c.short_name, default=False),
        Column("credit_code", gettext_lazy("Credit code"), lambda c: c.credit_code, default=False),
        Column("industry", gettext_lazy("Industry"), lambda c: industries.get(c.industry, c.industry)),
        Column("source", gettext_lazy("Source"), lambda c: sources.get(c.source, c.source), default=False),
        Column("level", gettext_lazy("Level"), lambda c: levels.get(c.level, c.level), sort="level"),
        Column("status", gettext_lazy("Status"), lambda c: status.get(c.status, c.status)),
        Column("province", gettext_lazy("Province"), lambda c: c.province),
        Column("city", gettext_lazy("City"), lambda c: c.city, default=False),
        Column("phone", gettext_lazy("Phone"), lambda c: c.phone, default=False),
        Column("email", gettext_lazy("E-mail"), lambda c: c.email, default=False),
        Column("owner", gettext_lazy("Owner"), lambda c: str(c.owner) if c.owner_id else _("public pool")),
        Column("department", gettext_lazy("Department"), lambda c: c.department.name if c.department_id else "",
               default=False),
        Column("tags", gettext_lazy("Tags"), lambda c: [t.name for t in c.tags.all()], kind="badges"),
        Column("revenue", gettext_lazy("Revenue (millions)"), lambda c: money(c.revenue), sort="revenue",
               default=False),
        Column("employees", gettext_lazy("Employees"), lambda c: c.employees, sort="employees", default=False),
        Column("credit_limit", gettext_lazy("Credit limit"), lambda c: money(c.credit_limit), default=False),
        Column("last_followup_at", gettext_lazy("Last follow-up"), lambda c: fmt_datetime(c.last_followup_at),
               sort="last_followup_at"),
        Column("next_followup_at", gettext_lazy("Next follow-up"), lambda c: fmt_datetime(c.next_followup_at),
               sort="next_followup_at", default=False),
        Column("created_at", gettext_lazy("Created"), lambda c: fmt_datetime(c.created_at), sort="created_at",
               default=False),
        Column("updated_at", gettext_lazy("Updated"), lambda c: fmt_datetime(c.updated_at), sort="updated_at"),
    ]
    return base + custom_columns(Entity.CUSTOMER, definitions, users)


def customer_filters(request) -> list[dict]:
    owner = request.GET.get("owner", "")
    owner_label = str(User.objects.filter(pk=int(owner)).first() or "") if owner.isdigit() else ""
    return filter_fields(request, Entity.CUSTOMER, [
        {"name": "owner", "label": _("Owner"), "type": "user", "selected_label": owner_label},
        department_filter(_("Department")),
        picklist_filter("industry", _("Industry"), PicklistKind.INDUSTRY),
        picklist_filter("source", _("Source"), PicklistKind.SOURCE),
        picklist_filter("level", _("Level"), PicklistKind.LEVEL),
        {"name": "status", "label": _("Status"), "type": "select", "choices": [("", "—"), *CustomerStatus.choices]},
        {"name": "province", "label": _("Province"), "type": "text"},
        {"name": "city", "label": _("City"), "type": "text"},
        {"name": "tag", "label": _("Tag"), "type": "text"},
        {"name": "created_from", "label": _("Created from"), "type": "date"},
        {"name": "created_to", "label": _("Created to"), "type": "date"},
    ])


def build_list(request, qs, *, list_key: str, columns_for=customer_columns):
    definitions = definitions_for(Entity.CUSTOMER)
    page_obj, size = paginate(request, qs)
    page_obj.object_list = list(page_obj.object_list)
    ids = user_ids_in(page_obj.object_list, definitions)
    users = {u.pk: str(u) for u in User.objects.filter(pk__in=ids)} if ids else {}
    available = columns_for(definitions, users)
    columns = chosen_columns(request, available)
    return list_context(request, columns_available=available, columns=columns, page=page_obj, page_size=size,
                        list_key=list_key)


@page(Module.CUSTOMERS, methods=("GET", "HEAD"))
def customer_list(request):
    user = request.user
    if request.GET.get("view", "").isdigit():
        saved = SavedView.objects.filter(user=user, list_key=LIST_KEY, pk=int(request.GET["view"])).first()
        if saved is not None:
            return redirect(saved_view_url(reverse("customers:customer_list"), saved))
    params = selector_params(request)
    qs = selectors.customer_list(user=user, params=params)
    context = build_list(request, qs, list_key=LIST_KEY)
    context.update({
        "nav_active": "customers",
        "scope": params.get("scope", "all"),
        "scope_tabs": SCOPE_TABS,
        "filters": customer_filters(request),
        "q": params.get("q", ""),
        "can_create": has_perm(user, Module.CUSTOMERS, Action.CREATE),
        "can_export": has_perm(user, Module.CUSTOMERS, Action.EXPORT),
        "can_transfer": has_perm(user, Module.CUSTOMERS, Action.TRANSFER),
        "can_delete": has_perm(user, Module.CUSTOMERS, Action.DELETE),
        "can_edit": has_perm(user, Module.CUSTOMERS, Action.EDIT),
        "release_form": ReasonForm(),
        "list_url": reverse("customers:customer_list"),
    })
    return render_page(request, "customers/customer_list.html", context, fragment="customers/_customer_table.html")


@login_required
@require_POST
def saved_view_save(request):
    columns = [c for c in request.POST.get("columns", "").split(",") if c]
    try:
        view = services_config.saved_view_save(
            by=request.user, list_key=request.POST.get("list_key", LIST_KEY), name=request.POST.get("name", ""),
            query=request.POST.get("query", ""), columns=columns)
    except SERVICE_ERRORS as exc:
        report_error(request, exc)
    else:
        messages.success(request, _("View “%(name)s” was saved.") % {"name": view.name})
    return back(request, "customers:customer_list")


@login_required
@require_POST
def saved_view_delete(request, pk: int):
    if not services_config.saved_view_delete(by=request.user, pk=pk):
        raise Http404(_("Not found."))
    messages.success(request, _("The view was deleted."))
    return back(request, "customers:customer_list")


def _report_bulk(request, result, verb: str) -> None:
    if result.done:
        messages.success(request, _("%(action)s: %(count)d customer(s) done.") % {"action": verb,
                                                                                 "count": len(result.done)})
    if result.failed:
        names = dict(Customer.objects.visible_to(request.user).filter(pk__in=list(result.failed))
                     .values_list("pk", "name"))
        for pk, reason in result.failed.items():
            messages.error(request, _("%(name)s: %(reason)s") % {"name": names.get(pk, f"#{pk}"), "reason": reason})


BULK_LABELS = {"transfer": gettext_lazy("Transfer"), "tag": gettext_lazy("Add tag"),
               "release": gettext_lazy("Release to the pool"), "delete": gettext_lazy("Delete")}


@page(Module.CUSTOMERS, methods=("POST",))
def customer_bulk(request):
    action = request.POST.get("action", "")
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    if action in ("export_xlsx", "export_csv"):
        return _export(request, fmt=action.removeprefix("export_"), ids=ids)
    if action not in BULK_LABELS:
        messages.error(request, _("Choose an action."))
        return back(request, "customers:customer_list")
    if not ids:
        messages.error(request, _("Select at least one customer."))
        return back(request, "customers:customer_list")
    params: dict = {}
    if action == "transfer":
        to = User.objects.filter(pk=request.POST.get("to") or 0, is_active=True).first() if str(
            request.POST.get("to", "")).isdigit() else None
        if to is None:
            messages.error(request, _("%(field)s: %(errors)s") % {"field": _("Transfer to"),
                                                                  "errors": _("Choose an active user.")})
            return back(request, "customers:customer_list")
        params = {"to": to, "reason": request.POST.get("reason", "")}
    elif action == "tag":
        tag = request.POST.get("tag", "").strip()
        if not tag:
            messages.error(request, _("%(field)s: %(errors)s") % {"field": _("Tag"), "errors": _("A tag is required.")})
            return back(request, "customers:customer_list")
        params = {"tags": [tag], "mode": "add"}
    elif action == "release":
        form = ReasonForm(request.POST)
        reason = form.reason_text() if form.is_valid() else ""
        params = {"reason": reason}
    try:
        result = services.customers_bulk(action=action, customer_ids=ids, by=request.user, **params)
    except SERVICE_ERRORS as exc:
        report_error(request, exc)
    else:
        _report_bulk(request, result, str(BULK_LABELS[action]))
    return back(request, "customers:customer_list")


def _export(request, *, fmt: str, ids: list[int] | None = None):
    from forpcrm.customers.exports import customer_export_response

    if not has_perm(request.user, Module.CUSTOMERS, Action.EXPORT):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("You do not have permission for this page."))
    source = request.POST if request.method == "POST" else request.GET
    params = {k: v for k, v in source.items() if k not in {"page", "page_size", "cols", "view", "action", "ids",
                                                            "csrfmiddlewaretoken", "next", "fmt", "to", "reason",
                                                            "tag", "reason_choice"} and v != ""}
    if ids:
        params["ids"] = ",".join(str(i) for i in ids)
    if fmt not in ("xlsx", "csv"):
        return HttpResponseBadRequest(_("Unknown export format."))
    # The list's column keys; user-defined ones are "custom.<code>" in the export engine.
    columns = [c.replace("custom__", "custom.", 1) for c in source.get("cols", "").split(",") if c] or None
    return customer_export_response(user=request.user, params=params, fmt=fmt, columns=columns)


@page(Module.CUSTOMERS, "export", methods=("GET", "HEAD"))
def customer_export(request):
    return _export(request, fmt=request.GET.get("fmt", "xlsx"))


# --- create / edit --------------------------------------------------------------------------------

def _duplicates_context(matches) -> list[dict]:
    return [{"name": m.name, "owner": m.owner_name, "reasons": m.reason_labels,
             "url": reverse("customers:customer_detail", args=[m.customer_id]) if m.is_visible and m.customer_id
             else ""} for m in matches]


@page(Module.CUSTOMERS, "create")
def customer_create(request):
    duplicates = []
    if request.method == "POST":
        form = CustomerForm(request.POST, user=request.user, show_duplicates="confirm_duplicates" in request.POST)
        if form.is_valid():
            kwargs = {}
            if "owner" in form.fields:
                owner = form.cleaned_data.get("owner")
                kwargs["owner"] = owner  # empty: the public pool
            try:
                customer = services.customer_create(
                    by=request.user, data=form.service_data(),
                    confirm_duplicates=bool(form.cleaned_data.get("confirm_duplicates")), **kwargs)
            except services.DuplicatesFound as exc:
                duplicates = _duplicates_context(exc.matches)
                form = CustomerForm(request.POST, user=request.user, show_duplicates=True)
                form.is_valid()
                messages.warning(request, exc.message)
            except SERVICE_ERRORS as exc:
                report_error(request, exc, form)
            else:
                messages.success(request, _("Customer “%(name)s” was created.") % {"name": customer.name})
                return redirect("customers:customer_detail", pk=customer.pk)
    else:
        form = CustomerForm(user=request.user, initial={"owner": request.user.pk})
    return render_page(request, "customers/customer_form.html", {
        "form": form, "duplicates": duplicates, "nav_active": "customers", "customer": None})


def _current_values(customer, current: dict, form: CustomerForm) -> list[tuple[str, str]]:
    """The values the other user saved, for the conflict message."""
    rows = []
    definitions = {d.code: d for d in definitions_for(Entity.CUSTOMER)}
    for key, value in current.items():
        if key == "version":
            continue
        if key.startswith("custom") and isinstance(value, dict):
            for code, v in value.items():
                if code in definitions:
                    rows.append((definitions[code].display_label, display_value(definitions[code], v)))
            continue
        name = key.removeprefix("custom.").removeprefix("custom__")
        if name in definitions:
            rows.append((definitions[name].display_label, display_value(definitions[name], value)))
            continue
        field = form.fields.get(key)
        label = field.label if field else key
        if value is None:
            shown = ""
        elif key in ("credit_limit", "revenue"):
            from decimal import Decimal

            shown = f"{Decimal(str(value)):,.2f}"
        else:
            choices = dict(getattr(field, "choices", []) or []) if field is not None else {}
            shown = str(choices.get(value, value))
        rows.append((label, shown))
    return rows


@page(Module.CUSTOMERS, "edit")
def customer_edit(request, pk: int):
    customer = selectors.customer_detail(user=request.user, pk=pk)
    if not can_edit_customer(request.user, customer):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("You may view this record but not change it."))
    conflict = []
    duplicates = []
    if request.method == "POST":
        form = CustomerForm(request.POST, user=request.user, instance=customer,
                            show_duplicates="confirm_duplicates" in request.POST)
        if form.is_valid():
            version = form.cleaned_data.get("version")
            try:
                customer = services.customer_update(
                    customer=customer, by=request.user, data=form.service_data(), expected_version=version,
                    confirm_duplicates=bool(form.cleaned_data.get("confirm_duplicates")),
                )
            except ConflictError as exc:
                conflict = _current_values(customer, exc.current, form)
                messages.error(request, exc.message)
            except services.DuplicatesFound as exc:
                duplicates = _duplicates_context(exc.matches)
                form = CustomerForm(request.POST, user=request.user, instance=customer, show_duplicates=True)
                form.is_valid()
                messages.warning(request, exc.message)
            except SERVICE_ERRORS as exc:
                report_error(request, exc, form)
            else:
                messages.success(request, _("Customer “%(name)s” was saved.") % {"name": customer.name})
                return redirect("customers:customer_detail", pk=customer.pk)
    else:
        form = CustomerForm(user=request.user, instance=customer, initial=customer_initial(customer))
    return render_page(request, "customers/customer_form.html", {
        "form": form, "customer": customer, "conflict": conflict, "duplicates": duplicates,
        "nav_active": "customers"})


# --- the customer page ----------------------------------------------------------------------------

def _custom_rows(entity: str, values: dict) -> list[tuple[str, str]]:
    rows = []
    users = {}
    definitions = definitions_for(entity)
    user_ids = [v for d in definitions if d.field_type == "user" for v in [(values or {}).get(d.code)]
                if isinstance(v, int)]
    if user_ids:
        users = {u.pk: str(u) for u in User.objects.filter(pk__in=user_ids)}
    for d in definitions:
        raw = (values or {}).get(d.code)
        shown = users.get(raw, "") if d.field_type == "user" and raw is not None else display_value(d, raw)
        rows.append((d.display_label, shown))
    return rows


def can_edit_customer(user, customer) -> bool:
    return Customer.objects.editable_by(user).filter(pk=customer.pk).exists()


@page(Module.CUSTOMERS, methods=("GET", "HEAD"))
def customer_detail(request, pk: int):
    user = request.user
    customer = selectors.customer_detail(user=user, pk=pk)
    show_contacts = has_perm(user, Module.CONTACTS, Action.VIEW)
    panels = []
    for panel in customer_panels():
        context = panel.context(request, customer)
        if context is not None:
            panels.append({"key": panel.key, "title": panel.title, "template": panel.template, "context": context})
    editable = can_edit_customer(user, customer)
    context = {
        "customer": customer,
        "nav_active": "customers",
        "custom_rows": _custom_rows(Entity.CUSTOMER, customer.custom),
        "show_contacts": show_contacts,
        "contacts": list(selectors.customer_contacts(user=user, customer=customer)) if show_contacts else [],
        "team": list(selectors.customer_team(customer=customer)),
        "ownership_log": list(selectors.customer_ownership_log(customer=customer)[:50]),
        "history": selectors.customer_history(customer=customer)[:100],
        "panels": panels,
        "can_edit": editable,
        "can_delete": editable and has_perm(user, Module.CUSTOMERS, Action.DELETE),
        "can_transfer": editable and (has_perm(user, Module.CUSTOMERS, Action.TRANSFER)),
        "can_assign": customer.owner_id is None and has_perm(user, Module.POOL, Action.TRANSFER),
        "can_claim": customer.owner_id is None and has_perm(user, Module.POOL, Action.VIEW),
        "can_release": customer.owner_id is not None and editable,
        "can_add_contact": editable and has_perm(user, Module.CONTACTS, Action.CREATE),
        "team_form": TeamMemberForm(),
        "release_form": ReasonForm(),
        "subsidiaries": list(Customer.objects.visible_to(user).filter(parent=customer).order_by("name", "id")[:50]),
    }
    return render_page(request, "customers/customer_detail.html", context)


def _action(request, pk: int, run, success: str):
    customer = get_visible_or_404(Customer, request.user, pk)
    try:
        run(customer)
    except SERVICE_ERRORS as exc:
        report_error(request, exc)
    else:
        messages.success(request, success % {"name": customer.name})
    return back(request, "customers:customer_detail", pk=customer.pk)


def _user_from_post(request, key: str = "to") -> User | None:
    raw = request.POST.get(key, "")
    return User.objects.filter(pk=int(raw), is_active=True).first() if raw.isdigit() else None


@require_POST
@page(Module.CUSTOMERS, methods=("POST",))
def customer_claim(request, pk: int):
    return _action(request, pk, lambda c: services.customer_claim(customer=c, by=request.user),
                   _("You now own “%(name)s”."))


@require_POST
@page(Module.CUSTOMERS, methods=("POST",))
def customer_release(request, pk: int):
    form = ReasonForm(request.POST)
    reason = form.reason_text() if form.is_valid() else ""
    return _action(request, pk, lambda c: services.customer_release(customer=c, by=request.user, reason=reason),
                   _("“%(name)s” was released to the public pool."))


def _need_user(request, label):
    to = _user_from_post(request)
    if to is None:
        messages.error(request, _("%(field)s: %(errors)s") % {"field": label, "errors": _("Choose an active user.")})
    return to


@require_POST
@page(Module.CUSTOMERS, methods=("POST",))
def customer_assign(request, pk: int):
    to = _need_user(request, _("Assign to"))
    if to is None:
        get_visible_or_404(Customer, request.user, pk)
        return back(request, "customers:customer_detail", pk=pk)
    return _action(request, pk, lambda c: services.customer_assign(customer=c, to=to, by=request.user),
                   _("“%(name)s” was assigned."))


@require_POST
@page(Module.CUSTOMERS, methods=("POST",))
def customer_transfer(request, pk: int):
    to = _need_user(request, _("Transfer to"))
    if to is None:
        get_visible_or_404(Customer, request.user, pk)
        return back(request, "customers:customer_detail", pk=pk)
    reason = request.POST.get("reason", "")[:200]
    return _action(request, pk, lambda c: services.customer_transfer(customer=c, to=to, by=request.user,
                                                                     reason=reason),
                   _("“%(name)s” was transferred."))


@require_POST
@page(Module.CUSTOMERS, methods=("POST",))
def customer_delete(request, pk: int):
    customer = get_visible_or_404(Customer, request.user, pk)
    try:
        services.customer_delete(customer=customer, by=request.user)
    except SERVICE_ERRORS as exc:
        report_error(request, exc)
        return redirect("customers:customer_detail", pk=customer.pk)
    messages.success(request, _("“%(name)s” was moved to the recycle bin.") % {"name": customer.name})
    return redirect("customers:customer_list")


@page(Module.CUSTOMERS, "edit")
def customer_merge(request, pk: int):
    """Pick the customer to fold into this one (GET), then merge (POST)."""
    survivor = get_visible_or_404(Customer, request.user, pk)
    if request.method == "POST":
        raw = request.POST.get("merged", "")
        merged = Customer.objects.visible_to(request.user).filter(pk=int(raw)).first() if raw.isdigit() else None
        if merged is None:
            messages.error(request, _("%(field)s: %(errors)s") % {"field": _("Customer to merge"),
                                                                  "errors": _("Choose a record from the list.")})
        else:
            try:
                services.customer_merge(survivor=survivor, merged=merged, by=request.user)
            except SERVICE_ERRORS as exc:
                report_error(request, exc)
            else:
                messages.success(request, _("“%(merged)s” was merged into “%(name)s”.") % {
                    "merged": merged.name, "name": survivor.name})
                return redirect("customers:customer_detail", pk=survivor.pk)
    return render_page(request, "customers/customer_merge.html", {"customer": survivor, "nav_active": "customers"})


@require_POST
@page(Module.CUSTOMERS, methods=("POST",))
def team_add(request, pk: int):
    customer = get_visible_or_404(Customer, request.user, pk)
    form = TeamMemberForm(request.POST)
    if not form.is_valid():
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else name
            messages.error(request, _("%(field)s: %(errors)s") % {"field": label, "errors": " ".join(errors)})
        return redirect("customers:customer_detail", pk=customer.pk)
    try:
        services.team_member_add(customer=customer, user=form.cleaned_data["user"],
                                 can_edit=form.cleaned_data["can_edit"], expires_at=form.cleaned_data["expires_at"],
                                 by=request.user)
    except SERVICE_ERRORS as exc:
        report_error(request, exc, form)
    else:
        messages.success(request, _("%(user)s joined the team.") % {"user": form.cleaned_data["user"]})
    return redirect("customers:customer_detail", pk=customer.pk)


@require_POST
@page(Module.CUSTOMERS, methods=("POST",))
def team_remove(request, pk: int, user_id: int):
    customer = get_visible_or_404(Customer, request.user, pk)
    member = User.objects.filter(pk=user_id).first()
    if member is None:
        raise Http404(_("Not found."))
    try:
        services.team_member_remove(customer=customer, user=member, by=request.user)
    except SERVICE_ERRORS as exc:
        report_error(request, exc)
    else:
        messages.success(request, _("%(user)s left the team.") % {"user": member})
    return redirect("customers:customer_detail", pk=customer.pk)


# --- pickers and search ---------------------------------------------------------------------------

@page(Module.CUSTOMERS, methods=("GET",))
def picker_customers(request):
    from django.http import JsonResponse

    qs = selectors.customer_list(user=request.user, params={"q": request.GET.get("q", ""), "sort": "name"})
    results = [{"id": pk, "text": name} for pk, name in qs.values_list("id", "name")[:20]]
    return JsonResponse({"results": results})


def picker_users(request):
    from django.contrib.auth.decorators import login_required
    from django.http import JsonResponse

    @login_required
    def inner(request):
        q = request.GET.get("q", "").strip()
        users = User.objects.filter(is_active=True)
        if q:
            users = users.filter(Q(username__icontains=q) | Q(display_name__icontains=q) | Q(email__icontains=q))
        results = [{"id": u.pk, "text": f"{u} ({u.username})"} for u in users.order_by("username", "id")[:20]]
        return JsonResponse({"results": results})

    return inner(request)
