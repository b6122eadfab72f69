"""Reads of the imports app."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from forpcrm.org.access import has_perm
from forpcrm.org.models import Action

from .engine import EntityDefinition, definitions
from .models import ImportJob


def import_job_get(*, user, pk) -> ImportJob:
    """A job of the user's own; anyone else's answers 404 like a missing one."""
    try:
        return ImportJob.objects.get(pk=int(pk), user=user)
    except (ImportJob.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("Not found.")) from exc


def import_job_list(*, user, limit: int = 50):
    return ImportJob.objects.filter(user=user).order_by("-created_at", "-id")[:limit]


def importable_definitions(*, user) -> list[EntityDefinition]:
    """The import definitions the user holds the import permission for."""
    allowed = [d for d in definitions().values() if has_perm(user, d.module, Action.IMPORT)]
    return sorted(allowed, key=lambda d: (d.order, d.name))
