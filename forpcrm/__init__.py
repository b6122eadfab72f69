"""FORP-CRM: customer relationship management for companies that sell projects."""

from .celery import app as celery_app

__all__ = ["celery_app"]
