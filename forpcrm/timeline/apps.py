from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimelineConfig(AppConfig):
    name = "forpcrm.timeline"
    label = "timeline"
    verbose_name = _("Timeline")

    def ready(self) -> None:
        from forpcrm.customers.services import customer_merge_register

        from .providers import history_items, ownership_items
        from .registry import timeline_provider_register
        from .services import timeline_events_move

        timeline_provider_register("ownership", ownership_items)
        timeline_provider_register("history", history_items)
        customer_merge_register(timeline_events_move)

        # The timeline section of the customer page registers itself here: customers cannot import timeline.
        from forpcrm.customers.pages import customer_panel_register

        from .pages import default_filters_register, timeline_panel_context

        default_filters_register()
        customer_panel_register("timeline", _("Timeline"), "partials/timeline.html", timeline_panel_context,
                                order=10)
