"""The Reverse Write-Off dialog as a hostile clerk would try it: the calendar's ends, text a
page would misread, and the money its message shows in currencies of 0 and 3 decimals."""

import datetime
import json

import pytest

from tests.conftest import VIEW_DOCUMENTS, WRITE_OFF
from tests.factories import AccountFactory, InvoiceFactory, UserFactory, add_line, write_off
from tests.writeoffs.test_reversal_views import HTMX, MEMO_DATE, books, form_data
from writeoffs.models import REVERSE_PERMISSION

pytestmark = pytest.mark.django_db


@pytest.fixture
def controller(db):
    return UserFactory(
        username="controller", permissions=[VIEW_DOCUMENTS, WRITE_OFF, REVERSE_PERMISSION]
    )


@pytest.fixture
def controller_client(client, controller):
    client.force_login(controller)
    return client


def posted_memo(controller, currency="USD", amount="100.00", written_off="10.00"):
    """A memo of `written_off` from a one-line document of `amount`, dated 2026-10-15."""
    document = InvoiceFactory(currency=currency, account=AccountFactory(), date=MEMO_DATE)
    line = add_line(document, amount=amount)
    return write_off(document, controller, [(line, written_off)], memo_date=MEMO_DATE)


def reverse_url(memo) -> str:
    return f"/billing/credit-memos/{memo.number}/reverse/"


@pytest.fixture
def memo(controller):
    return posted_memo(controller)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0001-01-01", "The reversal date cannot be before the memo date, 2026-10-15."),
        ("9999-12-31", "The reversal date cannot be in the future."),
        ("10000-01-01", "Write the date as YYYY-MM-DD"),
        ("2026-W43-2", "Write the date as YYYY-MM-DD"),
        ("\u202e2026-10-20", "Write the date as YYYY-MM-DD"),
    ],
)
def test_a_reversal_date_at_or_past_the_calendars_ends_is_refused_by_its_field(
    controller_client, memo, value, message
):
    before = books()
    response = controller_client.post(
        reverse_url(memo), form_data(memo, reversal_date=value), **HTMX
    )
    assert response.status_code == 200 and "HX-Redirect" not in response
    assert json.loads(response["HX-Trigger-After-Settle"]) == {
        "writeOffRefused": {"focus": "id_reversal_date"}
    }
    assert message in response.text
    assert books() == before


def test_a_comment_with_markup_is_kept_and_shown_as_text(controller_client, memo):
    comment = '<img src=x onerror="alert(1)"> \u202egnp.exe'
    response = controller_client.post(reverse_url(memo), form_data(memo, comment=comment), **HTMX)
    assert response.status_code == 200 and "HX-Redirect" in response
    memo.refresh_from_db()
    assert memo.reversal_comment == comment
    html = controller_client.get(f"/billing/credit-memos/{memo.number}/").text
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; \u202egnp.exe" in html
    assert (
        "<img src=x"
        not in controller_client.get(f"/billing/credit-memos/{memo.number}/history/").text
    )


@pytest.mark.parametrize(
    ("currency", "amount", "written_off", "shown"),
    [
        ("JPY", "12345", "1235", ("1,235 JPY", "12,345 JPY")),
        ("KWD", "10.000", "1.235", ("1.235 KWD", "10.000 KWD")),
    ],
)
def test_the_saved_message_shows_each_currencys_own_digits(
    controller_client, controller, currency, amount, written_off, shown
):
    credit_memo = posted_memo(controller, currency, amount, written_off)
    before = books()

    response = controller_client.post(
        reverse_url(credit_memo),
        form_data(credit_memo, reversal_date=datetime.date.today().isoformat()),
        **HTMX,
    )

    assert "HX-Redirect" in response and books() != before
    html = controller_client.get(f"/billing/credit-memos/{credit_memo.number}/").text
    back, balance = shown
    assert f"reversed credit memo {credit_memo.number}: {back} is back on invoice" in html
    assert f"whose balance is now {balance}." in html
