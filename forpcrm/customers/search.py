"""Substring search over a stored, lower-cased `search_text` (Chinese, pinyin, initials, phone digits).

One text column per record keeps the query a single `LIKE '%…%'`, which PostgreSQL serves from a
pg_trgm GIN index (migration 0003) and SQLite scans; both give the same answers, two-character
Chinese queries included.
"""

import re
import unicodedata

from django.db.models import Q
from pypinyin import Style, lazy_pinyin

from forpcrm.core.phones import phone_digits, phone_key

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


def search_text_for_customer(customer) -> str:
    parts = [customer.name, customer.short_name, *pinyin_keys(customer.name), *pinyin_keys(customer.short_name),
             credit_code_clean(customer.credit_code), *_phone_parts(customer.phone), email_key(customer.email),
             customer.province, customer.city]
    return _join(parts)


def search_text_for_contact(contact) -> str:
    parts = [contact.name, *pinyin_keys(contact.name), *_phone_parts(contact.mobile),
             *_phone_parts(contact.office_phone), email_key(contact.email), contact.wechat]
    return _join(parts)


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
