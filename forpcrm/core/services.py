"""Small building blocks shared by the services of every app."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models


def assign_fields(instance: models.Model, data: Mapping[str, Any], fields: Iterable[str]) -> models.Model:
    """Copy the allowed ``fields`` present in ``data`` onto ``instance`` (nothing is saved).

    Keys outside ``fields`` are ignored, so a caller can never write a field the service did not offer."""
    for key in fields:
        if key in data:
            setattr(instance, key, data[key])
    return instance
