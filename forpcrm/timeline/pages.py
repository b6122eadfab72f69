"""The timeline section of the customer page (客户360): toggles by kind, newest first, "load more".

The section is served by the customer page itself: ``?tl=<toggle>&tl_page=<n>``. HTMX asks for the
same URL and swaps only the section (``hx-select``), so every toggle and "load more" is also a plain
link that works without JavaScript.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .registry import timeline_filter_register
from .selectors import timeline_page

DEFAULT_FILTERS = [
    ("all", _("All events"), (), 0),
    ("followups", _("Follow-ups"), ("followup",), 10),
    ("visits", _("Visits"), ("visit",), 20),
    ("checkins", _("Check-ins"), ("checkin",), 30),
    ("opportunities", _("Opportunities"), ("opportunity",), 40),
    ("leads", _("Leads"), ("lead",), 45),
    ("documents", _("Documents"), ("document",), 50),
    ("emails", _("E-mails"), ("email",), 60),
    ("urges", _("Urges"), ("urge",), 70),
    ("comments", _("Comments"), ("comment",), 80),
    ("ownership", _("Ownership"), ("ownership",), 90),
    ("history", _("History"), ("history",), 100),
]


def default_filters_register() -> None:
    for key, label, kinds, order in DEFAULT_FILTERS:
        timeline_filter_register(key, label, kinds, order)


def _page_number(value) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1


def timeline_panel_context(request, customer) -> dict:
    """Context of partials/timeline.html for the customer page (reads through the user's scope)."""
    page = timeline_page(user=request.user, customer=customer, filter_key=request.GET.get("tl"),
                         page=_page_number(request.GET.get("tl_page")))
    return {"items": page.items, "timeline": page, "next_page": page.page + 1}
