"""Pages of the notifications app: the inbox, marking read, e-mail choices, the header bell."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from forpcrm.core.htmx import SERVICE_ERRORS, is_htmx, render_page, report_error
from forpcrm.org.access import get_visible_or_404

from . import selectors, services
from .models import EMAIL_DEFAULT_KINDS, Notification, NotificationKind

PAGE_SIZE = 25
PAGE_SIZES = (25, 50, 100)


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


def _record_url(notification: Notification) -> str:
    """Only links inside the product are followed (a stored URL never sends users elsewhere)."""
    url = notification.url or ""
    if url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    return ""


def _page_size(request) -> int:
    try:
        size = int(request.GET.get("page_size", PAGE_SIZE))
    except ValueError:
        return PAGE_SIZE
    return size if size in PAGE_SIZES else PAGE_SIZE


def _inbox_context(request) -> dict:
    status = request.GET.get("status") or selectors.STATUS_ALL
    if status not in selectors.STATUSES:
        status = selectors.STATUS_ALL
    kind = request.GET.get("kind") or ""
    if kind not in NotificationKind.values:
        kind = ""
    q = (request.GET.get("q") or "").strip()[:200]
    qs = selectors.notification_list(user=request.user, status=status, kind=kind, q=q)
    size = _page_size(request)
    page = Paginator(qs, size).get_page(request.GET.get("page"))
    items = list(page.object_list)
    for item in items:
        item.record_url = _record_url(item)
    return {
        "page_obj": page, "notifications": items, "status": status, "kind": kind, "q": q,
        "kinds": NotificationKind.choices, "page_size": size, "page_sizes": PAGE_SIZES,
        "statuses": [(selectors.STATUS_ALL, _("All")), (selectors.STATUS_UNREAD, _("Unread")),
                     (selectors.STATUS_READ, _("Read"))],
        "nav_active": "notifications",
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def inbox(request):
    """The inbox; a POST here marks every notification read (HTMX: answers the list, same filters)."""
    if request.method == "POST":
        return notifications_mark_all_read(request)
    return render_page(request, "notifications/inbox.html", _inbox_context(request),
                       fragment="notifications/_list.html")


@login_required
@require_GET
def notification_open(request, pk: int):
    """Follow a notification to its record; opening it marks it read."""
    notification = get_visible_or_404(Notification, request.user, pk)
    services.notifications_mark_read(user=request.user, ids=[notification.pk])
    return redirect(_record_url(notification) or "notifications:inbox")


@login_required
@require_POST
def notification_mark_read(request, pk: int):
    notification = get_visible_or_404(Notification, request.user, pk)
    if request.POST.get("unread"):
        services.notification_mark_unread(user=request.user, notification_id=notification.pk)
    else:
        services.notifications_mark_read(user=request.user, ids=[notification.pk])
    if is_htmx(request):
        notification.refresh_from_db()
        notification.record_url = _record_url(notification)
        return render_page(request, "notifications/_row.html", {"n": notification, "oob_bell": True})
    return redirect(_safe_next(request, "notifications:inbox"))


@login_required
@require_POST
def notifications_mark_all_read(request):
    """Mark every notification of the user read."""
    changed = services.notifications_mark_read(user=request.user, ids=None)
    if is_htmx(request):
        context = _inbox_context(request)
        context["oob_bell"] = True
        return render_page(request, "notifications/_list.html", context)
    messages.success(request, ngettext("%(count)d notification marked read.", "%(count)d notifications marked read.", changed) % {"count": changed})
    return redirect(_safe_next(request, "notifications:inbox"))


@login_required
def preferences(request):
    if request.method == "POST":
        chosen = request.POST.getlist("email")
        try:
            services.preferences_set(user=request.user, email_kinds=chosen)
        except SERVICE_ERRORS as exc:
            report_error(request, exc)
            current = {kind: kind in chosen for kind in NotificationKind.values}
        else:
            messages.success(request, _("Your e-mail choices were saved."))
            return redirect("notifications:preferences")
    else:
        current = services.preferences_get(user=request.user)
    rows = [{"kind": value, "label": label, "email": current.get(value, False),
             "default": value in EMAIL_DEFAULT_KINDS} for value, label in NotificationKind.choices]
    return render_page(request, "notifications/preferences.html", {
        "rows": rows, "has_email": bool(request.user.email), "nav_active": "notifications",
    })


@require_GET
def bell(request):
    """The bell alone (HTMX refreshes it every minute). Logged out: 286 stops the polling, nothing swaps."""
    if not request.user.is_authenticated:
        return HttpResponse(status=286)
    return render_page(request, "partials/nav_bell.html", {})
