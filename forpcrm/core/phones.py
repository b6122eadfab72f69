"""Phone numbers: a normalised key (E.164, default region CN) for matching, readable display."""

import re

import phonenumbers

DEFAULT_REGION = "CN"
_INTL_PREFIX = re.compile(r"^\s*(\(\s*\+?\s*86\s*\)|00\s*86|\+\s*86)")


def phone_key(raw: str | None, region: str = DEFAULT_REGION) -> str:
    """E.164 key ("+8613800138000") or "" when the text is not a possible number.

    `0086-…`, `(+86)…` and `+86 …` are all the same prefix. Office numbers keep their area code
    (0571-8888 6666 → +8657188886666).
    """
    if not raw:
        return ""
    text = str(raw).strip()
    text = _INTL_PREFIX.sub("+86 ", text)
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_valid_phone(raw: str | None, region: str = DEFAULT_REGION) -> bool:
    key = phone_key(raw, region)
    if not key:
        return False
    return phonenumbers.is_valid_number(phonenumbers.parse(key))


def phone_display(raw: str | None, region: str = DEFAULT_REGION) -> str:
    """Readable form for a domestic number ("138 0013 8000"), international form abroad."""
    key = phone_key(raw, region)
    if not key:
        return str(raw or "")
    number = phonenumbers.parse(key)
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def phone_digits(raw: str | None) -> str:
    """National significant digits, for tail search ("8000" finds 138-0013-8000)."""
    key = phone_key(raw)
    if key:
        number = phonenumbers.parse(key)
        return str(number.national_number)
    return re.sub(r"\D", "", str(raw or ""))
