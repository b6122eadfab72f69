from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "forpcrm.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from forpcrm.customfields.services import searchable_changed_register

        from .search import search_text_refresh

        searchable_changed_register(search_text_refresh)
