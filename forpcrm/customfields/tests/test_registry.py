"""clean_values for each of the 13 field types, required/default/partial rules, filters."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from forpcrm.customfields.models import FieldDefinition, FieldType
from forpcrm.customfields.registry import TYPES, clean_values, display_value

pytestmark = pytest.mark.django_db

OPTIONS = [{"value": "a", "label": "甲", "label_en": "Alpha"}, {"value": "b", "label": "乙", "label_en": "Beta"}]


def _define(field_type, code="f", **extra):
    return FieldDefinition.objects.create(entity="customer", code=code, label=code, field_type=field_type,
                                          options=OPTIONS if "choice" in field_type else [], **extra)


def test_every_type_is_in_the_registry():
    assert set(TYPES) == set(FieldType.values)
    assert len(TYPES) == 13


@pytest.mark.parametrize(("field_type", "raw", "stored"), [
    (FieldType.TEXT, "  你好 ", "你好"),
    (FieldType.LONG_TEXT, "第一行\n第二行", "第一行\n第二行"),
    (FieldType.NUMBER, "1,234.50", "1234.50"),
    (FieldType.NUMBER, "42", "42"),
    (FieldType.MONEY, "58.325", "58.33"),
    (FieldType.MONEY, "¥1,000", "1000.00"),
    (FieldType.DATE, "07/03/2019", "2019-03-07"),
    (FieldType.DATE, "2019年3月7日", "2019-03-07"),
    (FieldType.DATE, "43531", "2019-03-07"),
    (FieldType.DATETIME, "2024-05-10T02:00:00Z", "2024-05-10T02:00:00Z"),
    (FieldType.DATETIME, "2024-05-10 10:00", "2024-05-10T02:00:00Z"),  # Asia/Shanghai → UTC
    (FieldType.CHOICE, "乙", "b"),
    (FieldType.CHOICE, "alpha", "a"),
    (FieldType.MULTI_CHOICE, "甲，Beta", ["a", "b"]),
    (FieldType.MULTI_CHOICE, ["a"], ["a"]),
    (FieldType.BOOLEAN, "是", True),
    (FieldType.BOOLEAN, "no", False),
    (FieldType.PHONE, "138-0013-8000", "138-0013-8000"),
    (FieldType.EMAIL, "Wang@Example.com", "wang@example.com"),
    (FieldType.URL, "https://example.com/a", "https://example.com/a"),
])
def test_clean_values_per_type(field_type, raw, stored):
    _define(field_type)
    assert clean_values("customer", {"f": raw}) == {"f": stored}


def test_user_type_resolves_username_email_and_id(sales_rep):
    _define(FieldType.USER)
    assert clean_values("customer", {"f": "sales_rep"}) == {"f": sales_rep.pk}
    assert clean_values("customer", {"f": "SALES_REP@example.com"}) == {"f": sales_rep.pk}
    assert clean_values("customer", {"f": str(sales_rep.pk)}) == {"f": sales_rep.pk}
    assert clean_values("customer", {"f": sales_rep}) == {"f": sales_rep.pk}


@pytest.mark.parametrize(("field_type", "raw", "fragment"), [
    (FieldType.NUMBER, "abc", "not a number"),
    (FieldType.MONEY, "十块", "not a number"),
    (FieldType.DATE, "31/02/2019", "not a valid date"),
    (FieldType.DATETIME, "someday", "not a date"),
    (FieldType.CHOICE, "丙", "not one of the choices"),
    (FieldType.MULTI_CHOICE, "甲,丙", "not one of the choices"),
    (FieldType.BOOLEAN, "maybe", "not yes or no"),
    (FieldType.USER, "nobody", "No user"),
    (FieldType.PHONE, "abc", "not a phone number"),
    (FieldType.EMAIL, "not-an-email", "not an e-mail address"),
    (FieldType.URL, "not a url", "not a web address"),
])
def test_clean_values_refuses_bad_input_keyed_by_field(field_type, raw, fragment, db):
    _define(field_type)
    with pytest.raises(ValidationError) as exc:
        clean_values("customer", {"f": raw})
    assert list(exc.value.message_dict) == ["custom.f"]
    assert fragment in exc.value.message_dict["custom.f"][0]


def test_required_default_unknown_and_partial():
    _define(FieldType.TEXT, code="must", required=True)
    _define(FieldType.TEXT, code="dflt", default="默认")
    with pytest.raises(ValidationError) as exc:
        clean_values("customer", {"nope": "x"})
    assert sorted(exc.value.message_dict) == ["custom.must", "custom.nope"]
    assert clean_values("customer", {"must": "有"}) == {"must": "有", "dflt": "默认"}
    assert clean_values("customer", {"dflt": ""}, partial=True, existing={"must": "有", "dflt": "默认"}) == {
        "must": "有"}
    with pytest.raises(ValidationError):
        clean_values("customer", {"must": ""}, partial=True, existing={"must": "有"})


def test_inactive_definitions_are_ignored():
    _define(FieldType.TEXT, code="old", is_active=False, required=True)
    assert clean_values("customer", {}) == {}


def test_display_value():
    choice = _define(FieldType.MULTI_CHOICE, code="m")
    boolean = _define(FieldType.BOOLEAN, code="b")
    with translation.override("zh-hans"):
        assert display_value(choice, ["a", "b"]) == "甲、乙"
    with translation.override("en"):
        assert display_value(choice, ["a", "b"]) == "Alpha、Beta"
        assert display_value(boolean, True) == "Yes"
    assert display_value(boolean, None) == ""
