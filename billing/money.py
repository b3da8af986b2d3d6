"""Money: currency minor units, exactness checks, parsing and display.

The one place that knows how many decimals a currency has. Minor units come from the ISO 4217
table shipped by the maintained `iso4217` package (SPEC W6), never from a hand-written table;
babel's CLDR digits differ from ISO 4217 for some currencies, which is why it is not used.
Amounts are `Decimal` everywhere; nothing here touches binary floating point.
"""

import re
from decimal import Decimal, InvalidOperation
from functools import cache

from iso4217 import Currency

# Database columns hold any currency exactly: 18 digits before the point, 4 after.
MAX_DIGITS = 22
DECIMAL_PLACES = 4

# ASCII digits only: `\d` would also take Arabic-Indic and other Unicode digits.
_PLAIN_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_GROUPED_DECIMAL = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?")
# The largest amount a money column holds: MAX_DIGITS - DECIMAL_PLACES digits before the point.
_LIMIT = Decimal(10) ** (MAX_DIGITS - DECIMAL_PLACES)


class MoneyError(ValueError):
    """An amount or currency that cannot be used as money; the message is for the user."""


@cache
def minor_units(currency: str) -> int:
    """The ISO 4217 minor units of `currency` (USD 2, JPY 0, KWD 3)."""
    try:
        exponent = Currency(currency).exponent
    except ValueError:
        raise MoneyError(f"{currency!r} is not an ISO 4217 currency code.") from None
    if exponent is None:
        raise MoneyError(f"{currency} has no minor units and cannot be billed.")
    if exponent > DECIMAL_PLACES:
        raise MoneyError(f"{currency} has more decimals than this system stores.")
    return exponent


def is_currency(currency: str) -> bool:
    try:
        minor_units(currency)
    except MoneyError:
        return False
    return True


@cache
def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def to_currency(amount: Decimal, currency: str) -> Decimal:
    """`amount` with exactly the currency's decimals; refuses to round.

    `1.500` in USD becomes `1.50`; `1.005` in USD raises `MoneyError`, because silently rounding
    a clerk's amount would book money nobody typed.
    """
    if not amount.is_finite():
        raise MoneyError("Enter a number.")
    if abs(amount) >= _LIMIT:
        raise MoneyError("That amount is too large.")
    exact = amount.quantize(quantum(currency))
    if exact != amount:
        digits = minor_units(currency)
        raise MoneyError(
            f"More decimals than {currency} allows ({digits})."
            if digits
            else f"{currency} has no decimals; enter a whole amount."
        )
    # `0 * -1` is `-0`: the sign of zero means nothing in money.
    return exact + 0 if exact else abs(exact)


def misfit(part: Decimal, whole: Decimal) -> str | None:
    """Why `part` cannot be taken out of `whole`, or None when it can (SPEC 1, W6).

    It can when it is zero, or has the sign of `whole` and is no larger: a line's balance
    within its amount, a write-off within a line's balance. The reasons: `"nothing"` (`whole`
    is zero), `"sign"` and `"size"`. A database constraint says the same of balances.
    """
    if not part:
        return None
    if not whole:
        return "nothing"
    if (part > 0) != (whole > 0):
        return "sign"
    if abs(part) > abs(whole):
        return "size"
    return None


def parse_amount(text: str, *, allow_grouping: bool = False) -> Decimal:
    """Read an amount the user typed. Blank is zero; exponents, NaN and Infinity are refused.

    With `allow_grouping`, correctly placed thousands separators are accepted (`1,000.00`).
    """
    text = text.strip()
    if not text:
        return Decimal(0)
    if allow_grouping and _GROUPED_DECIMAL.fullmatch(text):
        text = text.replace(",", "")
    if not _PLAIN_DECIMAL.fullmatch(text):
        raise MoneyError("Enter a plain amount such as 1234.56.")
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise MoneyError("Enter a plain amount such as 1234.56.") from None


def format_amount(amount: Decimal, currency: str) -> str:
    """`1234.5` in USD is `1,234.50`, `1234` in JPY is `1,234`."""
    return f"{amount.quantize(quantum(currency)):,}"


def plain_amount(amount: Decimal, currency: str) -> str:
    """`1234.5` in USD is `1234.50`: as a clerk would type it, with no thousands separators."""
    return str(amount.quantize(quantum(currency)))
