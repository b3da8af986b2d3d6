"""Each way a hostile clerk could once make the books lie or the site fail, reproduced through
the real endpoints: every one is now a clear refusal that writes nothing, never a 500."""

import html as html_text
import json
import re
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from api.services import api_token_create
from billing.models import BillingDocument, LineItem
from tests.api.helpers import bearer, reasons, write_off_path
from tests.factories import InvoiceFactory, UserFactory, invoice_with_all_kinds
from writeoffs.keys import dialog_key_issue
from writeoffs.models import CreditMemo, ReasonCode

pytestmark = pytest.mark.django_db

NUMBER = "INV00000101"
DIALOG = f"/billing/invoices/{NUMBER}/write-off/"
TOTAL = f"/billing/invoices/{NUMBER}/write-off/total/"
HTMX = {"HTTP_HX_REQUEST": "true"}
PERMISSIONS = ["billing.view_billingdocument", "writeoffs.write_off_document"]


@pytest.fixture
def invoice():
    """Gold Plan 100.00, its tax 8.25, a discount -10.00 and its tax -0.83: balance 97.42."""
    return invoice_with_all_kinds(number=NUMBER)


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


def form(user, document, lines=(), **fields):
    data = {
        "memo_date": str(document.date),
        "reason_code": str(ReasonCode.objects.default().pk),
        "revenue_impacting": "on",
        "request_key": dialog_key_issue(user=user, document=document),
    }
    data.update({f"amount_{line.pk}": amount for line, amount in lines})
    data.update(fields)
    return data


def books():
    return (
        CreditMemo.objects.count(),
        list(LineItem.objects.order_by("pk").values_list("balance", flat=True)),
        list(BillingDocument.objects.order_by("pk").values_list("balance", flat=True)),
    )


def swapped(target: str, html: str) -> str:
    """The text a response swaps into `#target` out of band."""
    match = re.search(rf'hx-swap-oob="innerHTML:#{re.escape(target)}">(.*?)</div>', html, re.S)
    assert match, f"nothing is swapped into #{target}"
    return html_text.unescape(re.sub(r"<[^>]+>", "", match[1])).strip()


def total(html: str) -> str:
    return re.search(r'<output id="write-off-amount"[^>]*>([^<]*)</output>', html)[1]


def refused_in_dialog(client, data, url=DIALOG):
    """POST the dialog; assert it was refused, wrote nothing and moved focus to a message."""
    before = books()
    response = client.post(url, data, **HTMX)
    assert response.status_code == 200
    assert "HX-Redirect" not in response
    assert books() == before
    return response.text


# A dialog key could swallow someone else's write-off.


def test_dialog_keys_named_like_api_keys_cannot_swallow_a_later_api_write_off(
    clerk_client, clerk, invoice
):
    _, charge, *_ = invoice
    for n in (1, 2, 3):
        html = refused_in_dialog(
            clerk_client, form(clerk, invoice[0], [(charge, "0.01")], request_key=f"api-{n}")
        )
        assert swapped("write-off-errors", html).startswith("This form is out of date or was not")
    token = api_token_create(user=clerk, name="script")[1]
    response = clerk_client.put(
        write_off_path(NUMBER),
        json.dumps({"items": [{"invoiceItemId": str(charge.pk), "amountWithoutTax": "10.00"}]}),
        content_type="application/json",
        headers={**bearer(token), "Idempotency-Key": "fresh"},
    )
    assert response.status_code == 200
    assert response.json()["creditMemo"]["amount"] == "10.00"
    charge.refresh_from_db()
    assert charge.balance == Decimal("90.00")


def test_another_users_dialog_key_is_refused_not_answered_with_their_memo(client, clerk, invoice):
    _, charge, *_ = invoice
    client.force_login(clerk)
    data = form(clerk, invoice[0], [(charge, "0.01")])
    assert client.post(DIALOG, data, **HTMX)["HX-Redirect"]
    other = UserFactory(username="other", permissions=PERMISSIONS)
    client.force_login(other)
    html = refused_in_dialog(client, {**data, f"amount_{charge.pk}": "5.00"})
    assert swapped("write-off-errors", html) == (
        "This form was issued for another user or document; close the dialog and open it again."
    )
    assert "wrote off" not in html


