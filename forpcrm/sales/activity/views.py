"""Pages of follow-ups, visit plans, check-in and the calendar."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from forpcrm.core.htmx import SERVICE_ERRORS, note_filter_problems, post_action, render_page, report_error
from forpcrm.core.parsing import safe_filter_date, safe_filter_id
from forpcrm.customers.models import Customer
from forpcrm.org.access import get_visible_or_404, has_perm, require_page_perm, scope_for
from forpcrm.org.models import Action, DataScope, Module, User

from . import selectors, services
from .forms import (
    CancelForm,
    CheckInForm,
    CommentForm,
    CompleteForm,
    FollowUpForm,
    QuickFollowUpForm,
    VisitForm,
)
from .models import FollowUp, VisitStatus

ACT = Module.ACTIVITIES
PAGE_SIZE = 25


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _owners(user):
    ids = services.team_user_ids(user)
    qs = User.objects.filter(is_active=True)
    if ids is not None:
        qs = qs.filter(pk__in=sorted(ids))
    return list(qs.order_by("username", "id"))


# ---------------------------------------------------------------- follow-ups


@login_required
def followup_list(request):
    require_page_perm(request.user, ACT, Action.VIEW)
    note_filter_problems(request, dates=("date_from", "date_to"),
                         ids=("owner", "customer", "contact", "opportunity", "visit"))
    qs = selectors.followup_list(user=request.user, params=request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    kinds = services.followup_kinds()
    rows = list(page.object_list)
    labels = dict(kinds)
    for row in rows:
        row.kind_label = labels.get(row.kind, row.kind)
    context = {"page_obj": page, "followups": rows, "kinds": kinds, "owners": _owners(request.user),
               "params": request.GET, "nav_active": "followups",
               "can_create": has_perm(request.user, ACT, Action.CREATE)}
    return render_page(request, "sales/activity/followup_list.html", context,
                       fragment="sales/activity/_followup_table.html")


@login_required
def followup_create(request):
    require_page_perm(request.user, ACT, Action.CREATE)
    initial = {"customer": request.GET.get("customer"), "opportunity": request.GET.get("opportunity"),
               "contact": request.GET.get("contact"), "kind": "phone"}
    form = FollowUpForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            followup = services.followup_create(by=request.user, data=form.service_data())
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Follow-up recorded."))
            return redirect(_next_url(request, reverse("sales:followup_detail", args=[followup.pk])))
    return render_page(request, "sales/activity/followup_form.html",
                       {"form": form, "followup": None, "nav_active": "followups"})


@login_required
@require_POST
def followup_quick_add(request, customer_pk: int):
    """The customer page's quick form; errors go back to the full form with what was typed."""
    require_page_perm(request.user, ACT, Action.CREATE)
    customer = get_visible_or_404(Customer, request.user, customer_pk)
    form = QuickFollowUpForm(request.POST, request.FILES or None, user=request.user, customer=customer)
    if form.is_valid():
        try:
            services.followup_create(by=request.user, data=form.service_data())
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Follow-up recorded."))
            return redirect(reverse("customers:customer_detail", args=[customer.pk]) + "#panel-followups")
    return render_page(request, "sales/activity/followup_form.html",
                       {"form": form, "followup": None, "nav_active": "followups"}, status=400)


def _followup(request, pk):
    return get_visible_or_404(FollowUp.objects.select_related("customer", "contact", "opportunity", "owner", "visit"),
                              request.user, pk)


@login_required
def followup_detail(request, pk: int):
    require_page_perm(request.user, ACT, Action.VIEW)
    followup = _followup(request, pk)
    followup.kind_label = services.followup_kind_label(followup.kind)
    return render_page(request, "sales/activity/followup_detail.html", {
        "followup": followup, "comments": list(selectors.comments_for(target=followup)),
        "comment_form": CommentForm(), "nav_active": "followups",
        "can_edit": has_perm(request.user, ACT, Action.EDIT) and services.covers(request.user, followup.owner_id),
        "can_delete": has_perm(request.user, ACT, Action.DELETE) and services.covers(request.user, followup.owner_id),
    })


