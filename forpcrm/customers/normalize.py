"""Normalised keys for duplicate matching: company names, credit codes, e-mail addresses."""

import re
import unicodedata

from django.utils.translation import gettext as _

# Brackets and what they hold: "(中国)", "（中国）", "[上海]", "【总部】".
_BRACKETS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕|〈[^〈〉]*〉")
# Legal-form suffixes, longest first; stripped repeatedly from the end of the (lower-cased) name.
_CN_SUFFIXES = (
    "集团股份有限公司", "集团有限责任公司", "集团有限公司", "股份有限公司", "有限责任公司", "有限公司",
    "股份公司", "集团公司", "总公司", "分公司", "集团", "公司",
)
_LATIN_SUFFIX = re.compile(
    r"(?:\b|(?<=[^\x00-\x7f]))(?:co\.?\s*,?\s*ltd\.?|company\s+limited|pte\.?\s*ltd\.?|pty\.?\s*ltd\.?|"
    r"limited|ltd\.?|inc\.?|incorporated|llc|l\.l\.c\.?|corp\.?|corporation|company|co\.?|gmbh|plc|s\.a\.?|ag|bv|"
    r"group)\s*$"
)
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)

CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, S, V, Z
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower().strip()


def name_key(name: str | None) -> str:
    """Key under which two spellings of one company collide.

    Full/half width and case are folded, bracketed parts ("(中国)") dropped, legal-form suffixes
    (有限公司, 股份有限公司, 集团, Co., Ltd., Inc., LLC …) stripped, spaces and punctuation removed.
    A name that is nothing but a suffix keeps it rather than becoming empty.
    """
    text = _fold(name or "")
    previous = None
    while previous != text:
        previous = text
        text = _BRACKETS.sub(" ", text)
    text = re.sub(r"[()\[\]【】]", " ", text).strip(" ,.;、，。")
    while True:
        stripped = text
        for suffix in _CN_SUFFIXES:
            if stripped.endswith(suffix) and len(stripped) > len(suffix):
                stripped = stripped[: -len(suffix)].rstrip(" ,.、，")
                break
        else:
            candidate = _LATIN_SUFFIX.sub("", stripped).rstrip(" ,.、，&")
            if candidate.strip():
                stripped = candidate
        if stripped == text:
            break
        text = stripped
    key = _NON_WORD.sub("", text)
    return key or _NON_WORD.sub("", _fold(name or ""))


def email_key(email: str | None) -> str:
    """E-mail addresses compare case-insensitively (and without surrounding spaces)."""
    return unicodedata.normalize("NFKC", email or "").strip().lower()


def credit_code_clean(code: str | None) -> str:
    """Upper-case, half-width, without spaces; "" when empty."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", code or "")).upper()


def credit_code_check_digit(first17: str) -> str:
    total = sum(CREDIT_CODE_CHARS.index(ch) * w for ch, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def credit_code_error(code: str | None) -> str | None:
    """Why the unified social credit code (GB 32100-2015) is not acceptable, or None when it is."""
    text = credit_code_clean(code)
    if not text:
        return None
    if len(text) != 18:
        return _("A unified social credit code has 18 characters; “%(code)s” has %(count)d.") % {
            "code": text, "count": len(text)}
    bad = sorted({ch for ch in text if ch not in CREDIT_CODE_CHARS})
    if bad:
        return _("“%(code)s” contains characters a credit code never has: %(chars)s.") % {
            "code": text, "chars": " ".join(bad)}
    if credit_code_check_digit(text[:17]) != text[17]:
        return _("“%(code)s” is not a valid unified social credit code (the check digit does not match).") % {
            "code": text}
    return None
