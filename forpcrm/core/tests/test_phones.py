import pytest

from forpcrm.core.phones import is_valid_phone, phone_digits, phone_display, phone_key


@pytest.mark.parametrize("raw", ["13800138000", "+86 138 0013 8000", "0086-13800138000", "(+86)138 0013 8000",
                                 "138-0013-8000"])
def test_mobile_spellings_share_one_key(raw):
    assert phone_key(raw) == "+8613800138000"


def test_office_number_keeps_area_code():
    assert phone_key("0571-8888 6666") == "+8657188886666"
    assert phone_key("+86 571 88886666") == "+8657188886666"


def test_invalid_and_empty():
    assert phone_key("") == ""
    assert phone_key("abc") == ""
    assert is_valid_phone("138001380") is False
    assert is_valid_phone("13800138000") is True


def test_display_and_digits():
    assert phone_display("13800138000") == "138 0013 8000"
    assert phone_digits("+86 138 0013 8000") == "13800138000"
