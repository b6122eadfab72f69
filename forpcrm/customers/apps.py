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

        # The pool return rules run with the other periodic jobs (Celery beat in production,
        # ``manage.py run_jobs --loop`` in the embedded default).
        from forpcrm.notifications.jobs import job_register

        from .services import pool_rules_apply

        def pool_rules_job(now) -> int:
            result = pool_rules_apply(now=now)
            return len(result["returned"]) + len(result["warned"])

        job_register("customers.pool_rules", pool_rules_job, every_seconds=3600)
