import pytest

from forpcrm.customers.normalize import credit_code_check_digit, credit_code_error, email_key, name_key


@pytest.mark.parametrize(("raw", "key"), [
    ("北京测试有限公司", "北京测试"),
    ("北京测试（中国）有限公司", "北京测试"),
    ("北京测试(中国)股份有限公司", "北京测试"),
    ("北京 测试 有限责任公司", "北京测试"),
    ("ＡＢＣ科技集团", "abc科技"),
    ("Acme Co., Ltd.", "acme"),
    ("ACME Inc.", "acme"),
    ("Acme, LLC", "acme"),
    ("Costco", "costco"),
])
def test_name_key(raw, key):
    assert name_key(raw) == key


def test_credit_code_check_digit():
    assert credit_code_check_digit("91350100M000100Y4") == "3"
    assert credit_code_error("91350100M000100Y43") is None
    assert credit_code_error(" 91350100m000100y43 ") is None
    assert credit_code_error("") is None


@pytest.mark.parametrize(("raw", "fragment"), [
    ("9135010", "18 characters"),
    ("91350100M000100Y44", "check digit"),
    ("9135010OM000100Y43", "never has: O"),
])
def test_credit_code_refusals_say_why(raw, fragment):
    assert fragment in credit_code_error(raw)


def test_email_key():
    assert email_key("  Wang.Fang@Example.COM ") == "wang.fang@example.com"
    assert email_key(None) == ""
