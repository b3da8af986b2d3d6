"""Memos for the Write-Off Report, made through the one write-off and reversal services."""

import datetime

import pytest

from billing.models import AccountingCode, LineItem
from tests.conftest import VIEW_DOCUMENTS, WRITE_OFF
from tests.factories import (
    AccountFactory,
    AccountingCodeFactory,
    InvoiceFactory,
    UserFactory,
    add_line,
    write_off,
)
from writeoffs.models import REVERSE_PERMISSION, ReasonCode
from writeoffs.reversals import ReversalProposal, credit_memo_reverse

REPORT = "/billing/reports/write-offs/"
CSV = "/billing/reports/write-offs/csv/"


@pytest.fixture
def controller(db):
    """Someone who may see, write off and reverse."""
    return UserFactory(
        username="controller", permissions=[VIEW_DOCUMENTS, WRITE_OFF, REVERSE_PERMISSION]
    )


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


def make_codes() -> dict[str, AccountingCode]:
    return {
        "deferred": AccountingCodeFactory(
            code="2500", name="Deferred Revenue", type=AccountingCode.Type.DEFERRED_REVENUE
        ),
        "tax": AccountingCodeFactory(
            code="2200", name="Sales Tax Payable", type=AccountingCode.Type.SALES_TAX_PAYABLE
        ),
        "bad_debt": AccountingCodeFactory(
            code="6100", name="Bad Debt Expense", type=AccountingCode.Type.BAD_DEBT
        ),
    }


@pytest.fixture
def codes(db):
    return make_codes()


def invoice(codes, *, currency="USD", account=None, date=datetime.date(2026, 9, 1), lines=()):
    """An invoice of charges (each `(charge, tax)` amounts, tax None for none); its lines."""
    document = InvoiceFactory(
        currency=currency,
        account=account or AccountFactory(),
        date=date,
        due_date=date + datetime.timedelta(days=30),
    )
    made = []
    for number, (charge, tax) in enumerate(lines, start=1):
        line = add_line(
            document, amount=charge, description=f"Plan {number}", accounting_code=codes["deferred"]
        )
        made.append(line)
        if tax is not None:
            made.append(
                add_line(
                    document,
                    LineItem.Kind.TAX,
                    tax,
                    parent=line,
                    description=f"Tax on plan {number}",
                    accounting_code=codes["tax"],
                )
            )
    return document, made


def reason(name: str) -> ReasonCode:
    return ReasonCode.objects.get(name=name)


def reverse(memo, user, day: datetime.date):
    return credit_memo_reverse(
        memo=memo,
        user=user,
        proposal=ReversalProposal(reversal_date=day, reason_code=reason("Invoice Reversal")),
    )


@pytest.fixture
def book(codes, controller):
    """October and November 2026 in USD and JPY:

    - CM1 2026-10-15 USD, Write-off: Plan 1 10.00 + its tax 0.83 (revenue impacting), reversed
      2026-11-05;
    - CM2 2026-11-02 USD, Charge Dispute: Plan 1 5.50, to bad debt (not revenue impacting),
      account A00000777 "=HYPERLINK(...)";
    - CM3 2026-11-20 JPY, Write-off: Plan 1 1,000 + its tax 100.
    """
    usd, (charge, tax) = invoice(codes, lines=[("100.00", "8.25")])
    first = write_off(
        usd,
        controller,
        [(charge, "10.00"), (tax, "0.83")],
        memo_date=datetime.date(2026, 10, 15),
        reason_code=reason("Write-off"),
    )
    reverse(first, controller, datetime.date(2026, 11, 5))
    formula = AccountFactory(number="A00000777", name='=HYPERLINK("http://evil.example";"x")')
    disputed, (charge2,) = invoice(codes, account=formula, lines=[("50.00", None)])
    second = write_off(
        disputed,
        controller,
        [(charge2, "5.50")],
        memo_date=datetime.date(2026, 11, 2),
        reason_code=reason("Charge Dispute"),
        revenue_impacting=False,
        accounting_code=codes["bad_debt"],
    )
    jpy, (charge3, tax3) = invoice(codes, currency="JPY", lines=[("10000", "1000")])
    third = write_off(
        jpy,
        controller,
        [(charge3, "1000"), (tax3, "100")],
        memo_date=datetime.date(2026, 11, 20),
        reason_code=reason("Write-off"),
    )
    first.refresh_from_db()
    return {"first": first, "second": second, "third": third}
