"""Registry of the models that can carry documents (attachments).

A higher app makes one of its models attachable from its ``AppConfig.ready``::

    document_target_register(Opportunity, customer_of=lambda obj: obj.customer)

Visibility of a document follows its target: ``model.objects.visible_to(user)``; uploading needs
``model.objects.editable_by(user)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DocumentTarget:
    model: type
    customer_of: Callable[[Any], Any]
    url_of: Callable[[Any], str] | None = None  # (document) -> URL of its record's page

    def record_url(self, document) -> str:
        return self.url_of(document) if self.url_of is not None else ""

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


_TARGETS: dict[str, DocumentTarget] = {}


def _default_customer_of(obj):
    return obj.customer


def document_target_register(model, *, customer_of: Callable[[Any], Any] = _default_customer_of,
                             url_of: Callable[[Any], str] | None = None) -> None:
    """Make ``model`` attachable; ``customer_of(obj)`` gives the customer the document belongs to and
    ``url_of(document)`` (optional) the page of the record a document is attached to."""
    target = DocumentTarget(model=model, customer_of=customer_of, url_of=url_of)
    _TARGETS[target.label] = target


def document_target_get(label: str) -> DocumentTarget | None:
    """The registered target of a model label (``app_label.modelname``), or None."""
    return _TARGETS.get((label or "").lower())


def document_target_for(obj) -> DocumentTarget | None:
    """The registered target of a model instance, or None."""
    return _TARGETS.get(obj._meta.label_lower)


def document_targets() -> dict[str, DocumentTarget]:
    return dict(_TARGETS)
