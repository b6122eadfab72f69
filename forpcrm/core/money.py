"""Money is Decimal with two places, rounded half-up. Never a float."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
DEFAULT_CURRENCY = "CNY"


def to_money(value: object) -> Decimal:
    """Convert a number or numeric string to a two-place Decimal, half-up. Raises ValueError on bad input."""
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def split_money(total: Decimal, parts: int) -> list[Decimal]:
    """Split an amount into `parts` instalments that add up exactly; the remainder goes to the last one."""
    if parts < 1:
        raise ValueError("parts must be at least 1")
    total = to_money(total)
    share = (total / parts).quantize(CENT, rounding="ROUND_DOWN")
    shares = [share] * (parts - 1)
    shares.append(total - share * (parts - 1))
    return shares
