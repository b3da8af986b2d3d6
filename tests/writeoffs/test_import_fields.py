"""The import's field reader: its quick paths for the common case read what its full checks
read, and refuse nothing they would take."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from writeoffs.importing import fields
from writeoffs.importing.fields import Reader, _text_problem

# Surrogates included: JSON's "\ud800" reads as one.
TEXT = st.text(st.characters(codec=None, categories=None), max_size=12) | st.sampled_from(
    [
        "",
        " ",
        "\t\n",
        "\u3000",
        "\x85",
        " a ",
        "a\x00",
        "\ud800",
        "caf\u00e9",
        "12345678",
        "123456789",
    ]
)


@settings(max_examples=500, deadline=None)
@given(value=TEXT | st.none() | st.integers(), max_length=st.integers(0, 8), required=st.booleans())
def test_text_is_taken_exactly_when_it_has_no_problem(value, max_length, required):
    reader = Reader()

    read = reader.text({"key": value}, "key", "path", max_length=max_length, required=required)

    problem = _text_problem(value, max_length, required)
    assert (read, reader.problems) == ((None, [f"path.key: {problem}"]) if problem else (value, []))


AMOUNTS = st.one_of(
    st.from_regex(r"[ +-]?[0-9]{0,20}(\.[0-9]{0,6})?[ ]?", fullmatch=True),
    st.sampled_from(
        [
            "-0",
            "-0.00",
            "0.000",
            "00.50",
            "1e2",
            "NaN",
            "\u0661\u0662.\u0660\u0660",
            "1,000.00",
            "+1.00",
        ]
    ),
    # Around the largest amount a money column holds, 18 digits before the point.
    st.sampled_from(["9" * 18, "9" * 19, "1" + "0" * 18, "0" * 19 + "1"]).flatmap(
        lambda whole: st.sampled_from([whole, f"-{whole}", f"{whole}.00", f"{whole}.000"])
    ),
    st.text(max_size=6),
)
CURRENCIES = st.sampled_from(["USD", "JPY", "KWD", "CLF", "XAU", "ABC", None])


def _read(value, currency) -> tuple:
    reader = Reader()
    amount = reader.amount({"amount": value}, "amount", "path", currency)
    return (amount, str(amount), reader.problems)


@settings(max_examples=1000, deadline=None)
@given(value=AMOUNTS, currency=CURRENCIES)
def test_amount_read_quickly_is_the_amount_checked_in_full(value, currency):
    quick = _read(value, currency)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fields, "_exact_amount", lambda currency: None)
        assert quick == _read(value, currency)


def test_negative_zero_is_read_as_zero():
    assert _read("-0.00", "USD") == (Decimal("0.00"), "0.00", [])
