"""Celery application. In the embedded profile (no REDIS_URL) tasks run eagerly in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forpcrm.settings")

app = Celery("forpcrm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
