"""The live total, the dialog's save and the API agree, whatever is typed (SPEC Q7, hypothesis).

For random line amounts, odd strings and fields sent twice: no channel answers 5xx; a refusal
writes nothing; the total the dialog previews is the memo its save makes, to the last digit;
and for plain amounts the dialog and the API accept and refuse the same write-offs.
"""

import itertools
import json
import re
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.services import api_token_create
from billing.models import BillingDocument, LineItem
from billing.money import format_amount
from tests.api.helpers import bearer, write_off_path
from tests.factories import invoice_with_all_kinds
from writeoffs.keys import dialog_key_issue
from writeoffs.models import CreditMemo, ReasonCode

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
PLAIN = re.compile(r"\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)?\s*")
_numbers = itertools.count(1)

ODD = [
    "",
    " ",
    "abc",
    "1e3",
    "NaN",
    "Infinity",
    "-0",
    "1,00",
    "1,000.00",
    "١٢",
    "\x00",
    "9" * 40,
    "0.001",
    "+5",
    ".5",
    "5.",
    "--1",
    "1 000",
    "0x10",
    "½",
]


def typed(balance: Decimal):
    """What a clerk (or an attacker) might type for a line whose balance is `balance`."""
    units = int(abs(balance) * 100)
    sign = -1 if balance < 0 else 1
    within = st.integers(0, units).map(lambda cents: str(Decimal(sign * cents) / 100))
    anything = st.integers(0, 4).flatmap(
        lambda places: st.decimals(-200, 200, places=places, allow_nan=False, allow_infinity=False)
    )
    return st.one_of(
        within,
        within.map(lambda text: f"{Decimal(text):,}"),
        anything.map(str),
        st.sampled_from(ODD),
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=12),
    )


@st.composite
def write_offs(draw):
    balances = [Decimal("100.00"), Decimal("8.25"), Decimal("-10.00"), Decimal("-0.83")]
    amounts = [draw(typed(balance)) for balance in balances]
    repeated = [draw(st.booleans()) and draw(st.integers(0, 9)) == 0 for _ in balances]
    memo_date = draw(st.sampled_from(["2026-10-01", "2026-10-15", "2026-09-30", "", "soon"]))
    return amounts, repeated, memo_date


def books():
    return (
        CreditMemo.objects.count(),
        list(LineItem.objects.order_by("pk").values_list("balance", flat=True)),
        list(BillingDocument.objects.order_by("pk").values_list("balance", flat=True)),
    )


def preview_of(html: str) -> tuple[str, bool]:
    """(the Write-Off Amount shown, whether any message is shown at all)."""
    shown = re.search(r'<output id="write-off-amount"[^>]*>([^<]*)</output>', html)[1]
    line_messages = re.findall(r'innerHTML:#id_amount_[0-9]+_error">([^<]*)</div>', html)
    if any(message.strip() for message in line_messages):
        assert shown == "—", "a total was shown while a line is wrong (W14)"
    messages = re.findall(r'hx-swap-oob="innerHTML:#[^"]+">(.*?)</div>', html, re.S)
    total_messages = re.findall(r'class="text-danger small mb-0[^"]*">\s*([^<]+)', html)
    alert = 'class="alert' in html
    return shown, any(m.strip() for m in messages[2:]) or bool(total_messages) or alert


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=write_offs())
def test_the_live_total_the_save_and_the_api_agree(client, clerk, data):
    amounts, repeated, memo_date = data
    client.force_login(clerk)
    token = api_token_create(user=clerk, name="property")[1]
    dialog_invoice, *dialog_lines = invoice_with_all_kinds(number=f"INV{next(_numbers):08d}")
    api_invoice, *api_lines = invoice_with_all_kinds(number=f"INV{next(_numbers):08d}")

    form = {
        "memo_date": memo_date,
        "reason_code": str(ReasonCode.objects.default().pk),
        "revenue_impacting": "on",
        "request_key": dialog_key_issue(user=clerk, document=dialog_invoice),
    }
    for line, amount, twice in zip(dialog_lines, amounts, repeated, strict=True):
        form[f"amount_{line.pk}"] = [amount, amount] if twice else amount
    url = f"/billing/invoices/{dialog_invoice.number}/write-off/"

    before = books()
    live = client.post(url + "total/", form, **HTMX)
    assert live.status_code == 200
    assert books() == before
    shown, any_message = preview_of(live.text)

    save = client.post(url, form, **HTMX)
    assert save.status_code == 200
    dialog_memo = CreditMemo.objects.filter(document=dialog_invoice).first()
    if "HX-Redirect" in save:
        assert shown == format_amount(dialog_memo.total, "USD")  # to the last digit
        assert not any_message
    else:
        assert dialog_memo is None
        assert books() == before
        if not any_message and shown not in ("—", "0.00"):
            pytest.fail(f"the live total showed {shown} with no message, and the save refused")

    charge, tax, discount, discount_tax = api_lines
    a_charge, a_tax, a_discount, a_discount_tax = amounts
    body = {
        "memoDate": memo_date,
        "items": [
            {
                "invoiceItemId": str(charge.pk),
                "amountWithoutTax": a_charge,
                "taxationItems": [{"taxationItemId": str(tax.pk), "amount": a_tax}],
            },
            {
                "invoiceItemId": str(discount.pk),
                "amountWithoutTax": a_discount,
                "taxationItems": [
                    {"taxationItemId": str(discount_tax.pk), "amount": a_discount_tax}
                ],
            },
        ],
    }
    before = books()
    api = client.put(
        write_off_path(api_invoice.number),
        json.dumps(body),
        content_type="application/json",
        headers=bearer(token),
    )
    assert api.status_code in (200, 400, 422), api.content
    api_memo = CreditMemo.objects.filter(document=api_invoice).first()
    if api.status_code == 200:
        assert api.json()["creditMemo"]["amount"] == format_amount(api_memo.total, "USD")
    else:
        assert api_memo is None
        assert books() == before

    # The API takes plain decimals only (no thousands separators) and no field twice; for
    # such input both channels must decide the same, and write off the same total.
    if all(PLAIN.fullmatch(amount) for amount in amounts) and not any(repeated):
        assert (dialog_memo is None) == (api_memo is None), (save.text[:3000], api.json())
        if dialog_memo is not None:
            assert dialog_memo.total == api_memo.total
