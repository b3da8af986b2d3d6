from decimal import Decimal

import pytest

from billing.money import MoneyError, format_amount, minor_units, parse_amount, to_currency


@pytest.mark.parametrize(
    ("currency", "digits"),
    [("USD", 2), ("EUR", 2), ("JPY", 0), ("KWD", 3), ("HUF", 2), ("IQD", 3), ("CLF", 4)],
)
def test_minor_units_are_iso_4217s(currency, digits):
    assert minor_units(currency) == digits


@pytest.mark.parametrize("currency", ["XYZ", "usd", "", "XAU"])
def test_unknown_codes_and_currencies_without_minor_units_are_refused(currency):
    with pytest.raises(MoneyError):
        minor_units(currency)


@pytest.mark.parametrize(
    ("amount", "currency", "exact"),
    [
        ("1.500", "USD", "1.50"),
        ("1", "USD", "1.00"),
        ("-0", "USD", "0.00"),
        ("12000", "JPY", "12000"),
        ("0.125", "KWD", "0.125"),
    ],
)
def test_to_currency_keeps_exact_amounts(amount, currency, exact):
    assert str(to_currency(Decimal(amount), currency)) == exact


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [
        ("1.005", "USD", "More decimals than USD allows (2)."),
        ("1.5", "JPY", "JPY has no decimals; enter a whole amount."),
        ("NaN", "USD", "Enter a number."),
        ("Infinity", "USD", "Enter a number."),
    ],
)
def test_to_currency_refuses_to_round(amount, currency, message):
    with pytest.raises(MoneyError, match=message.replace("(", r"\(").replace(")", r"\)")):
        to_currency(Decimal(amount), currency)


@pytest.mark.parametrize(
    ("text", "amount"),
    [("", "0"), ("  ", "0"), ("12.5", "12.5"), ("-0.83", "-0.83"), (".5", "0.5"), ("+3", "3")],
)
def test_parse_amount_reads_plain_decimals(text, amount):
    assert parse_amount(text) == Decimal(amount)


@pytest.mark.parametrize("text", ["1e3", "NaN", "Infinity", "abc", "1,000.00", "1.2.3", "--1"])
def test_parse_amount_refuses_anything_else(text):
    with pytest.raises(MoneyError):
        parse_amount(text)


@pytest.mark.parametrize(
    ("text", "amount"), [("1,000.00", "1000.00"), ("-12,345,678.9", "-12345678.9"), ("999", "999")]
)
def test_parse_amount_accepts_well_placed_thousands_separators_when_asked(text, amount):
    assert parse_amount(text, allow_grouping=True) == Decimal(amount)


@pytest.mark.parametrize("text", ["1,00.00", "10,00", ",100", "1,0000"])
def test_parse_amount_refuses_misplaced_thousands_separators(text):
    with pytest.raises(MoneyError):
        parse_amount(text, allow_grouping=True)


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [("1234.5", "USD", "1,234.50"), ("1234", "JPY", "1,234"), ("-0.8300", "USD", "-0.83")],
)
def test_format_amount_shows_the_currencys_digits(amount, currency, shown):
    assert format_amount(Decimal(amount), currency) == shown


def test_parse_amount_takes_ascii_digits_only():
    with pytest.raises(MoneyError):
        parse_amount("\u0661\u0662.\u0665\u0660")  # 12.50 in Arabic-Indic digits


@pytest.mark.parametrize("amount", ["1" * 30, "1E+40", "-1234567890123456789"])
def test_to_currency_refuses_amounts_too_large_to_store(amount):
    with pytest.raises(MoneyError, match="too large"):
        to_currency(Decimal(amount), "USD")
