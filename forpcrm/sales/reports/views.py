"""Pages of sales reports (list, create, edit, detail with comments and review, rules, missing
submissions) and urges (list, create from a customer or an opportunity, detail with answer / done)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from forpcrm.core.htmx import SERVICE_ERRORS, note_filter_problems, post_action, render_page, report_error
from forpcrm.core.parsing import safe_filter_date, safe_filter_id
from forpcrm.customers.models import Customer
from forpcrm.org.access import get_visible_or_404, has_perm, require_page_perm
from forpcrm.org.models import Action, Module
from forpcrm.sales.models import Opportunity

from . import selectors, services
from .forms import AnswerForm, CommentForm, ReportStartForm, ReportTextForm, ReviewForm, RuleForm, UrgeForm
from .models import ReportKind, ReportRule, ReportStatus, SalesReport, Urge, UrgeStatus
from .periods import period_for, period_label, today_for
from .summary import summary_compute, summary_rows

PAGE_SIZES = (25, 50, 100)
REP = Module.REPORTS
ACT = Module.ACTIVITIES


def _page(request, qs):
    try:
        size = int(request.GET.get("page_size") or PAGE_SIZES[0])
    except ValueError:
        size = PAGE_SIZES[0]
    size = size if size in PAGE_SIZES else PAGE_SIZES[0]
    return Paginator(qs, size).get_page(request.GET.get("page")), size


def _day(value) -> dt.date | None:
    return safe_filter_date(value)  # an unusable date is no date; the page notes it


def _chart(rows) -> dict:
    return {"labels": [str(r["label"]) for r in rows], "counts": [r["count"] for r in rows]}


# ---------------------------------------------------------------- reports


@login_required
def report_list(request):
    require_page_perm(request.user, REP, Action.VIEW)
    note_filter_problems(request, dates=("date", "date_from", "date_to"), ids=("author",))
    params = request.GET.copy()
    params.setdefault("tab", "mine")
    qs = selectors.report_list(user=request.user, params=params)
    page, size = _page(request, qs)
    context = {
        "page_obj": page, "reports": list(page.object_list), "params": params, "page_size": size,
        "page_sizes": PAGE_SIZES, "kinds": ReportKind.choices, "statuses": ReportStatus.choices,
        "authors": list(selectors.report_authors(user=request.user)) if params["tab"] != "mine" else [],
        "nav_active": "reports", "can_create": has_perm(request.user, REP, Action.CREATE),
        "can_configure": has_perm(request.user, REP, Action.CONFIGURE),
    }
    return render_page(request, "sales/reports/report_list.html", context,
                       fragment="sales/reports/_report_table.html")


@login_required
def report_create(request):
    require_page_perm(request.user, REP, Action.CREATE)
    user = request.user
    source = request.POST if request.method == "POST" else request.GET
    start_form = ReportStartForm(data={"kind": source.get("kind") or ReportKind.DAILY,
                                       "date": source.get("date") or today_for(user).isoformat()})
    if start_form.is_valid():
        kind, day = start_form.cleaned_data["kind"], start_form.cleaned_data["date"]
    else:  # an unknown kind or an unusable date: say so, create nothing, show today's daily period
        for field, errors in start_form.errors.items():
            label = capfirst(str(start_form.fields[field].label)) if field in start_form.fields else ""
            messages.error(request, _("%(field)s: %(errors)s") % {"field": label, "errors": " ".join(errors)}
                           if label else " ".join(errors))
        kind, day = ReportKind.DAILY, today_for(user)
    existing = SalesReport.objects.filter(author=user, kind=kind, period_start=period_for(kind, day)[0]).first()
    if existing is not None and request.method == "GET" and start_form.is_valid():
        messages.info(request, _("You already have a report for this period."))
        return redirect("sales:report_edit" if existing.status == ReportStatus.DRAFT else "sales:report_detail",
                        pk=existing.pk)
    form = ReportTextForm(request.POST or None)
    if request.method == "POST" and start_form.is_valid() and form.is_valid():
        try:
            with transaction.atomic():  # a report that cannot be submitted is not left behind as a draft
                report = services.report_create(by=user, kind=kind, day=day, data=form.cleaned_data)
                if request.POST.get("submit"):
                    report = services.report_submit(report=report, by=user)
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Report submitted.") if request.POST.get("submit") else _("Report saved."))
            return redirect("sales:report_detail", pk=report.pk)
    start, end = period_for(kind, day)
    rows = summary_rows(summary_compute(author=user, period_start=start, period_end=end))
    return render_page(request, "sales/reports/report_form.html", {
        "form": form, "start_form": start_form, "report": None, "kind": kind, "day": day, "period_start": start,
        "period_end": end, "period_label": period_label(kind, start, end), "rows": rows, "chart": _chart(rows), "nav_active": "reports"},
        status=400 if request.method == "POST" or not start_form.is_valid() else 200)


def _report(request, pk):
    return get_visible_or_404(SalesReport.objects.select_related("author", "reviewed_by", "department"),
                              request.user, pk)


@login_required
def report_edit(request, pk: int):
    require_page_perm(request.user, REP, Action.EDIT)
    report = _report(request, pk)
    if report.author_id != request.user.pk or report.status != ReportStatus.DRAFT:
        messages.error(request, _("The report was submitted and is locked; reopen it first.")
                       if report.author_id == request.user.pk else _("Only the author may change a report."))
        return redirect("sales:report_detail", pk=pk)
    form = ReportTextForm(request.POST or None, initial={"done": report.done, "plans": report.plans,
                                                        "problems": report.problems})
    if request.method == "POST" and form.is_valid():
        version = safe_filter_id(request.POST.get("version")) or report.version
        try:
            data = {**form.cleaned_data, "refresh": bool(request.POST.get("refresh"))}
            with transaction.atomic():
                report = services.report_update(report=report, by=request.user, data=data,
                                                expected_version=version)
                if request.POST.get("submit"):
                    report = services.report_submit(report=report, by=request.user)
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Report submitted.") if request.POST.get("submit") else _("Report saved."))
            if request.POST.get("refresh"):
                return redirect("sales:report_edit", pk=pk)
            return redirect("sales:report_detail", pk=pk)
    rows = summary_rows(report.summary)
    return render_page(request, "sales/reports/report_form.html", {
        "form": form, "report": report, "kind": report.kind, "period_start": report.period_start,
        "period_end": report.period_end, "period_label": report.period_label, "rows": rows, "chart": _chart(rows), "nav_active": "reports"})


def _comments(report):
    from forpcrm.sales.activity.selectors import comments_for

    return list(comments_for(target=report))


@login_required
def report_detail(request, pk: int):
    require_page_perm(request.user, REP, Action.VIEW)
    report = _report(request, pk)
    user = request.user
    rows = summary_rows(report.summary)
    mine = report.author_id == user.pk
    return render_page(request, "sales/reports/report_detail.html", {
        "report": report, "rows": rows, "chart": _chart(rows), "comments": _comments(report),
        "comment_form": CommentForm(), "review_form": ReviewForm(), "nav_active": "reports",
        "can_edit": mine and report.status == ReportStatus.DRAFT,
        "can_reopen": mine and report.status == ReportStatus.SUBMITTED,
        "can_review": services.can_review(report, user),
    })


def _report_action(request, pk: int, fn, done_message: str):
    require_page_perm(request.user, REP, Action.VIEW)
    report = _report(request, pk)
    return post_action(request, lambda: fn(report), done=done_message,
                       done_url=reverse("sales:report_detail", args=[pk]))


@login_required
@require_POST
def report_submit(request, pk: int):
    return _report_action(request, pk, lambda r: services.report_submit(report=r, by=request.user),
                          _("Report submitted."))


@login_required
@require_POST
def report_reopen(request, pk: int):
    require_page_perm(request.user, REP, Action.VIEW)
    report = _report(request, pk)
    return post_action(request, lambda: services.report_reopen(report=report, by=request.user),
                       done=_("The report is a draft again."), done_url=reverse("sales:report_edit", args=[pk]),
                       failed_url=reverse("sales:report_detail", args=[pk]))


@login_required
@require_POST
def report_review(request, pk: int):
    comment = ReviewForm(request.POST).data.get("comment", "")
    return _report_action(request, pk, lambda r: services.report_review(report=r, by=request.user,
                                                                        comment=comment or ""),
                          _("Marked reviewed."))


@login_required
@require_POST
def report_comment(request, pk: int):
    body = request.POST.get("body", "")
    return _report_action(request, pk, lambda r: services.report_comment(report=r, by=request.user, body=body),
                          _("Comment added."))


@login_required
@require_POST
def report_delete(request, pk: int):
    require_page_perm(request.user, REP, Action.EDIT)
    report = _report(request, pk)
    return post_action(request, lambda: services.report_delete(report=report, by=request.user),
                       done=_("Draft deleted."), done_url=reverse("sales:report_list"),
                       failed_url=reverse("sales:report_detail", args=[pk]))


# ---------------------------------------------------------------- rules and missing submissions


@login_required
def report_rules(request):
    require_page_perm(request.user, REP, Action.CONFIGURE)
    return render_page(request, "sales/reports/rule_list.html", {
        "rules": list(selectors.rules_list()), "nav_active": "reports"})


@login_required
def report_rule_edit(request, pk: int | None = None):
    require_page_perm(request.user, REP, Action.CONFIGURE)
    rule = None
    if pk is not None:
        rule = ReportRule.objects.filter(pk=pk).first()
        if rule is None:
            raise Http404(_("Not found."))
    initial = None if rule else {"deadline_time": dt.time(9, 0), "kind": ReportKind.DAILY}
    form = RuleForm(request.POST or None, instance=rule, initial=initial)
    if request.method == "POST" and request.POST.get("delete") and rule is not None:
        services.rule_delete(by=request.user, rule=rule)
        messages.success(request, _("Rule deleted."))
        return redirect("sales:report_rules")
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_save(by=request.user, data=form.service_data(), rule=rule)
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Rule saved."))
            return redirect("sales:report_rules")
    return render_page(request, "sales/reports/rule_form.html", {"form": form, "rule": rule, "nav_active": "reports"})


@login_required
def report_missing(request):
    require_page_perm(request.user, REP, Action.VIEW)
    note_filter_problems(request, dates=("date",))
    kind = request.GET.get("kind") if request.GET.get("kind") in ReportKind.values else ReportKind.DAILY
    day = _day(request.GET.get("date")) or today_for(request.user)
    start, end = period_for(kind, day)
    rows = selectors.report_missing(user=request.user, kind=kind, day=day,
                                    only_problems=request.GET.get("only") == "problems")
    counts = {state: sum(1 for r in rows if r.state == state) for state in ("missing", "late", "on_time", "pending")}
    return render_page(request, "sales/reports/report_missing.html", {
        "rows": rows, "kind": kind, "day": day, "period_start": start, "period_end": end,
        "period_label": period_label(kind, start, end), "kinds": ReportKind.choices,
        "counts": counts, "params": request.GET, "nav_active": "reports",
        "can_configure": has_perm(request.user, REP, Action.CONFIGURE)})


# ---------------------------------------------------------------- urges


@login_required
def urge_list(request):
    require_page_perm(request.user, ACT, Action.VIEW)
    note_filter_problems(request, ids=("customer", "opportunity"))
    params = request.GET.copy()
    params.setdefault("tab", "me")
    qs = selectors.urge_list(user=request.user, params=params)
    page, size = _page(request, qs)
    return render_page(request, "sales/reports/urge_list.html", {
        "page_obj": page, "urges": list(page.object_list), "params": params, "page_size": size,
        "page_sizes": PAGE_SIZES, "now": timezone.now(), "nav_active": "urges",
        "states": selectors.URGE_STATES},
        fragment="sales/reports/_urge_table.html")


def _urge_target(request, source):
    """The visible customer or opportunity named by ?customer= / ?opportunity= (404 otherwise)."""
    if source.get("opportunity"):
        opportunity = get_visible_or_404(Opportunity.objects.select_related("customer", "owner"), request.user,
                                         source["opportunity"])
        return opportunity.customer, opportunity
    if source.get("customer"):
        return get_visible_or_404(Customer.objects.select_related("owner"), request.user, source["customer"]), None
    raise Http404(_("Not found."))


@login_required
def urge_create(request):
    require_page_perm(request.user, ACT, Action.CREATE)
    customer, opportunity = _urge_target(request, request.POST if request.method == "POST" else request.GET)
    record = opportunity or customer
    form = UrgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, **({"opportunity": opportunity} if opportunity else {"customer": customer})}
        try:
            urge = services.urge_create(by=request.user, data=data)
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Urge sent to %(user)s.") % {"user": urge.assignee})
            return redirect("sales:urge_detail", pk=urge.pk)
    return render_page(request, "sales/reports/urge_form.html", {
        "form": form, "customer": customer, "opportunity": opportunity, "record": record,
        "allowed": services.urge_allowed(by=request.user, record=record), "nav_active": "urges"})


def _urge(request, pk):
    return get_visible_or_404(Urge.objects.select_related("customer", "opportunity", "assignee", "created_by",
                                                          "escalated_to"), request.user, pk)


@login_required
def urge_detail(request, pk: int):
    urge = _urge(request, pk)
    user = request.user
    return render_page(request, "sales/reports/urge_detail.html", {
        "urge": urge, "answer_form": AnswerForm(initial={"answer": urge.answer}), "nav_active": "urges",
        "overdue": urge.status == UrgeStatus.OPEN and urge.due_at < timezone.now(),
        "can_answer": not urge.is_closed and urge.assignee_id == user.pk,
        "can_done": not urge.is_closed and user.pk in (urge.assignee_id, urge.created_by_id),
        "can_cancel": not urge.is_closed and urge.created_by_id == user.pk})


def _urge_action(request, pk: int, fn, done_message: str):
    urge = _urge(request, pk)
    try:
        fn(urge)
    except SERVICE_ERRORS as exc:
        report_error(request, exc)
    else:
        messages.success(request, done_message)
    return redirect("sales:urge_detail", pk=pk)


@login_required
@require_POST
def urge_answer(request, pk: int):
    answer = request.POST.get("answer", "")
    return _urge_action(request, pk, lambda u: services.urge_answer(urge=u, by=request.user, answer=answer),
                        _("Answer sent."))


@login_required
@require_POST
def urge_done(request, pk: int):
    answer = request.POST.get("answer", "")
    return _urge_action(request, pk, lambda u: services.urge_done(urge=u, by=request.user, answer=answer),
                        _("Marked done."))


@login_required
@require_POST
def urge_cancel(request, pk: int):
    return _urge_action(request, pk, lambda u: services.urge_cancel(urge=u, by=request.user), _("Urge cancelled."))


@login_required
def opportunity_urges(request, pk: int):
    """The urges panel of the opportunity page (loaded by HTMX)."""
    opportunity = get_visible_or_404(Opportunity.objects.select_related("owner", "customer"), request.user, pk)
    items = selectors.urges_for(user=request.user, opportunity=opportunity) if has_perm(
        request.user, ACT, Action.VIEW) else []
    return render_page(request, "sales/reports/_urges_panel.html", {
        "items": items, "opportunity": opportunity, "customer": opportunity.customer,
        "can_urge": has_perm(request.user, ACT, Action.CREATE) and services.urge_allowed(
            by=request.user, record=opportunity)})


def customer_panel_context(request, customer):
    """The urges section of the customer page (None hides it)."""
    user = request.user
    if not has_perm(user, ACT, Action.VIEW):
        return None
    return {"items": selectors.urges_for(user=user, customer=customer), "customer": customer,
            "can_urge": has_perm(user, ACT, Action.CREATE) and services.urge_allowed(by=user, record=customer)}

