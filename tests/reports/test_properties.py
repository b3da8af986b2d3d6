"""For any memos in three currencies, some reversed, the report's totals are the sums of the
memo items to the last minor unit, by the netting rule; its three tables agree; and the CSV's
rows add up to them (SPEC D3, Q4). On SQLite too, which would add binary floats."""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.money import minor_units
from tests.factories import AccountFactory, write_off
from tests.reports.conftest import CSV, REPORT, invoice, reason, reverse
from tests.reports.test_views import read_csv, tables

pytestmark = pytest.mark.django_db

CURRENCIES = ("USD", "JPY", "KWD")
REASONS = ("Write-off", "Charge Dispute", "Ad hoc Credit")
START = datetime.date(2025, 1, 1)
# Large amounts on purpose: a binary float keeps about 15 digits, and these sums need more.
MINOR = st.integers(min_value=1, max_value=10**11)


@st.composite
def memo(draw):
    currency = draw(st.sampled_from(CURRENCIES))
    # Charges in minor units, each with a tax or none.
    lines = draw(st.lists(st.tuples(MINOR, st.none() | MINOR), min_size=1, max_size=3))
    # What is written off of each line: some of it, at least one minor unit.
    taken = [
        (draw(st.integers(1, charge)), None if tax is None else draw(st.integers(1, tax)))
        for charge, tax in lines
    ]
    return {
        "currency": currency,
        "lines": lines,
        "taken": taken,
        "memo_day": draw(st.integers(0, 364)),
        "reversed_after": draw(st.none() | st.integers(0, 120)),
        "reason": draw(st.sampled_from(REASONS)),
        "revenue_impacting": draw(st.booleans()),
    }


def units(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-minor_units(currency))


def expected(specs, date_from, date_to) -> dict:
    """The report worked out from the memos as specified, by the netting rule."""
    found = defaultdict(
        lambda: {
            "reason": defaultdict(lambda: [Decimal(0), Decimal(0), 0, 0]),
            "code": defaultdict(lambda: [Decimal(0), Decimal(0), 0, 0]),
            "month": defaultdict(lambda: [Decimal(0), Decimal(0), 0, 0]),
        }
    )
    for spec in specs:
        currency = spec["currency"]
        memo_date = START + datetime.timedelta(days=spec["memo_day"])
        entries = [(memo_date, 0, 1)]
        if spec["reversed_after"] is not None:
            entries.append((memo_date + datetime.timedelta(days=spec["reversed_after"]), 1, -1))
        for day, column, sign in entries:
            if not date_from <= day <= date_to:
                continue
            for charge, tax in spec["taken"]:
                for amount, code in ((charge, "2500"), (tax, "2200")):
                    if amount is None:
                        continue
                    if not spec["revenue_impacting"]:
                        code = "6100"
                    for table, key in (
                        ("reason", spec["reason"]),
                        ("code", code),
                        ("month", day.replace(day=1)),
                    ):
                        row = found[currency][table][key]
                        row[column] += sign * units(amount, currency)
                        row[column + 2] += 1
    return {
        currency: {
            table: {key: tuple(row) for key, row in rows.items()} for table, rows in t.items()
        }
        for currency, t in found.items()
    }


def found(report) -> dict:
    result = {}
    for currency, t in tables(report).items():
        result[currency] = {
            "reason": {key[0]: (w, r, wl, rl) for key, (w, r, _, wl, rl) in t["reason"].items()},
            "code": {key[0]: (w, r, wl, rl) for key, (w, r, _, wl, rl) in t["code"].items()},
            "month": {key[0]: (w, r, wl, rl) for key, (w, r, _, wl, rl) in t["month"].items()},
        }
    return result


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=st.lists(memo(), min_size=1, max_size=6),
    period=st.tuples(st.integers(0, 500), st.integers(0, 500)).map(sorted),
)
def test_totals_are_the_sums_of_the_items_to_the_minor_unit(
    viewer_client, codes, controller, specs, period
):
    date_from, date_to = (START + datetime.timedelta(days=day) for day in period)
    query = f"date_from={date_from.isoformat()}&date_to={date_to.isoformat()}"
    with transaction.atomic():
        account = AccountFactory()
        for spec in specs:
            currency = spec["currency"]
            document, made = invoice(
                codes,
                currency=currency,
                account=account,
                date=START,
                lines=[
                    (units(charge, currency), None if tax is None else units(tax, currency))
                    for charge, tax in spec["lines"]
                ],
            )
            amounts = [amount for pair in spec["taken"] for amount in pair if amount is not None]
            extra = {}
            if not spec["revenue_impacting"]:
                extra = {"revenue_impacting": False, "accounting_code": codes["bad_debt"]}
            memo_date = START + datetime.timedelta(days=spec["memo_day"])
            made_memo = write_off(
                document,
                controller,
                [
                    (line, units(amount, currency))
                    for line, amount in zip(made, amounts, strict=True)
                ],
                memo_date=memo_date,
                reason_code=reason(spec["reason"]),
                **extra,
            )
            if spec["reversed_after"] is not None:
                day = memo_date + datetime.timedelta(days=spec["reversed_after"])
                reverse(made_memo, controller, day)

        report = viewer_client.get(f"{REPORT}?{query}").context["report"]
        assert found(report) == expected(specs, date_from, date_to)
        for part in report.currencies:
            # Every table adds up to the same total.
            for table in (part.by_reason, part.by_accounting_code, part.by_month):
                assert sum((row.total.net for row in table), Decimal(0)) == part.total.net
            assert part.total.net == part.total.written_off + part.total.reversed

        rows = read_csv(viewer_client.get(f"{CSV}?{query}"))
        for part in report.currencies:
            mine = [row for row in rows if row["Currency"] == part.currency]
            digits = minor_units(part.currency)
            assert all(len(row["Amount"].partition(".")[2]) == digits for row in mine), (
                "amounts carry the currency's digits"
            )
            written = sum((Decimal(r["Amount"]) for r in mine if r["Entry"] == "Write-off"), 0)
            reversed_ = sum((Decimal(r["Amount"]) for r in mine if r["Entry"] == "Reversal"), 0)
            assert (written, reversed_) == (part.total.written_off, part.total.reversed)
        assert {row["Currency"] for row in rows} == {part.currency for part in report.currencies}
        transaction.set_rollback(True)
