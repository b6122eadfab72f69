"""Periodic jobs of the customers app (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from .services import pool_rules_apply


@shared_task(name="forpcrm.customers.tasks.apply_pool_rules")
def apply_pool_rules() -> dict:
    """Idempotent: safe to run twice or late."""
    return pool_rules_apply()
