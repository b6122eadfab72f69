from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomFieldsConfig(AppConfig):
    name = "forpcrm.customfields"
    label = "customfields"
    verbose_name = _("User-defined fields")

    def ready(self) -> None:
        from . import selectors  # noqa: F401  (connects the picklist-label cache to request and save signals)
