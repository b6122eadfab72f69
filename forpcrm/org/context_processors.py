from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .access import has_perm
from .models import Action, Module

# The "Sales" menu: (module the user needs to view, URL name, label, nav_active key). Pages of higher
# apps are named here by URL only; an entry whose page is not installed is left out.
SALES_MENU = [
    (Module.LEADS, "sales:lead_list", _("Leads"), "leads"),
    (Module.OPPORTUNITIES, "sales:opportunity_list", _("Opportunities"), "opportunities"),
    (Module.OPPORTUNITIES, "sales:kanban", _("Kanban"), "kanban"),
    (Module.ACTIVITIES, "sales:followup_list", _("Follow-ups"), "followups"),
    (Module.ACTIVITIES, "sales:visit_list", _("Visit plans"), "visits"),
    (Module.ACTIVITIES, "sales:calendar", _("Calendar"), "calendar"),
    (Module.REPORTS, "sales:report_list", _("Sales reports"), "reports"),
    (Module.ACTIVITIES, "sales:urge_list", _("Urges"), "urges"),
    (Module.OPPORTUNITIES, "sales:overview", _("Sales overview"), "overview"),
    (Module.PRODUCTS, "contracts:product_list", _("Products"), "products"),
]


def _menu(user, entries):
    items = []
    for module, url_name, label, key in entries:
        if not has_perm(user, module, Action.VIEW):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "key": key})
    return items


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav": {
            "customers": has_perm(user, Module.CUSTOMERS, Action.VIEW),
            "contacts": has_perm(user, Module.CONTACTS, Action.VIEW),
            "pool": has_perm(user, Module.POOL, Action.VIEW),
            "opportunities": has_perm(user, Module.OPPORTUNITIES, Action.VIEW),
            "imports": has_perm(user, Module.IMPORTS, Action.VIEW) or has_perm(user, Module.CUSTOMERS, Action.IMPORT),
            "administration": has_perm(user, Module.ADMINISTRATION, Action.VIEW),
        },
        "nav_sales": _menu(user, SALES_MENU),
    }
