"""Customer timeline providers of the sales app: opportunity events (kind ``opportunity``) and leads
converted into the customer (kind ``lead``). Registered from ``forpcrm.sales.leads.setup.ready``.

Only opportunities in ``Opportunity.objects.visible_to(user)`` and leads in ``Lead.objects.visible_to(user)``
contribute; each provider runs one query whatever the number of events.
"""

from __future__ import annotations

from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import reverse
from django.utils.translation import gettext as _

from forpcrm.timeline.registry import TimelineItem

from .leads.models import Lead
from .models import Opportunity, OpportunityStatus, StageChange


def _money(amount, currency: str) -> str:
    return f"{intcomma(amount)} {currency}"


def opportunity_items(*, user, customer, limit: int):
    """Created, stage changes (from → to, by whom), won and lost (reason, amount) of the customer's
    visible opportunities, newest first (from the StageChange rows)."""
    visible = Opportunity.objects.visible_to(user).filter(customer=customer).values("pk")
    rows = (StageChange.objects.filter(opportunity__in=visible)
            .select_related("opportunity", "from_stage", "to_stage", "by").order_by("-at", "-id")[:limit])
    for row in rows:
        opportunity = row.opportunity
        url = reverse("sales:opportunity_detail", args=[opportunity.pk])
        values = {"name": opportunity.name, "stage": row.to_stage.name}
        if row.from_stage_id is None:
            title, event = _("Opportunity created: %(name)s (%(stage)s)") % values, "created"
        elif row.to_status == OpportunityStatus.WON and row.from_status != OpportunityStatus.WON:
            title, event = _("Opportunity won: %(name)s · %(amount)s") % {
                **values, "amount": _money(opportunity.amount, opportunity.currency)}, "won"
            if opportunity.close_reason:
                title += " · " + opportunity.close_reason
        elif row.to_status == OpportunityStatus.LOST and row.from_status != OpportunityStatus.LOST:
            title, event = _("Opportunity lost: %(name)s · %(amount)s") % {
                **values, "amount": _money(opportunity.amount, opportunity.currency)}, "lost"
            if opportunity.close_reason:
                title += " · " + opportunity.close_reason
        else:
            title, event = _("Stage changed: %(name)s: %(from)s → %(to)s") % {
                "name": opportunity.name, "from": row.from_stage.name, "to": row.to_stage.name}, "stage"
        yield TimelineItem(kind="opportunity", at=row.at, actor=row.by, title=title, url=url, details={
            "event": event, "opportunity_id": opportunity.pk, "from_stage": row.from_stage_id,
            "to_stage": row.to_stage_id, "to_status": row.to_status})


def lead_items(*, user, customer, limit: int):
    """Visible leads converted into the customer."""
    rows = (Lead.objects.visible_to(user).filter(converted_customer=customer, converted_at__isnull=False)
            .select_related("converted_by").order_by("-converted_at", "-id")[:limit])
    for lead in rows:
        title = _("Converted from lead: %(lead)s") % {"lead": str(lead)}
        yield TimelineItem(kind="lead", at=lead.converted_at, actor=lead.converted_by, title=title,
                           url=reverse("sales:lead_detail", args=[lead.pk]),
                           details={"lead_id": lead.pk, "opportunity_id": lead.converted_opportunity_id})
