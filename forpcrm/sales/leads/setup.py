"""Start-up wiring of this part of the sales app (timeline providers, customer page panels, jobs),
called from SalesConfig.ready()."""


def ready() -> None:
    """Register hooks with lower apps: the opportunity and lead providers of the customer timeline."""
    from forpcrm.sales.timeline_items import lead_items, opportunity_items
    from forpcrm.timeline.registry import timeline_provider_register

    timeline_provider_register("opportunity", opportunity_items)
    timeline_provider_register("lead", lead_items)
