from decimal import Decimal

import pytest

from forpcrm.core.money import split_money, to_money


def test_split_100000_in_three_adds_up():
    assert split_money(Decimal("100000.00"), 3) == [Decimal("33333.33"), Decimal("33333.33"), Decimal("33333.34")]
    assert sum(split_money(Decimal("100000.00"), 3)) == Decimal("100000.00")


def test_to_money_rounds_half_up():
    assert to_money(Decimal("58.325")) == Decimal("58.33")
    assert to_money("2.675") == Decimal("2.68")
    assert to_money(2.675) == Decimal("2.68")
    assert to_money("1,234.5") == Decimal("1234.50")
    assert to_money(Decimal("-0.005")) == Decimal("-0.01")


@pytest.mark.parametrize("bad", ["abc", "", "NaN", "Infinity", None])
def test_to_money_refuses_non_amounts(bad):
    with pytest.raises(ValueError, match="not an amount"):
        to_money(bad)


def test_split_refuses_zero_parts():
    with pytest.raises(ValueError, match="parts must be at least 1"):
        split_money(Decimal("1"), 0)
