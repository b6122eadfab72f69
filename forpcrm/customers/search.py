"""Substring search over a stored, lower-cased `search_text` (Chinese, pinyin, initials, phone digits).

One text column per record keeps the query a single `LIKE '%…%'`, which PostgreSQL serves from a
pg_trgm GIN index (migration 0003) and SQLite scans; both give the same answers, two-character
Chinese queries included.
"""

import re
import unicodedata

from asgiref.local import Local
from django.db import connections, router
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from pypinyin import Style, lazy_pinyin

from forpcrm.core.phones import phone_digits, phone_key
from forpcrm.customfields.models import Entity, FieldDefinition, FieldType

from .normalize import credit_code_clean, email_key

SEPARATOR = " | "
_HAN = re.compile(r"[\u3400-\u9fff]")
_PHONE_QUERY = re.compile(r"^[\d\s\-+()（）.]+$")


def _fold(text: str | None) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().lower()


def pinyin_keys(text: str | None) -> list[str]:
    """Full pinyin without spaces and the initials: 西软软件 → ["xiruanruanjian", "xrrj"]."""
    text = _fold(text)
    if not text or not _HAN.search(text):
        return []
    syllables = [s for s in lazy_pinyin(text, style=Style.NORMAL, errors="default") if s.strip()]
    initials = [s for s in lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default") if s.strip()]
    full = re.sub(r"\s+", "", "".join(syllables))
    short = re.sub(r"\s+", "", "".join(initials))
    return [full, short]


def _phone_parts(raw: str | None) -> list[str]:
    if not raw:
        return []
    digits = phone_digits(raw)
    plain = re.sub(r"\D", "", raw)
    return list(dict.fromkeys(p for p in (digits, plain) if p))


def _join(parts) -> str:
    seen: list[str] = []
    for part in parts:
        part = _fold(part)
        if part and part not in seen:
            seen.append(part)
    return SEPARATOR.join(seen)


_definitions_state = Local()


def _definitions_cache_clear(**_kwargs) -> None:
    _definitions_state.cache = None


post_save.connect(_definitions_cache_clear, sender=FieldDefinition, dispatch_uid="customers_search_definitions_saved")
post_delete.connect(_definitions_cache_clear, sender=FieldDefinition,
                    dispatch_uid="customers_search_definitions_deleted")


def searchable_definitions(entity: str) -> list[FieldDefinition]:
    """The active user-defined fields of ``entity`` whose values go into the search text.

    Within one transaction (a batch, an import) they are read once: the cache is tied to the outermost
    atomic block and dropped whenever a field definition is saved or deleted."""
    connection = connections[router.db_for_read(FieldDefinition)]
    block = connection.atomic_blocks[0] if connection.in_atomic_block and connection.atomic_blocks else None
    cache = getattr(_definitions_state, "cache", None)
    if block is None or cache is None or cache[0] is not block:
        cache = (block, {})
        if block is not None:
            _definitions_state.cache = cache
    if entity not in cache[1]:
        cache[1][entity] = list(FieldDefinition.objects.filter(entity=entity, is_active=True, is_searchable=True)
                                .order_by("sort_order", "id"))
    return cache[1][entity]


def _custom_parts(custom: dict | None, definitions: list[FieldDefinition]) -> list[str]:
    parts: list[str] = []
    for definition in definitions:
        value = (custom or {}).get(definition.code)
        if value in (None, "", []) or definition.field_type in (FieldType.BOOLEAN, FieldType.USER):
            continue
        values = value if isinstance(value, list) else [value]
        for item in values:
            parts.append(str(item))
            if definition.field_type in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
                for option in definition.options or []:
                    if str(option.get("value")) == str(item):
                        parts.extend([option.get("label") or "", option.get("label_en") or ""])
            elif definition.field_type == FieldType.PHONE:
                parts.extend(_phone_parts(str(item)))
            elif isinstance(item, str):
                parts.extend(pinyin_keys(item))
    return parts


def search_text_for_customer(customer, definitions: list[FieldDefinition] | None = None) -> str:
    """``definitions``: the searchable user-defined fields (read when not given; pass them for many records)."""
    if definitions is None:
        definitions = searchable_definitions(Entity.CUSTOMER)
    parts = [customer.name, customer.short_name, *pinyin_keys(customer.name), *pinyin_keys(customer.short_name),
             credit_code_clean(customer.credit_code), *_phone_parts(customer.phone), email_key(customer.email),
             customer.province, customer.city, *_custom_parts(customer.custom, definitions)]
    return _join(parts)


def search_text_for_contact(contact, definitions: list[FieldDefinition] | None = None) -> str:
    if definitions is None:
        definitions = searchable_definitions(Entity.CONTACT)
    parts = [contact.name, *pinyin_keys(contact.name), *_phone_parts(contact.mobile),
             *_phone_parts(contact.office_phone), email_key(contact.email), contact.wechat,
             *_custom_parts(contact.custom, definitions)]
    return _join(parts)


def search_text_refresh(entity: str, *, chunk_size: int = 500) -> int:
    """Recompute the stored search text of every record of ``entity`` (all, deleted ones included), in
    chunks; returns how many changed. Called when a user-defined field becomes searchable or stops being."""
    from .models import Contact, Customer

    model = {Entity.CUSTOMER: Customer, Entity.CONTACT: Contact}.get(entity)
    if model is None:
        return 0
    build = search_text_for_customer if model is Customer else search_text_for_contact
    definitions = searchable_definitions(entity)
    changed, batch = 0, []
    for record in model.all_objects.order_by("pk").iterator(chunk_size=chunk_size):
        text = build(record, definitions)
        if text != record.search_text:
            record.search_text = text
            batch.append(record)
        if len(batch) >= chunk_size:
            model.all_objects.bulk_update(batch, ["search_text"])
            changed, batch = changed + len(batch), []
    if batch:
        model.all_objects.bulk_update(batch, ["search_text"])
        changed += len(batch)
    return changed


def query_terms(q: str | None) -> list[str]:
    """The lower-cased terms of a query; a phone-looking query becomes one digits-only term."""
    text = _fold(q)
    if not text:
        return []
    if _PHONE_QUERY.match(text) and len(re.sub(r"\D", "", text)) >= 3:
        key = phone_key(text)
        digits = phone_digits(text) if key else re.sub(r"\D", "", text)
        return [digits]
    return [t for t in re.split(r"\s+", text) if t]


def search_filter(qs, q: str | None):
    """Records whose search text contains every term of ``q``. Contacts also match through their
    customer's search text (a contact of 北京测试有限公司 is found by "北京测试", case C06)."""
    terms = query_terms(q)
    if not terms:
        return qs
    through_customer = qs.model._meta.model_name == "contact"
    for term in terms:
        condition = Q(search_text__contains=term)
        if through_customer:
            # A subquery (not a join) lets PostgreSQL use the trigram index of each table and OR the bitmaps.
            customers = qs.model._meta.get_field("customer").related_model._base_manager
            condition |= Q(customer_id__in=customers.filter(search_text__contains=term).values("pk"))
        qs = qs.filter(condition)
    return qs
