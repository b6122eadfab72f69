"""The knowledge view of a customer: its documents, e-mails and whatever later apps add (contracts,
approval records …), searchable together, newest first, with paging.

A later app registers a source from its ``AppConfig.ready``::

    knowledge_provider_register("contract", _("Contracts"), contract_knowledge)

where ``contract_knowledge(*, user, customer, query)`` returns a ``KnowledgeSource``: ``count()``
(how many match) and ``newest(limit)`` (the newest ``limit`` matches as ``KnowledgeItem``), both
limited to what the user may see. A page of the merged list asks every source for its newest
``offset + page size`` items, so each source costs a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


@dataclass
class KnowledgeItem:
    kind: str
    title: str
    at: dt.datetime
    url: str = ""
    summary: str = ""
    actor: Any = None
    details: dict = field(default_factory=dict)


@dataclass
class KnowledgeSource:
    count: Callable[[], int]
    newest: Callable[[int], list[KnowledgeItem]]


@dataclass(frozen=True)
class KnowledgeProvider:
    kind: str
    label: object
    provider: Callable[..., KnowledgeSource]
    order: int = 100


_PROVIDERS: dict[str, KnowledgeProvider] = {}


def knowledge_provider_register(kind: str, label, provider: Callable[..., KnowledgeSource], order: int = 100) -> None:
    """Add (or replace) a source of the knowledge view."""
    _PROVIDERS[kind] = KnowledgeProvider(kind, label, provider, order)


def knowledge_providers() -> list[KnowledgeProvider]:
    return sorted(_PROVIDERS.values(), key=lambda p: (p.order, p.kind))


class KnowledgeResults:
    """A sequence for Django's Paginator: its length is the sum of the sources' counts; a slice merges
    the sources' newest items."""

    def __init__(self, sources: list[KnowledgeSource]):
        self.sources = sources
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = sum(source.count() for source in self.sources)
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index:index + 1][0]
        start, stop = index.start or 0, index.stop if index.stop is not None else self.count()
        items: list[KnowledgeItem] = []
        for source in self.sources:
            items.extend(source.newest(stop))
        items.sort(key=lambda item: (item.at, item.kind, item.title), reverse=True)
        return items[start:stop]


def knowledge_search(*, user, customer, query: str = "", kinds=None) -> KnowledgeResults:
    """The customer's knowledge items the user may see matching ``query`` (all words), of ``kinds``."""
    wanted = set(kinds or [])
    sources = [p.provider(user=user, customer=customer, query=(query or "").strip())
               for p in knowledge_providers() if not wanted or p.kind in wanted]
    return KnowledgeResults(sources)


def _words_q(query: str, fields: list[str]) -> Q:
    condition = Q()
    for word in query.split():
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__icontains": word})
        condition &= any_field
    return condition


def document_knowledge(*, user, customer, query: str) -> KnowledgeSource:
    from .models import Document

    qs = Document.objects.visible_to(user).filter(customer=customer)
    if query:
        qs = qs.filter(_words_q(query, ["title", "category__name", "current_version__original_name"]))
    qs = qs.select_related("category", "owner", "current_version").order_by("-updated_at", "-id")

    def newest(limit: int) -> list[KnowledgeItem]:
        return [KnowledgeItem(kind="document", title=d.title, at=d.updated_at, actor=d.owner,
                              url=reverse("documents:document_detail", args=[d.pk]),
                              summary=str(d.category or ""), details={"versions": d.version_count})
                for d in qs[:limit]]

    return KnowledgeSource(count=qs.count, newest=newest)


def email_knowledge(*, user, customer, query: str) -> KnowledgeSource:
    from .models import EmailMessage

    qs = EmailMessage.objects.visible_to(user).filter(customer=customer)
    if query:
        qs = qs.filter(_words_q(query, ["subject", "body_text", "from_address", "from_name"]))
    qs = qs.select_related("owner").order_by("-sent_at", "-id")

    def newest(limit: int) -> list[KnowledgeItem]:
        return [KnowledgeItem(kind="email", title=m.subject or m.message_id, at=m.sent_at, actor=m.owner,
                              url=reverse("documents:email_detail", args=[m.pk]),
                              summary=(m.body_text or "")[:200], details={"direction": m.direction})
                for m in qs.defer("body_html")[:limit]]

    return KnowledgeSource(count=qs.count, newest=newest)


def builtin_providers_register() -> None:
    knowledge_provider_register("document", _("Documents"), document_knowledge, order=10)
    knowledge_provider_register("email", _("E-mails"), email_knowledge, order=20)
