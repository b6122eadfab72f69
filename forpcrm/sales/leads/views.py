"""Pages of leads: list (search, filters, sort, paging, bulk assign / disqualify), create, edit,
detail, and the conversion wizard (check → choose → opportunity → confirm)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from forpcrm.core.htmx import SERVICE_ERRORS, note_filter_problems, render_page, report_error
from forpcrm.core.parsing import safe_filter_id
from forpcrm.customers.forms import picklist_choices
from forpcrm.customers.selectors import record_history
from forpcrm.org.access import get_visible_or_404, has_perm, require_page_perm
from forpcrm.org.models import Action, Module, User

from . import selectors, services
from .forms import ConvertForm, LeadForm, OwnerForm, ReasonForm
from .models import Lead, LeadStatus

LEADS = Module.LEADS
PAGE_SIZES = (25, 50, 100)


def _page_size(request) -> int:
    try:
        size = int(request.GET.get("page_size") or PAGE_SIZES[0])
    except ValueError:
        size = PAGE_SIZES[0]
    return size if size in PAGE_SIZES else PAGE_SIZES[0]


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _active_user(value) -> User | None:
    """The active user a form names by id (None for no, a malformed or an unknown id)."""
    user_id = safe_filter_id(value)
    return User.objects.filter(pk=user_id, is_active=True).first() if user_id else None


@login_required
def lead_list(request):
    user = request.user
    require_page_perm(user, LEADS, Action.VIEW)
    if request.GET.get("owner") not in ("me", "none"):
        note_filter_problems(request, ids=("owner",))
    qs = selectors.lead_list(user=user, params=request.GET)
    size = _page_size(request)
    page = Paginator(qs, size).get_page(request.GET.get("page"))
    owners = User.objects.filter(pk__in=Lead.objects.visible_to(user).order_by().values("owner_id")).order_by(
        "display_name", "username", "id")
    context = {
        "page_obj": page, "leads": list(page.object_list), "params": request.GET, "nav_active": "leads",
        "statuses": LeadStatus.choices, "sources": picklist_choices("source", request.GET.get("source")),
        "owners": list(owners), "page_sizes": PAGE_SIZES, "page_size": size,
        "sorts": [("-created_at", _("Newest first")), ("created_at", _("Oldest first")),
                  ("-updated_at", _("Recently updated")), ("company_name", _("Company name")),
                  ("-estimated_amount", _("Largest amount"))],
        "can_create": has_perm(user, LEADS, Action.CREATE),
        "can_assign": has_perm(user, LEADS, Action.TRANSFER),
        "can_edit": has_perm(user, LEADS, Action.EDIT),
    }
    return render_page(request, "sales/leads/lead_list.html", context, fragment="sales/leads/_lead_table.html")


@login_required
@require_POST
def lead_bulk(request):
    user = request.user
    require_page_perm(user, LEADS, Action.EDIT)
    back = _next_url(request, reverse("sales:lead_list"))
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    if not ids:
        messages.error(request, _("Select at least one lead."))
        return redirect(back)
    action = request.POST.get("action") or ""
    to = None
    if action == "assign":
        to = _active_user(request.POST.get("to"))
    try:
        result = services.leads_bulk(by=user, ids=ids, action=action, to=to, reason=request.POST.get("reason", ""))
    except SERVICE_ERRORS as exc:
        report_error(request, exc)
        return redirect(back)
    if result.done:
        messages.success(request, ngettext("%(count)d lead updated.", "%(count)d leads updated.", len(result.done)) % {"count": len(result.done)})
    for pk, reason in sorted(result.failed.items()):
        messages.error(request, _("Lead #%(id)d: %(reason)s") % {"id": pk, "reason": reason})
    return redirect(back)


@login_required
def lead_create(request):
    require_page_perm(request.user, LEADS, Action.CREATE)
    form = LeadForm(request.POST or None, initial={"status": LeadStatus.NEW})
    if request.method == "POST" and form.is_valid():
        try:
            lead = services.lead_create(by=request.user, data=form.service_data())
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Lead “%(name)s” created.") % {"name": lead.company_name})
            return redirect("sales:lead_detail", pk=lead.pk)
    return render_page(request, "sales/leads/lead_form.html", {"form": form, "lead": None, "nav_active": "leads"})


@login_required
def lead_edit(request, pk: int):
    require_page_perm(request.user, LEADS, Action.EDIT)
    lead = get_visible_or_404(Lead, request.user, pk)
    form = LeadForm(request.POST or None, instance=lead)
    if request.method == "POST" and form.is_valid():
        try:
            services.lead_update(lead=lead, by=request.user, data=form.service_data(),
                                 expected_version=safe_filter_id(request.POST.get("version")) or lead.version)
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Saved."))
            return redirect("sales:lead_detail", pk=pk)
    return render_page(request, "sales/leads/lead_form.html", {"form": form, "lead": lead, "nav_active": "leads"})


@login_required
def lead_detail(request, pk: int):
    user = request.user
    require_page_perm(user, LEADS, Action.VIEW)
    lead = selectors.lead_detail(user=user, pk=pk)
    editable = Lead.objects.editable_by(user).filter(pk=pk).exists()
    return render_page(request, "sales/leads/lead_detail.html", {
        "lead": lead, "nav_active": "leads", "history": record_history(lead),
        "can_edit": editable and lead.status != LeadStatus.CONVERTED,
        "can_convert": editable and lead.status != LeadStatus.CONVERTED,
        "can_assign": editable and lead.status != LeadStatus.CONVERTED and has_perm(user, LEADS, Action.TRANSFER),
        "can_delete": editable and has_perm(user, LEADS, Action.DELETE),
        "reason_form": ReasonForm(), "owner_form": OwnerForm(picker_url=reverse("customers:picker_users")),
    })


def _lead_action(request, pk: int, run, success: str):
    lead = get_visible_or_404(Lead, request.user, pk)
    try:
        run(lead)
    except SERVICE_ERRORS as exc:
        report_error(request, exc)
    else:
        messages.success(request, success)
    return lead


@login_required
@require_POST
def lead_disqualify(request, pk: int):
    _lead_action(request, pk, lambda lead: services.lead_disqualify(lead=lead, by=request.user,
                                                                     reason=request.POST.get("reason", "")),
                 _("The lead was disqualified."))
    return redirect("sales:lead_detail", pk=pk)


@login_required
@require_POST
def lead_assign(request, pk: int):
    to = _active_user(request.POST.get("to"))

    def run(lead):
        if to is None:
            from django.core.exceptions import ValidationError

            raise ValidationError({"owner": [_("The owner must be an active user.")]})
        services.lead_assign(lead=lead, to=to, by=request.user)

    _lead_action(request, pk, run, _("The lead was reassigned."))
    return redirect("sales:lead_detail", pk=pk)


@login_required
@require_POST
def lead_delete(request, pk: int):
    lead = get_visible_or_404(Lead, request.user, pk)
    try:
        services.lead_delete(lead=lead, by=request.user)
    except SERVICE_ERRORS as exc:
        report_error(request, exc)
        return redirect("sales:lead_detail", pk=pk)
    messages.success(request, _("The lead was moved to the recycle bin."))
    return redirect("sales:lead_list")


@login_required
def lead_convert(request, pk: int):
    """The conversion wizard. GET: the duplicate check and the choices (nothing is written).
    POST step=review: the summary to confirm. POST step=confirm: the conversion, in one transaction."""
    user = request.user
    require_page_perm(user, LEADS, Action.EDIT)
    lead = get_visible_or_404(Lead.objects.select_related("owner"), user, pk)
    if lead.status == LeadStatus.CONVERTED:
        messages.info(request, _("This lead was already converted."))
        return redirect("sales:lead_detail", pk=pk)
    check = services.conversion_check(by=user, data=services.lead_conversion_data(lead))
    step = request.POST.get("step") if request.method == "POST" else "choose"
    if step == "back":
        form, step = ConvertForm(request.POST, check=check, user=user, lead=lead), "choose"
        form.is_valid()
    else:
        form = ConvertForm(request.POST or None, check=check, user=user, lead=lead)
    if step in ("review", "confirm") and not form.is_valid():
        step = "choose"
    if step == "confirm":
        try:
            result = services.lead_convert(lead=lead, by=user, plan=form.plan())
        except services.ConversionConflicts as exc:
            check = exc.check
            messages.error(request, exc.message)
            step = "choose"
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form, aliases={"customer_action": "customer_choice",
                                                      "contact_action": "contact_choice"})
            step = "choose"
        else:
            messages.success(request, _("The lead was converted into “%(name)s”.") % {"name": result.customer.name})
            if result.opportunity is not None:
                return redirect("sales:opportunity_detail", pk=result.opportunity.pk)
            return redirect("customers:customer_detail", pk=result.customer.pk)
    summary = None
    if step == "review":
        summary = _summary(form, check)
    return render_page(request, "sales/leads/lead_convert.html", {
        "lead": lead, "check": check, "form": form, "step": step, "summary": summary, "nav_active": "leads",
        "hidden_company": [m for m in check.company if not m.customer_id],
        "locked_company": [m for m in check.company if m.customer_id and m.customer_id not in
                           form.editable_customer_ids],
    })


def _summary(form: ConvertForm, check) -> dict:
    plan = form.plan()
    names = {str(m.customer_id): m.name for m in check.company if m.customer_id}
    people = {str(m.contact_id): m.name for m in check.person if m.contact_id}
    return {
        "plan": plan,
        "customer_name": names.get(str(plan.customer_id), ""),
        "contact_name": people.get(str(plan.contact_id), ""),
        "pipeline": form.cleaned_data.get("pipeline"),
    }
