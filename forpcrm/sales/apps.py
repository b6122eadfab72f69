from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "forpcrm.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from . import documents_hooks, search_sections
        from .activity import setup as activity_setup
        from .leads import setup as leads_setup
        from .reports import setup as reports_setup

        documents_hooks.ready()
        search_sections.ready()
        activity_setup.ready()
        leads_setup.ready()
        reports_setup.ready()