def test_a_dialog_key_for_another_invoice_is_refused(clerk_client, clerk, invoice):
    other = invoice_with_all_kinds(number="INV00000102")
    data = form(clerk, invoice[0], [(invoice[1], "1.00")])
    data["request_key"] = dialog_key_issue(user=clerk, document=other[0])
    html = refused_in_dialog(clerk_client, data)
    assert "issued for another user or document" in swapped("write-off-errors", html)


@pytest.mark.parametrize("key", ["k" * 65, "k" * 10_000, "", "a:b:c", "\ufffd"])
def test_a_request_key_of_any_shape_is_refused_with_a_message(clerk_client, clerk, invoice, key):
    data = form(clerk, invoice[0], [(invoice[1], "1.00")], request_key=key)
    html = refused_in_dialog(clerk_client, data)
    assert swapped("write-off-errors", html)


# A line sent twice was accepted, the last value winning (W8).


def test_a_line_sent_twice_in_the_dialog_is_refused(clerk_client, clerk, invoice):
    _, charge, *_ = invoice
    data = form(clerk, invoice[0], [(charge, ["0.01", "3.00"])])
    html = refused_in_dialog(clerk_client, data)
    assert swapped(f"id_amount_{charge.pk}_error", html) == "This line was sent more than once."
    assert total(html) == "—"
    assert total(clerk_client.post(TOTAL, data, **HTMX).text) == "—"


def test_a_header_field_sent_twice_in_the_dialog_is_refused(clerk_client, clerk, invoice):
    data = form(clerk, invoice[0], [(invoice[1], "1.00")])
    data["memo_date"] = [data["memo_date"], "2026-10-02"]
    html = refused_in_dialog(clerk_client, data)
    assert swapped("id_memo_date_error", html) == "This was sent more than once."


# The live total showed a partial sum while a line was wrong.


def test_the_live_total_is_unknown_while_a_line_cannot_be_read(clerk_client, clerk, invoice):
    _, charge, tax, *_ = invoice
    html = clerk_client.post(
        TOTAL, form(clerk, invoice[0], [(charge, "abc"), (tax, "1.00")]), **HTMX
    ).text
    assert total(html) == "—"
    assert swapped(f"id_amount_{charge.pk}_error", html) == "Enter a plain amount such as 1234.56."
    assert f"#id_amount_{tax.pk}_error" not in html  # only lines with a message are answered


def test_after_a_refused_save_the_total_stays_unknown(clerk_client, clerk, invoice):
    _, charge, tax, *_ = invoice
    data = form(clerk, invoice[0], [(charge, "abc"), (tax, "1.00")])
    assert total(refused_in_dialog(clerk_client, data)) == "—"
    assert total(clerk_client.post(TOTAL, data, **HTMX).text) == "—"


def test_a_total_above_the_balance_is_said_once(clerk_client, clerk, invoice):
    _, charge, tax, *_ = invoice
    data = form(clerk, invoice[0], [(charge, "100.00"), (tax, "8.25")])
    for html in (
        clerk_client.post(TOTAL, data, **HTMX).text,
        refused_in_dialog(clerk_client, data),
    ):
        assert total(html) == "108.25"
        shown = swapped("write-off-total", html)
        assert shown.count("is more than the document's balance") == 1
        assert "Balance after write-off" not in shown  # never a balance below zero


def test_the_live_total_shows_a_missing_date_and_a_comment_that_is_too_long(
    clerk_client, clerk, invoice
):
    data = form(clerk, invoice[0], [(invoice[1], "1.00")], memo_date="", comment="x" * 256)
    html = clerk_client.post(TOTAL, data, **HTMX).text
    assert swapped("id_memo_date_error", html) == "Enter the write-off date."
    assert swapped("id_comment_error", html) == "Keep the comment to 255 characters; it has 256."
    assert total(html) == "1.00"


# Inputs that gave a 500.


def test_a_nul_in_the_invoice_search_is_a_message(clerk_client, invoice):
    response = clerk_client.get("/billing/invoices/?q=%00")
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.text
    assert NUMBER not in response.text