@login_required
def followup_edit(request, pk: int):
    require_page_perm(request.user, ACT, Action.EDIT)
    followup = _followup(request, pk)
    form = FollowUpForm(request.POST or None, request.FILES or None, user=request.user, instance=followup)
    if request.method == "POST" and form.is_valid():
        try:
            services.followup_update(followup=followup, by=request.user, data=form.service_data())
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Saved."))
            return redirect("sales:followup_detail", pk=pk)
    return render_page(request, "sales/activity/followup_form.html",
                       {"form": form, "followup": followup, "nav_active": "followups"})


@login_required
@require_POST
def followup_delete(request, pk: int):
    require_page_perm(request.user, ACT, Action.DELETE)
    followup = _followup(request, pk)
    return post_action(request, lambda: services.followup_delete(followup=followup, by=request.user),
                       done=_("Follow-up moved to the recycle bin."), done_url=reverse("sales:followup_list"),
                       failed_url=reverse("sales:followup_detail", args=[pk]))


@login_required
@require_POST
def followup_comment(request, pk: int):
    require_page_perm(request.user, ACT, Action.VIEW)
    followup = _followup(request, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(by=request.user, target=followup, body=form.cleaned_data["body"])
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Comment added."))
            return redirect(reverse("sales:followup_detail", args=[pk]) + "#comments")
    followup.kind_label = services.followup_kind_label(followup.kind)
    return render_page(request, "sales/activity/followup_detail.html", {
        "followup": followup, "comments": list(selectors.comments_for(target=followup)),
        "comment_form": form, "nav_active": "followups"}, status=400)


# ---------------------------------------------------------------- visits


@login_required
def visit_list(request):
    require_page_perm(request.user, ACT, Action.VIEW)
    note_filter_problems(request, dates=("date_from", "date_to"), ids=("owner", "customer", "opportunity"))
    qs = selectors.visit_list(user=request.user, params=request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page_obj": page, "visits": list(page.object_list), "statuses": VisitStatus.choices,
               "owners": _owners(request.user), "params": request.GET, "nav_active": "visits",
               "can_create": has_perm(request.user, ACT, Action.CREATE)}
    return render_page(request, "sales/activity/visit_list.html", context,
                       fragment="sales/activity/_visit_table.html")


@login_required
def visit_create(request):
    require_page_perm(request.user, ACT, Action.CREATE)
    initial = {"customer": request.GET.get("customer"), "opportunity": request.GET.get("opportunity"),
               "date": request.GET.get("date"), "remind_minutes": 15}
    form = VisitForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.visit_create(by=request.user, data=form.service_data())
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Visit planned."))
            return redirect("sales:visit_detail", pk=visit.pk)
    return render_page(request, "sales/activity/visit_form.html", {"form": form, "visit": None, "nav_active": "visits"})


def _visit(request, pk):
    return get_visible_or_404(selectors.visit_detail_queryset(), request.user, pk)


def _visit_context(request, visit, **extra) -> dict:
    can_edit = has_perm(request.user, ACT, Action.EDIT) and services.covers(request.user, visit.owner_id)
    companions = list(visit.companions.all())
    context = {
        "visit": visit, "checkins": list(visit.checkins.all()), "contacts": list(visit.contacts.all()),
        "companions": companions, "followups": list(visit.followups.select_related("owner").order_by("-at", "-id")),
        "can_edit": can_edit and visit.status == VisitStatus.PLANNED,
        "can_delete": has_perm(request.user, ACT, Action.DELETE) and services.covers(request.user, visit.owner_id),
        "can_check_in": services.can_check_in(request.user, visit, {u.pk for u in companions}),
        "complete_form": CompleteForm(), "cancel_form": CancelForm(), "checkin_form": CheckInForm(),
        "nav_active": "visits",
        "geo_messages": {"locating": _("Finding your location…"), "found": _("Location found. Check the values, then check in."),
                         "denied": _("Location access was denied. Allow it in the browser or type the coordinates."),
                         "unavailable": _("The location is not available on this device. Type the coordinates.")},
    }
    context.update(extra)
    return context


@login_required
def visit_detail(request, pk: int):
    require_page_perm(request.user, ACT, Action.VIEW)
    visit = _visit(request, pk)
    return render_page(request, "sales/activity/visit_detail.html", _visit_context(request, visit))


@login_required
def visit_edit(request, pk: int):
    require_page_perm(request.user, ACT, Action.EDIT)
    visit = _visit(request, pk)
    form = VisitForm(request.POST or None, user=request.user, instance=visit)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_update(visit=visit, by=request.user, data=form.service_data(),
                                  expected_version=safe_filter_id(request.POST.get("version")) or visit.version)
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Saved."))
            return redirect("sales:visit_detail", pk=pk)
    return render_page(request, "sales/activity/visit_form.html", {"form": form, "visit": visit,
                                                                   "nav_active": "visits"})


@login_required
@require_POST
def visit_complete(request, pk: int):
    require_page_perm(request.user, ACT, Action.EDIT)
    visit = _visit(request, pk)
    form = CompleteForm(request.POST)
    if form.is_valid():
        try:
            services.visit_complete(visit=visit, by=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Visit completed and follow-up recorded."))
            return redirect("sales:visit_detail", pk=pk)
    return render_page(request, "sales/activity/visit_detail.html",
                       _visit_context(request, visit, complete_form=form), status=400)


@login_required
@require_POST
def visit_cancel(request, pk: int):
    require_page_perm(request.user, ACT, Action.EDIT)
    visit = _visit(request, pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.visit_cancel(visit=visit, by=request.user, reason=form.cleaned_data["reason"])
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Visit cancelled."))
    return redirect("sales:visit_detail", pk=pk)


@login_required
@require_POST
def visit_delete(request, pk: int):
    require_page_perm(request.user, ACT, Action.DELETE)
    visit = _visit(request, pk)
    return post_action(request, lambda: services.visit_delete(visit=visit, by=request.user),
                       done=_("Visit plan moved to the recycle bin."), done_url=reverse("sales:visit_list"),
                       failed_url=reverse("sales:visit_detail", args=[pk]))


@login_required
@require_POST
def visit_checkin(request, pk: int):
    require_page_perm(request.user, ACT, Action.VIEW)
    visit = _visit(request, pk)
    form = CheckInForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.checkin_add(visit=visit, by=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Checked in."))
            return redirect(reverse("sales:visit_detail", args=[pk]) + "#checkins")
    return render_page(request, "sales/activity/visit_detail.html",
                       _visit_context(request, visit, checkin_form=form), status=400)


@login_required
def checkin_photo(request, pk: int, checkin_pk: int):
    require_page_perm(request.user, ACT, Action.VIEW)
    visit = _visit(request, pk)
    checkin = next((c for c in visit.checkins.all() if c.pk == checkin_pk), None)
    if checkin is None or not checkin.photo:
        raise Http404(_("Not found."))
    response = FileResponse(checkin.photo.open("rb"), as_attachment=False)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


# ---------------------------------------------------------------- calendar

VIEWS = ("day", "week", "month")


def _calendar_range(view: str, anchor: dt.date) -> tuple[dt.date, dt.date, dt.date, dt.date]:
    """(first day shown, day after the last shown, previous anchor, next anchor)."""
    if view == "day":
        return anchor, anchor + dt.timedelta(days=1), anchor - dt.timedelta(days=1), anchor + dt.timedelta(days=1)
    if view == "week":
        first = anchor - dt.timedelta(days=anchor.weekday())
        return first, first + dt.timedelta(days=7), anchor - dt.timedelta(days=7), anchor + dt.timedelta(days=7)
    month_first = anchor.replace(day=1)
    first = month_first - dt.timedelta(days=month_first.weekday())
    days_in_month = pycalendar.monthrange(anchor.year, anchor.month)[1]
    month_end = month_first + dt.timedelta(days=days_in_month)
    last = month_end + dt.timedelta(days=(7 - month_end.weekday()) % 7)
    prev_anchor = (month_first - dt.timedelta(days=1)).replace(day=1)
    return first, last, prev_anchor, month_end


def calendar_who(user, value: str) -> tuple[set[int] | None, str]:
    """Whose items to show: "" (own), "team", or a user id within the user's ACTIVITIES scope."""
    scope = scope_for(user, ACT)
    if not value or scope is None or scope == DataScope.OWN:
        return {user.pk}, ""
    team = services.team_user_ids(user)
    if value == "team":
        return team, "team"
    member = safe_filter_id(value)
    if member is None:
        return {user.pk}, ""
    if team is not None and member not in team:
        raise Http404(_("Not found."))
    return {member}, str(member)


@login_required
def calendar_view(request):
    require_page_perm(request.user, ACT, Action.VIEW)
    from django.utils import timezone

    zone = selectors.user_zone(request.user)
    view = request.GET.get("view") if request.GET.get("view") in VIEWS else "week"
    note_filter_problems(request, dates=("date",))
    anchor = safe_filter_date(request.GET.get("date")) or timezone.now().astimezone(zone).date()
    first, last, prev_anchor, next_anchor = _calendar_range(view, anchor)
    who, who_value = calendar_who(request.user, request.GET.get("who") or "")
    start = dt.datetime.combine(first, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(last, dt.time(), tzinfo=zone)
    items = selectors.calendar_items(user=request.user, start=start, end=end, who=who)
    by_day: dict[dt.date, list] = {}
    for item in items:
        item.local_start = item.start.astimezone(zone)
        item.local_end = item.end.astimezone(zone)
        by_day.setdefault(item.local_start.date(), []).append(item)
    days = [first + dt.timedelta(days=i) for i in range((last - first).days)]
    weeks = [days[i:i + 7] for i in range(0, len(days), 7)]
    cells = [[{"day": d, "items": by_day.get(d, []), "in_month": d.month == anchor.month} for d in week]
             for week in weeks]
    scope = scope_for(request.user, ACT)
    members = _owners(request.user) if scope is not None and scope != DataScope.OWN else []
    return render_page(request, "sales/activity/calendar.html", {
        "view": view, "anchor": anchor, "prev_anchor": prev_anchor, "next_anchor": next_anchor,
        "today": timezone.now().astimezone(zone).date(), "weeks": cells, "items": items,
        "day_items": by_day.get(anchor, []), "members": members, "who": who_value, "nav_active": "calendar",
        "views": [("day", _("Day")), ("week", _("Week")), ("month", _("Month"))],
    })


# ---------------------------------------------------------------- customer page panels


def customer_followups_panel(request, customer) -> dict:
    user = request.user
    if not has_perm(user, ACT, Action.VIEW):
        return {"items": [], "allowed": False}
    rows = list(selectors.followup_list(user=user, params={"customer": customer.pk})[:10])
    labels = dict(services.followup_kinds())
    for row in rows:
        row.kind_label = labels.get(row.kind, row.kind)
    form = QuickFollowUpForm(user=user, customer=customer) if has_perm(user, ACT, Action.CREATE) else None
    return {"items": rows, "allowed": True, "customer": customer, "form": form}


def customer_visits_panel(request, customer) -> dict:
    user = request.user
    if not has_perm(user, ACT, Action.VIEW):
        return {"items": [], "allowed": False}
    rows = list(selectors.visit_list(user=user, params={"customer": customer.pk})[:10])
    return {"items": rows, "allowed": True, "customer": customer,
            "can_create": has_perm(user, ACT, Action.CREATE)}


# ---------------------------------------------------------------- panels on the opportunity and contact pages


@login_required
def opportunity_activity(request, pk: int):
    """Follow-ups and visits of an opportunity (loaded into its page by HTMX)."""
    from django.http import HttpResponse

    from forpcrm.sales.models import Opportunity

    opportunity = get_visible_or_404(Opportunity, request.user, pk)
    if not has_perm(request.user, ACT, Action.VIEW):
        return HttpResponse("")
    return render_page(request, "sales/activity/_activity_fragment.html", {
        "followups": list(selectors.followup_list(user=request.user, params={"opportunity": pk})[:10]),
        "visits": list(selectors.visit_list(user=request.user, params={"opportunity": pk})[:10]),
        "can_create": has_perm(request.user, ACT, Action.CREATE),
        "create_query": f"customer={opportunity.customer_id}&opportunity={opportunity.pk}",
    })


@login_required
def contact_activity(request, pk: int):
    """Follow-ups and visits with a contact (loaded into the contact page by HTMX)."""
    from django.http import HttpResponse

    from forpcrm.customers.models import Contact

    contact = get_visible_or_404(Contact, request.user, pk)
    if not has_perm(request.user, ACT, Action.VIEW):
        return HttpResponse("")
    visits = selectors.visit_list(user=request.user, params={}).filter(contacts=contact)
    return render_page(request, "sales/activity/_activity_fragment.html", {
        "followups": list(selectors.followup_list(user=request.user, params={"contact": pk})[:10]),
        "visits": list(visits[:10]),
        "can_create": has_perm(request.user, ACT, Action.CREATE),
        "create_query": f"customer={contact.customer_id}&contact={contact.pk}",
    })
