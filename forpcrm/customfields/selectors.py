"""Reads of picklist labels, loaded once per request (one query, every list) instead of once per row."""

from __future__ import annotations

from asgiref.local import Local
from django.core.signals import request_finished, request_started
from django.db.models.signals import post_delete, post_save
from django.utils.translation import get_language

from .models import PicklistOption

_state = Local()


def _rows() -> dict[str, dict[str, tuple[str, str]]]:
    rows = getattr(_state, "rows", None)
    if rows is None:
        rows = {}
        for kind, value, label, label_en in PicklistOption.objects.order_by().values_list(
                "kind", "value", "label", "label_en"):
            rows.setdefault(kind, {})[value] = (label, label_en)
        if getattr(_state, "in_request", False):
            _state.rows = rows
    return rows


def all_picklist_labels() -> dict[str, dict[str, str]]:
    """{kind: {value: label}} in the active language (the English label when set and English is active).

    Inside a request the options are read once and kept until the request ends (or an option is saved);
    outside one (tasks, shell) every call reads them afresh, so call it once per job.
    """
    language = get_language() or ""
    by_language = getattr(_state, "labels", None)
    if by_language is not None and language in by_language:
        return by_language[language]
    english = language.startswith("en")
    labels = {kind: {value: (english and label_en) or label or value for value, (label, label_en) in values.items()}
              for kind, values in _rows().items()}
    if getattr(_state, "in_request", False):
        if by_language is None:
            by_language = _state.labels = {}
        by_language[language] = labels
    return labels


def picklist_labels(kind: str) -> dict[str, str]:
    """{value: label} of one picklist in the active language; inactive options keep their label."""
    return all_picklist_labels().get(kind, {})


def picklist_label(kind: str, value) -> str:
    """The label of a stored picklist value; an unknown value is shown as stored."""
    if value in (None, ""):
        return ""
    return picklist_labels(kind).get(str(value), str(value))


def picklist_labels_clear(**_kwargs) -> None:
    _state.rows = None
    _state.labels = None


def _request_started(**_kwargs) -> None:
    picklist_labels_clear()
    _state.in_request = True


def _request_finished(**_kwargs) -> None:
    picklist_labels_clear()
    _state.in_request = False


request_started.connect(_request_started, dispatch_uid="customfields_picklists_request_started")
request_finished.connect(_request_finished, dispatch_uid="customfields_picklists_request_finished")
post_save.connect(picklist_labels_clear, sender=PicklistOption, dispatch_uid="customfields_picklists_saved")
post_delete.connect(picklist_labels_clear, sender=PicklistOption, dispatch_uid="customfields_picklists_deleted")
