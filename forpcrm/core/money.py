"""Money is Decimal with two places, rounded half-up. Never a float."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext_lazy

CENT = Decimal("0.01")
DEFAULT_CURRENCY = "CNY"
MAX_AMOUNT = Decimal("9999999999999999.99")  # what a money column (18 digits, 2 places) holds
AMOUNT_TOO_LARGE = gettext_lazy("The amount is too large: at most 9,999,999,999,999,999.99.")
# error_messages for a form or serializer DecimalField(max_digits=18, decimal_places=2) of an amount
AMOUNT_ERROR_MESSAGES = {"max_digits": AMOUNT_TOO_LARGE, "max_whole_digits": AMOUNT_TOO_LARGE}


class AmountTooLargeError(ValueError):
    """The amount is a number, but larger than a money column holds."""


def to_money(value: object) -> Decimal:
    """Convert a number or numeric string to a two-place Decimal, half-up. Raises ValueError on bad input,
    AmountTooLargeError (a ValueError whose text is fit for the user) beyond ``MAX_AMOUNT`` either way."""
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    if abs(amount) > MAX_AMOUNT:
        raise AmountTooLargeError(str(AMOUNT_TOO_LARGE))
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
