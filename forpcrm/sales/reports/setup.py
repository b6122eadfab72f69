"""Start-up wiring of this part of the sales app (timeline providers, customer page panels, jobs),
called from SalesConfig.ready()."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

MISSING_JOB = "sales.reports_missing"
ESCALATE_JOB = "sales.urges_escalate"


def _merge_urges(survivor, merged, by) -> None:
    from .models import Urge

    Urge.objects.filter(customer=merged).update(customer=survivor)


def ready() -> None:
    """Register hooks with lower apps: summary providers, the customer page panel, the timeline
    provider, the two periodic jobs and the customer-merge hook."""
    from forpcrm.customers.pages import customer_panel_register
    from forpcrm.customers.services.customers import customer_merge_register
    from forpcrm.notifications.jobs import job_register
    from forpcrm.timeline.registry import timeline_provider_register

    from . import services, timeline, views
    from .summary import builtin_providers_register

    builtin_providers_register()
    customer_panel_register("urges", _("Urges"), "sales/reports/_customer_urges_panel.html",
                            views.customer_panel_context, order=35)
    timeline_provider_register("urge", timeline.urge_items)
    job_register(MISSING_JOB, services.reports_missing_job, every_seconds=900)
    job_register(ESCALATE_JOB, services.urges_escalate_job, every_seconds=300)
    customer_merge_register(_merge_urges)
