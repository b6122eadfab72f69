"""Start-up wiring of this part of the sales app (timeline providers, customer page panels, jobs),
called from SalesConfig.ready()."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def ready() -> None:
    """Register hooks with lower apps."""
    from forpcrm.customers.pages import customer_panel_register
    from forpcrm.customers.services.customers import customer_merge_register
    from forpcrm.notifications.jobs import job_register
    from forpcrm.timeline.registry import timeline_provider_register

    from . import services, timeline, views
    from .models import FollowUp, VisitPlan

    customer_panel_register("followups", _("Follow-ups"), "sales/activity/_panel_followups.html",
                            views.customer_followups_panel, order=30)
    customer_panel_register("visits", _("Visits"), "sales/activity/_panel_visits.html",
                            views.customer_visits_panel, order=31)
    timeline_provider_register("followup", timeline.followup_items)
    timeline_provider_register("visit", timeline.visit_items)
    timeline_provider_register("checkin", timeline.checkin_items)
    timeline_provider_register("comment", timeline.comment_items)
    job_register("sales.visits_mark_missed", services.visits_mark_missed, every_seconds=900)
    job_register("sales.visit_reminders_rearm", services.visit_reminders_rearm, every_seconds=300)
    job_register("sales.followups_next_refresh", services.followups_next_refresh, every_seconds=3600)
    customer_merge_register(services.customer_merge_move)
    try:
        from forpcrm.documents.registry import document_target_register
    except ImportError:  # pragma: no cover - documents not installed
        return
    document_target_register(FollowUp, url_of=lambda document: _document_url("sales:followup_detail", document))
    document_target_register(VisitPlan, url_of=lambda document: _document_url("sales:visit_detail", document))


def _document_url(name: str, document) -> str:
    from django.urls import reverse

    target_id = getattr(document, "target_id", None) or getattr(document, "object_id", None)
    return reverse(name, args=[target_id]) if target_id else ""
