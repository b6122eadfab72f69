"""Contact pages: the contacts list and a contact's create, edit and detail pages (under its customer)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from forpcrm.core.errors import ConflictError
from forpcrm.core.htmx import SERVICE_ERRORS, render_page, report_error
from forpcrm.core.models import SavedView
from forpcrm.customers import selectors, services
from forpcrm.customers.forms import ContactForm, contact_initial
from forpcrm.customers.models import Contact, Customer, Gender
from forpcrm.customfields.models import Entity, PicklistKind
from forpcrm.customfields.registry import definitions_for
from forpcrm.customfields.selectors import picklist_labels
from forpcrm.org.access import get_visible_or_404, has_perm
from forpcrm.org.models import Action, Module, User

from ._common import filter_fields, page, picklist_filter
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
from .customers import _custom_rows, can_edit_customer

LIST_KEY = "contacts"
SCOPE_TABS = [
    ("mine", gettext_lazy("My customers' contacts")),
    ("team", gettext_lazy("My team's")),
    ("all", gettext_lazy("All")),
]


def contact_url(contact) -> str:
    return reverse("customers:contact_detail", args=[contact.customer_id, contact.pk])


def contact_columns(definitions, users) -> list[Column]:
    genders = dict(Gender.choices)
    roles = picklist_labels(PicklistKind.DECISION_ROLE)
    return [
        Column("name", gettext_lazy("Name"), lambda c: c.name, sort="name", link=contact_url),
        Column(
            "customer",
            gettext_lazy("Customer"),
            lambda c: c.customer.name,
            sort="customer__name",
            link=lambda c: reverse("customers:customer_detail", args=[c.customer_id]),
        ),
        Column("title", gettext_lazy("Job title"), lambda c: c.title),
        Column("department_name", gettext_lazy("Department"), lambda c: c.department_name, default=False),
        Column("mobile", gettext_lazy("Mobile"), lambda c: c.mobile),
        Column("office_phone", gettext_lazy("Office phone"), lambda c: c.office_phone, default=False),
        Column("email", gettext_lazy("E-mail"), lambda c: c.email),
        Column("wechat", gettext_lazy("WeChat"), lambda c: c.wechat, default=False),
        Column("gender", gettext_lazy("Gender"), lambda c: genders.get(c.gender, ""), default=False),
        Column(
            "decision_role",
            gettext_lazy("Decision role"),
            lambda c: roles.get(c.decision_role, c.decision_role),
        ),
        Column("is_primary", gettext_lazy("Primary contact"), lambda c: _("yes") if c.is_primary else ""),
        Column(
            "owner",
            gettext_lazy("Owner"),
            lambda c: str(c.customer.owner) if c.customer.owner_id else _("public pool"),
            default=False,
        ),
        Column("birthday", gettext_lazy("Birthday"), lambda c: c.birthday or "", default=False),
        Column(
            "updated_at", gettext_lazy("Updated"), lambda c: fmt_datetime(c.updated_at), sort="updated_at"
        ),
        *custom_columns(Entity.CONTACT, definitions, users),
    ]


@page(Module.CONTACTS, methods=("GET", "HEAD"))
def contact_list(request):
    user = request.user
    if request.GET.get("view", "").isdigit():
        saved = SavedView.objects.filter(user=user, list_key=LIST_KEY, pk=int(request.GET["view"])).first()
        if saved is not None:
            return redirect(saved_view_url(reverse("customers:contact_list"), saved))
    params = selector_params(request)
    qs = selectors.contact_list(user=user, params=params)
    definitions = definitions_for(Entity.CONTACT)
    page_obj, size = paginate(request, qs)
    page_obj.object_list = list(page_obj.object_list)
    ids = user_ids_in(page_obj.object_list, definitions)
    users = {u.pk: str(u) for u in User.objects.filter(pk__in=ids)} if ids else {}
    available = contact_columns(definitions, users)
    context = list_context(
        request,
        columns_available=available,
        columns=chosen_columns(request, available),
        page=page_obj,
        page_size=size,
        list_key=LIST_KEY,
    )
    context.update(
        {
            "nav_active": "contacts",
            "scope": params.get("scope", "all"),
            "scope_tabs": SCOPE_TABS,
            "q": params.get("q", ""),
            "list_url": reverse("customers:contact_list"),
            "can_export": has_perm(user, Module.CONTACTS, Action.EXPORT),
            "filters": filter_fields(
                request,
                Entity.CONTACT,
                [
                    picklist_filter("decision_role", _("Decision role"), PicklistKind.DECISION_ROLE),
                    {
                        "name": "is_primary",
                        "label": _("Primary contact"),
                        "type": "select",
                        "choices": [("", "—"), ("1", _("yes"))],
                    },
                ],
            ),
        }
    )
    return render_page(
        request, "customers/contact_list.html", context, fragment="customers/_contact_table.html"
    )


def _contact(request, customer_pk: int, pk: int) -> Contact:
    contact = get_visible_or_404(
        Contact.objects.select_related("customer", "created_by", "updated_by"), request.user, pk
    )
    if contact.customer_id != int(customer_pk):
        from django.http import Http404

        raise Http404(_("Not found."))
    return contact


@page(Module.CONTACTS, methods=("GET", "HEAD"))
def contact_detail(request, customer_pk: int, pk: int):
    contact = _contact(request, customer_pk, pk)
    editable = Contact.objects.editable_by(request.user).filter(pk=contact.pk).exists()
    return render_page(
        request,
        "customers/contact_detail.html",
        {
            "contact": contact,
            "customer": contact.customer,
            "nav_active": "contacts",
            "custom_rows": _custom_rows(Entity.CONTACT, contact.custom),
            "history": selectors.contact_history(contact=contact)[:100],
            "can_edit": editable,
            "can_delete": editable and has_perm(request.user, Module.CONTACTS, Action.DELETE),
        },
    )


@page(Module.CONTACTS, "create")
def contact_create(request, customer_pk: int):
    customer = get_visible_or_404(Customer, request.user, customer_pk)
    if not has_perm(request.user, Module.CONTACTS, Action.VIEW) or not can_edit_customer(
        request.user, customer
    ):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("You may view this record but not change it."))
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_create(by=request.user, customer=customer, data=form.service_data())
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Contact “%(name)s” was created.") % {"name": contact.name})
            return redirect("customers:customer_detail", pk=customer.pk)
    return render_page(
        request,
        "customers/contact_form.html",
        {"form": form, "customer": customer, "contact": None, "nav_active": "contacts"},
    )


@page(Module.CONTACTS, "edit")
def contact_edit(request, customer_pk: int, pk: int):
    contact = _contact(request, customer_pk, pk)
    conflict = []
    if request.method == "POST":
        form = ContactForm(request.POST)
        if form.is_valid():
            try:
                contact = services.contact_update(
                    contact=contact,
                    by=request.user,
                    data=form.service_data(),
                    expected_version=form.cleaned_data.get("version"),
                )
            except ConflictError as exc:
                labels = {n: f.label for n, f in form.fields.items()}
                conflict = [
                    (labels.get(k, k), "" if v is None else str(v))
                    for k, v in exc.current.items()
                    if k != "version"
                ]
                messages.error(request, exc.message)
            except SERVICE_ERRORS as exc:
                report_error(request, exc, form)
            else:
                messages.success(request, _("Contact “%(name)s” was saved.") % {"name": contact.name})
                return redirect("customers:contact_detail", customer_pk=contact.customer_id, pk=contact.pk)
    else:
        form = ContactForm(initial=contact_initial(contact))
    return render_page(
        request,
        "customers/contact_form.html",
        {
            "form": form,
            "customer": contact.customer,
            "contact": contact,
            "conflict": conflict,
            "nav_active": "contacts",
        },
    )


@require_POST
@page(Module.CONTACTS, "delete", methods=("POST",))
def contact_delete(request, customer_pk: int, pk: int):
    contact = _contact(request, customer_pk, pk)
    try:
        services.contact_delete(contact=contact, by=request.user)
    except SERVICE_ERRORS as exc:
        report_error(request, exc)
        return redirect("customers:contact_detail", customer_pk=contact.customer_id, pk=contact.pk)
    messages.success(request, _("“%(name)s” was moved to the recycle bin.") % {"name": contact.name})
    return redirect("customers:customer_detail", pk=contact.customer_id)


@page(Module.CONTACTS, "export", methods=("GET", "HEAD"))
def contact_export(request):
    from django.http import HttpResponseBadRequest

    from forpcrm.customers.exports import contact_export_response

    fmt = request.GET.get("fmt", "xlsx")
    if fmt not in ("xlsx", "csv"):
        return HttpResponseBadRequest(_("Unknown export format."))
    columns = [
        c.replace("custom__", "custom.", 1) for c in request.GET.get("cols", "").split(",") if c
    ] or None
    return contact_export_response(
        user=request.user, params=selector_params(request), fmt=fmt, columns=columns
    )