def test_an_unknown_status_in_the_invoice_search_is_a_message(clerk_client, invoice):
    response = clerk_client.get("/billing/invoices/?status=Paid")
    assert response.status_code == 200
    assert "Select a valid choice. Paid is not one of the available choices." in response.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("comment", "a\x00b", "Null characters are not allowed."),
        ("reason_code", "99999999999999999999999", "Select a valid choice."),
        ("reason_code", "abc", "Select a valid choice."),
        ("memo_date", "2026-02-30", "2026-02-30 is not a date."),
        ("memo_date", "20261015", "Write the date as YYYY-MM-DD, e.g. 2026-10-15."),
    ],
)
def test_odd_values_in_the_dialog_are_refused_next_to_their_field(
    clerk_client, clerk, invoice, field, value, message
):
    data = form(clerk, invoice[0], [(invoice[1], "1.00")], **{field: value})
    html = refused_in_dialog(clerk_client, data)
    assert swapped(f"id_{field}_error", html).startswith(message)


@pytest.mark.parametrize("name", ["amount_99999999999999999999999", "amount_x", "amount_"])
def test_an_amount_for_no_line_of_the_invoice_is_refused(clerk_client, clerk, invoice, name):
    data = form(clerk, invoice[0], [(invoice[1], "1.00")], **{name: "1.00"})
    assert swapped("write-off-errors", refused_in_dialog(clerk_client, data))


@pytest.mark.parametrize(
    ("field", "path"),
    [
        ("comment", "comment"),
        ("reasonCode", "reasonCode"),
        ("nonRevenueWriteOffAccountingCode", "nonRevenueWriteOffAccountingCode"),
    ],
)
def test_a_lone_surrogate_in_api_text_is_a_json_refusal(client, clerk, invoice, field, path):
    token = api_token_create(user=clerk, name="script")[1]
    before = books()
    response = client.put(
        write_off_path(NUMBER),
        f'{{"{field}": "\\ud800"}}',
        content_type="application/json",
        headers=bearer(token),
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert reasons(response) == [("invalid_text", path)]
    assert books() == before


def test_a_key_given_twice_in_api_json_is_refused_with_its_path(client, clerk, invoice):
    token = api_token_create(user=clerk, name="script")[1]
    before = books()
    charge = invoice[1].pk
    response = client.put(
        write_off_path(NUMBER),
        f'{{"items": [{{"invoiceItemId": "{charge}", "amountWithoutTax": "0.01", '
        f'"amountWithoutTax": "90.00"}}]}}',
        content_type="application/json",
        headers=bearer(token),
    )
    assert response.status_code == 400
    assert reasons(response) == [("invalid_json", "items[0].amountWithoutTax")]
    assert books() == before


def test_a_document_number_no_url_can_route_cannot_be_stored():
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceFactory(number="PRB/../1")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ("[" * 100_000, None),
        ('{"items": ' + "[" * 40 + "]" * 40 + "}", "items" + "[0]" * 32),
        ('{"comment": "x", "comment": "y"}', "comment"),
        ('{"items": [{"invoiceItemId": "1", "amountWithoutTax": ' + "9" * 5000 + "}]}", None),
    ],
)
def test_odd_api_bodies_are_400s_naming_their_place(client, clerk, invoice, data, field):
    token = api_token_create(user=clerk, name="script")[1]
    before = books()
    response = client.put(
        write_off_path(NUMBER), data, content_type="application/json", headers=bearer(token)
    )
    assert response.status_code == 400
    found = reasons(response)
    assert len(found) == 1
    if field is not None:
        assert found == [("invalid_json", field)]
    assert books() == before


def test_a_body_of_ten_megabytes_is_a_400(client, clerk, invoice):
    token = api_token_create(user=clerk, name="script")[1]
    data = json.dumps({"comment": "x" * 10_000_000})
    response = client.put(
        write_off_path(NUMBER), data, content_type="application/json", headers=bearer(token)
    )
    assert response.status_code == 400
    assert reasons(response) == [("body_too_large", None)]


@pytest.mark.parametrize(
    "query",
    [
        "reason_code=99999999999999999999999",
        "reason_code=%00",
        "date_from=%00",
        "date_from=99999-01-01",
        "page=%00",
        "page=99999999999999999999",
    ],
)
def test_odd_credit_memo_filters_are_messages(clerk_client, query):
    assert clerk_client.get(f"/billing/credit-memos/?{query}").status_code == 200


@pytest.mark.parametrize(
    "path", ["/billing/invoices/%00/", "/billing/invoices/a%2Fb/", "/api/v1/invoices/%ED%A0%80"]
)
def test_odd_document_numbers_in_urls_are_not_found(clerk_client, clerk, path):
    token = api_token_create(user=clerk, name="script")[1]
    assert clerk_client.get(path, headers=bearer(token)).status_code == 404
