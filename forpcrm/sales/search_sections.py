"""Opportunities and leads on the global search page, through the user's scope."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from forpcrm.org.access import has_perm
from forpcrm.org.models import Action, Module


def _opportunities(user, q: str, limit: int):
    if not has_perm(user, Module.OPPORTUNITIES, Action.VIEW):
        return None
    from .selectors import opportunity_list

    rows = opportunity_list(user=user, params={"q": q})[:limit]
    return [(o.name, f"{o.customer.name} · {o.stage.name}", reverse("sales:opportunity_detail", args=[o.pk]))
            for o in rows]


def _leads(user, q: str, limit: int):
    if not has_perm(user, Module.LEADS, Action.VIEW):
        return None
    from .leads.selectors import lead_list

    rows = lead_list(user=user, params={"q": q})[:limit]
    return [(lead.company_name, lead.contact_name, reverse("sales:lead_detail", args=[lead.pk])) for lead in rows]


def ready() -> None:
    from forpcrm.customers.pages import search_section_register

    search_section_register("opportunities", _("Opportunities"), _opportunities,
                            lambda q: f"{reverse('sales:opportunity_list')}?{urlencode({'q': q})}", order=30)
    search_section_register("leads", _("Leads"), _leads,
                            lambda q: f"{reverse('sales:lead_list')}?{urlencode({'q': q})}", order=40)
