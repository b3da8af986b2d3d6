"""The Write Off Invoice dialog, its live total, its save, and the Credit Memos pages."""

import datetime
import json
import re
from decimal import Decimal
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing import selectors as billing_selectors
from billing.models import AccountingCode, BillingDocument, LineItem
from tests.factories import (
    AccountingCodeFactory,
    InvoiceFactory,
    LineItemFactory,
    add_line,
    invoice_with_all_kinds,
    write_off,
)
from writeoffs.keys import dialog_key_issue
from writeoffs.models import CreditMemo, ReasonCode, WriteOffSettings

pytestmark = pytest.mark.django_db

User = get_user_model()
DIALOG = "/billing/invoices/INV00000101/write-off/"
TOTAL = "/billing/invoices/INV00000101/write-off/total/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def invoice():
    return invoice_with_all_kinds(number="INV00000101")


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


def issued_key(number="INV00000101", username="clerk") -> str:
    """A key as the dialog of that invoice, opened by that user, carries it."""
    document = BillingDocument.objects.get(number=number)
    return dialog_key_issue(user=User.objects.get(username=username), document=document)


def form_data(lines=(), number="INV00000101", username="clerk", **fields):
    data = {
        "memo_date": "2026-10-15",
        "reason_code": str(ReasonCode.objects.get(is_default=True).pk),
        "comment": "",
        "revenue_impacting": "on",
        "accounting_code": "",
        "request_key": issued_key(number, username),
    }
    data.update({f"amount_{line.pk}": amount for line, amount in lines})
    data.update(fields)
    return data


def oob(target: str, html: str) -> str:
    """What a response swaps into `#target`: the inner HTML of its out-of-band element."""
    pattern = rf'<div hx-swap-oob="innerHTML:#{re.escape(target)}">(.*?)</div>\s*(?=<div hx-swap|$)'
    match = re.search(pattern, html, re.S)
    assert match, f"no out-of-band swap of #{target}"
    return match[1].strip()


def total_shown(html: str) -> str:
    return re.search(r'<output id="write-off-amount"[^>]*>([^<]*)</output>', html)[1]


def balances():
    return list(LineItem.objects.order_by("pk").values_list("balance", flat=True))


@pytest.mark.parametrize(("method", "url"), [("get", DIALOG), ("post", DIALOG), ("post", TOTAL)])
def test_anonymous_users_are_sent_to_log_in(client, invoice, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.parametrize(("method", "url"), [("get", DIALOG), ("post", DIALOG), ("post", TOTAL)])
def test_users_without_the_write_off_permission_get_403_and_nothing_is_written(
    client, viewer, invoice, method, url
):
    client.force_login(viewer)
    _document, charge, *_ = invoice
    response = getattr(client, method)(
        url, form_data([(charge, "1.00")], username="viewer") if method == "post" else None
    )
    assert response.status_code == 403
    assert CreditMemo.objects.count() == 0


@pytest.mark.parametrize("url", ["/billing/credit-memos/", "/billing/credit-memos/CM00000001/"])
def test_credit_memo_pages_need_the_view_permission(client, django_user_model, url):
    assert client.get(url).status_code == 302
    client.force_login(django_user_model.objects.create_user("nobody"))
    assert client.get(url).status_code == 403


def test_dialog_opened_outside_the_invoice_page_shows_the_invoice_page(clerk_client, invoice):
    response = clerk_client.get(DIALOG)
    assert response.status_code == 302
    assert response.url == "/billing/invoices/INV00000101/"


def test_dialog_of_an_unknown_invoice_is_404(clerk_client):
    assert clerk_client.get("/billing/invoices/INV404/write-off/").status_code == 404


def test_dialog_shows_every_field_and_line_with_todays_date_and_the_default_reason(
    clerk_client, invoice
):
    html = clerk_client.get(DIALOG, **HTMX).text
    assert 'aria-labelledby="write-off-title"' in html
    assert ">Write Off Invoice</h2>" in html
    for label in (
        "Write-Off Date",
        "Reason Code",
        "Comment",
        "Revenue Impacting",
        "Accounting Code",
    ):
        assert f">{label}</label>" in html
    assert f'name="memo_date" value="{datetime.date.today():%Y-%m-%d}"' in html
    assert '<option value="1" selected>Write-off</option>' in html.replace(
        f'value="{ReasonCode.objects.get(is_default=True).pk}"', 'value="1"'
    )
    for line in invoice[1:]:
        assert f'aria-label="Write-Off Amount for {line.description}"' in html
    assert html.count('inputmode="decimal"') == 4
    assert 'data-fill="8.25"' in html
    assert 'data-fill="-0.83"' in html
    assert "Write off all balances" in html
    assert 'id="accounting-code-field" hidden' in html
    assert 'aria-live="polite"' in html


def test_dialog_shows_each_lines_service_period_as_dates(clerk_client, invoice):
    tax = invoice[2]
    LineItem.objects.filter(pk=tax.pk).update(service_start=datetime.date(2027, 1, 5))
    html = clerk_client.get(DIALOG, **HTMX).text
    cells = re.findall(r"<td>[^<]*</td><td>([^<]*)</td><td class=\"amount\">", html)
    # Charge, its tax (no end yet), the discount and its tax (none): in the dialog's order.
    assert cells == ["2026-10-01 \N{EN DASH} 2026-10-31", "2027-01-05 \N{EN DASH} ", "", ""]


def test_dialog_offers_only_active_expense_codes(clerk_client, invoice):
    AccountingCodeFactory(code="6100", name="Bad Debt", type=AccountingCode.Type.BAD_DEBT)
    AccountingCodeFactory(code="6200", name="Other", type=AccountingCode.Type.OTHER_EXPENSES)
    AccountingCodeFactory(code="6300", name="Old", type=AccountingCode.Type.BAD_DEBT, active=False)
    html = clerk_client.get(DIALOG, **HTMX).text
    assert "6100 Bad Debt" in html
    assert "6200 Other" in html
    assert "6300 Old" not in html
    options = html.split('id="id_accounting_code"')[1].split("</select>")[0]
    assert re.findall(r'<option value="[^"]*"[^>]*>([^<]*)</option>', options) == [
        "Choose a bad-debt or expense code",
        "6100 Bad Debt",
        "6200 Other",
    ]


def test_dialog_hides_revenue_impacting_when_enhanced_write_off_is_off(clerk_client, invoice):
    WriteOffSettings.objects.filter(pk=1).update(enhanced_write_off=False)
    html = clerk_client.get(DIALOG, **HTMX).text
    assert "Revenue Impacting" not in html
    assert "Accounting Code" not in html


def test_total_adds_up_the_typed_amounts_and_writes_nothing(clerk_client, invoice):
    _document, charge, tax, discount, discount_tax = invoice
    before = balances()
    html = clerk_client.post(
        TOTAL,
        form_data([(charge, "1,000"), (tax, "8.25"), (discount, "-10"), (discount_tax, "")]),
        **HTMX,
    ).text
    assert "1,000.00 is more than this line" in html
    html = clerk_client.post(
        TOTAL,
        form_data([(charge, "50"), (tax, "8.25"), (discount, "-10"), (discount_tax, "-0.83")]),
        **HTMX,
    ).text
    assert (
        '<output id="write-off-amount" aria-labelledby="write-off-amount-label">47.42</output>'
        in html
    )
    assert '<span id="remaining-balance">50.00</span>' in html
    # Only lines with a message are answered; the browser clears the others first.
    assert "#id_amount_" not in html
    assert "<form" not in html
    assert balances() == before
    assert CreditMemo.objects.count() == 0


def test_total_names_the_line_whose_amount_cannot_be_read(clerk_client, invoice):
    _document, charge, tax, *_ = invoice
    html = clerk_client.post(TOTAL, form_data([(charge, "1e3"), (tax, "1.005")]), **HTMX).text
    assert f'innerHTML:#id_amount_{charge.pk}_error">Enter a plain amount such as 1234.56.<' in html
    assert f'innerHTML:#id_amount_{tax.pk}_error">More decimals than USD allows (2).<' in html
    assert ">—</output>" in html


def test_save_writes_off_and_redirects_to_the_invoice_with_a_message(clerk_client, invoice, clerk):
    _document, charge, tax, discount, discount_tax = invoice
    bad_debt = AccountingCodeFactory(code="6100", type=AccountingCode.Type.BAD_DEBT)
    response = clerk_client.post(
        DIALOG,
        form_data(
            [(charge, "40.00"), (tax, "3.30"), (discount, "-4.00"), (discount_tax, "-0.33")],
            comment="Customer insolvent",
            revenue_impacting="",
            accounting_code=str(bad_debt.pk),
        ),
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/billing/invoices/INV00000101/"
    memo = CreditMemo.objects.get()
    assert memo.total == Decimal("38.97")
    assert memo.comment == "Customer insolvent"
    assert memo.revenue_impacting is False
    assert memo.created_by == clerk
    assert {item.accounting_code for item in memo.items.all()} == {bad_debt}
    page = clerk_client.get("/billing/invoices/INV00000101/").text
    assert f"Credit memo {memo.number} wrote off 38.97 USD." in page
    assert "The invoice balance is now 58.45 USD." in page


def test_refused_save_puts_each_message_next_to_its_field_and_leaves_the_inputs(
    clerk_client, invoice
):
    _document, charge, tax, *_ = invoice
    response = clerk_client.post(
        DIALOG,
        form_data(
            [(charge, "5.00"), (tax, "9.00")],
            memo_date="2026-09-01",
            comment="x" * 256,
            revenue_impacting="",
        ),
        **HTMX,
    )
    assert response.status_code == 200
    assert "HX-Redirect" not in response
    assert json.loads(response["HX-Trigger-After-Settle"]) == {
        "writeOffRefused": {"focus": "id_memo_date"}
    }
    html = response.text
    assert "<form" not in html and "<input" not in html  # what the clerk typed stays as typed
    expected = {
        "id_memo_date_error": "The write-off date cannot be before the document date, 2026-10-01.",
        "id_comment_error": "Keep the comment to 255 characters; it has 256.",
        "id_accounting_code_error": "Choose the bad-debt or other expense accounting code to "
        "book the write-off to.",
        f"id_amount_{tax.pk}_error": "9.00 is more than this line&#x27;s balance, 8.25.",
        "id_reason_code_error": "",
    }
    for target, message in expected.items():
        assert f'<div hx-swap-oob="innerHTML:#{target}">{message}</div>' in html
    assert f"#id_amount_{charge.pk}_error" not in html  # a line without a message
    assert CreditMemo.objects.count() == 0


def test_refused_save_shows_a_problem_of_the_whole_invoice_above_the_fields(clerk_client):
    paid = InvoiceFactory(number="INV00000102")
    line = add_line(paid, balance="0.00")
    response = clerk_client.post(
        "/billing/invoices/INV00000102/write-off/",
        form_data([(line, "")], number="INV00000102"),
        **HTMX,
    )
    assert (
        '<div hx-swap-oob="innerHTML:#write-off-errors"><div class="alert alert-danger mb-3">'
        '<p class="mb-0">Nothing is left to write off: the balance is zero.</p>'
    ) in response.text


def test_save_refuses_a_line_of_another_invoice_and_writes_nothing(clerk_client, invoice):
    _document, charge, *_ = invoice
    other = add_line(InvoiceFactory(number="INV00000999"))
    before = balances()
    data = form_data([(charge, "1.00")])
    data[f"amount_{other.pk}"] = "1.00"
    response = clerk_client.post(DIALOG, data, **HTMX)
    assert "HX-Redirect" not in response
    assert f"{other.pk} is not a line of INV00000101" in response.text
    assert balances() == before
    assert CreditMemo.objects.count() == 0


def test_a_double_submitted_save_makes_one_memo(clerk_client, invoice):
    _document, charge, *_ = invoice
    data = form_data([(charge, "10.00")])
    first = clerk_client.post(DIALOG, data, **HTMX)
    second = clerk_client.post(DIALOG, data, **HTMX)
    assert first["HX-Redirect"] == second["HX-Redirect"]
    assert CreditMemo.objects.count() == 1
    charge.refresh_from_db()
    assert charge.balance == Decimal("90.00")


def test_writing_off_all_balances_leaves_the_invoice_at_zero(clerk_client, invoice):
    document = invoice[0]
    data = form_data([(line, str(line.balance)) for line in invoice[1:]])
    assert clerk_client.post(DIALOG, data, **HTMX)["HX-Redirect"]
    document.refresh_from_db()
    assert document.balance == 0
    assert set(LineItem.objects.values_list("balance", flat=True)) == {Decimal(0)}


def invoice_with_lines(number, count):
    invoice = InvoiceFactory(number=number)
    code = AccountingCodeFactory(code="2500")
    LineItemFactory.create_batch(count, document=invoice, accounting_code=code)
    invoice.amount = invoice.balance = Decimal("100.00") * count
    invoice.save()
    return invoice


def queries(client, method, url, data=None, *, saved=False) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, data, **HTMX)
    assert response.status_code == 200
    assert ("HX-Redirect" in response) == saved, response.text[:2000]
    return len(captured)


def test_the_dialog_asks_no_query_twice_and_lists_the_codes_without_a_cursor(clerk_client, invoice):
    """The reason and accounting code selects are read once each, though Django's select
    looks at its choices twice, and as a plain query: not by a server-side cursor (DECLARE,
    FETCH, CLOSE), which a list of a handful of codes does not need."""
    with CaptureQueriesContext(connection) as captured:
        response = clerk_client.get(DIALOG, **HTMX)
    assert response.status_code == 200
    sql = [query["sql"] for query in captured]
    assert len(sql) == len(set(sql)), sql
    assert not [query for query in sql if "DECLARE" in query.upper()]
    reasons = response.text[response.text.index('name="reason_code"') :]
    reasons = reasons[: reasons.index("</select>")]
    assert reasons.count("<option") == ReasonCode.objects.filter(active=True).count() > 1


@pytest.mark.parametrize("endpoint", ["dialog", "total", "save", "lines"])
def test_query_counts_are_the_same_for_1_and_200_lines(clerk_client, endpoint):
    counts = []
    for number, count in (("INV00000001", 1), ("INV00000002", 200)):
        invoice = invoice_with_lines(number, count)
        url = f"/billing/invoices/{number}/write-off/"
        lines = [(line, "1.00") for line in invoice.lines.all()]
        if endpoint == "dialog":
            counts.append(queries(clerk_client, "get", url))
        elif endpoint == "lines":
            counts.append(queries(clerk_client, "get", url + "lines/?start=0&rest=on"))
        elif endpoint == "total":
            counts.append(queries(clerk_client, "post", url + "total/", form_data(lines, number)))
        else:
            data = form_data(lines, number=number)
            counts.append(queries(clerk_client, "post", url, data, saved=True))
            assert CreditMemo.objects.get(document__number=number).items.count() == count
    assert counts[0] == counts[1]


def test_the_live_total_reads_only_the_lines_typed_on_until_it_needs_them_all(
    clerk_client, invoice, monkeypatch
):
    """Every line is read only when the check goes through them all: here, to name the lines a
    total equal to the balance would leave open."""
    _document, charge, *_ = invoice
    every = []
    line_rows = billing_selectors.line_rows
    monkeypatch.setattr(
        billing_selectors,
        "line_rows",
        lambda document: every.append(document) or line_rows(document),
    )

    response = clerk_client.post(TOTAL, form_data([(charge, "1.00")]), **HTMX)
    assert response.status_code == 200
    assert (
        '<output id="write-off-amount" aria-labelledby="write-off-amount-label">1.00</output>'
        in (response.text)
    )
    assert every == []

    response = clerk_client.post(TOTAL, form_data([(charge, "97.42")]), **HTMX)  # the balance
    open_lines = (
        "\N{FIRST STRONG ISOLATE}Gold Plan\N{POP DIRECTIONAL ISOLATE}, \N{FIRST STRONG ISOLATE}CA"
    )
    assert f"but leave {open_lines} State Tax" in response.text
    assert len(every) == 1


# Credit Memos


@pytest.fixture
def memos(invoice, clerk_client):
    _document, charge, tax, *_ = invoice
    clerk_client.post(DIALOG, form_data([(charge, "10.00"), (tax, "1.00")]), **HTMX)
    other_reason = ReasonCode.objects.get(name="Charge Dispute")
    clerk_client.post(
        DIALOG,
        form_data(
            [(charge, "5.00")],
            reason_code=str(other_reason.pk),
            memo_date="2026-11-01",
        ),
        **HTMX,
    )
    return list(CreditMemo.objects.order_by("number"))


def test_credit_memo_list_shows_each_memo_and_filters_by_date_and_reason(clerk_client, memos):
    html = clerk_client.get("/billing/credit-memos/").text
    assert "CM00000001" in html
    assert "CM00000002" in html
    assert "11.00 USD" in html
    assert ">clerk<" in html
    dated = clerk_client.get("/billing/credit-memos/?date_from=2026-10-20").text
    assert "CM00000002" in dated
    assert "CM00000001" not in dated
    reason = ReasonCode.objects.get(name="Charge Dispute").pk
    by_reason = clerk_client.get(f"/billing/credit-memos/?reason_code={reason}").text
    assert "CM00000002" in by_reason
    assert "CM00000001" not in by_reason


def test_credit_memo_list_ignores_an_unreadable_date_and_says_so(clerk_client, memos):
    html = clerk_client.get("/billing/credit-memos/?date_from=yesterday").text
    assert "Write the date as YYYY-MM-DD, e.g. 2026-10-15." in html
    assert "CM00000001" in html


def test_credit_memo_page_shows_its_items_and_the_document(clerk_client, memos, invoice):
    html = clerk_client.get("/billing/credit-memos/CM00000001/").text
    assert '<a href="/billing/invoices/INV00000101/">Invoice INV00000101</a>' in html
    rows = [
        [
            " ".join(re.sub(r"<[^>]+>", "", cell).split())
            for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", html.split("<tbody>")[1], re.S)
    ]
    _document, charge, tax, *_ = invoice
    assert [(row[0], row[1], row[2].split()[0], row[3]) for row in rows] == [
        (f"Gold Plan line {charge.position + 1}", "Charge", "2500", "10.00"),
        (f"CA State Tax line {tax.position + 1} · tax of Gold Plan", "Tax", "2200", "1.00"),
    ]


def test_unknown_credit_memo_is_404(clerk_client):
    assert clerk_client.get("/billing/credit-memos/CM99999999/").status_code == 404


def test_credit_memo_pages_query_counts_do_not_grow(clerk_client, memos, invoice):
    few = queries(clerk_client, "get", "/billing/credit-memos/")
    detail = queries(clerk_client, "get", "/billing/credit-memos/CM00000001/")
    _document, charge, *_ = invoice
    for _ in range(10):
        clerk_client.post(DIALOG, form_data([(charge, "0.01")]), **HTMX)
    assert queries(clerk_client, "get", "/billing/credit-memos/") == few
    assert queries(clerk_client, "get", "/billing/credit-memos/CM00000002/") == detail


def memo_numbers(html: str) -> list[str]:
    return re.findall(r'<a href="/billing/credit-memos/([^/"]+)/">', html)


def page_link(html: str, label: str) -> str | None:
    found = re.findall(rf'<a class="page-link"(?: rel="\w+")? href="([^"]*)">{label}</a>', html)
    return "/billing/credit-memos/" + unescape(found[0]) if found else None


@pytest.fixture
def many_memos(invoice, clerk):
    """120 credit memos of the invoice, CM00000001 to CM00000120: the odd ones dated 2026-11-01,
    all but every fourth for Charge Dispute; written directly, as the list only reads them."""
    document = invoice[0]
    default = ReasonCode.objects.get(is_default=True)
    dispute = ReasonCode.objects.get(name="Charge Dispute")
    CreditMemo.objects.bulk_create(
        CreditMemo(
            number=f"CM{n:08d}",
            document=document,
            memo_date=datetime.date(2026, 11, 1) if n % 2 else datetime.date(2026, 10, 15),
            reason_code=dispute if n % 4 else default,
            revenue_impacting=True,
            total=Decimal("1.00"),
            created_by=clerk,
        )
        for n in range(1, 121)
    )
    return [f"CM{n:08d}" for n in range(120, 0, -1)]


def test_credit_memos_page_through_every_memo_once_and_back(clerk_client, many_memos):
    pages, url = [], "/billing/credit-memos/"
    while url:
        html = clerk_client.get(url).text
        pages.append(memo_numbers(html))
        url = page_link(html, "Older")
    assert [number for page in pages for number in page] == many_memos
    assert [len(page) for page in pages] == [50, 50, 20]
    assert "<caption>20 of 120 credit memos</caption>" in html
    back = clerk_client.get(page_link(html, "Newer")).text
    assert memo_numbers(back) == pages[1]
    assert page_link(back, "Newest") == "/billing/credit-memos/?"


def test_credit_memo_page_links_keep_the_filters(clerk_client, many_memos):
    dispute = ReasonCode.objects.get(name="Charge Dispute").pk
    query = f"date_from=2026-10-20&reason_code={dispute}"
    wanted = list(
        CreditMemo.objects.filter(memo_date__gte="2026-10-20", reason_code=dispute)
        .order_by("-number")
        .values_list("number", flat=True)
    )
    first = clerk_client.get(f"/billing/credit-memos/?{query}").text
    assert len(wanted) == 60
    assert "<caption>50 of 60 credit memos</caption>" in first
    older = page_link(first, "Older")
    assert older.startswith(f"/billing/credit-memos/?{query}&after=CM")
    second = clerk_client.get(older).text
    assert memo_numbers(first) + memo_numbers(second) == wanted
    assert page_link(second, "Older") is None


@pytest.mark.parametrize(
    "query",
    ["after=%00", "after=INV00000001~CM00000001", "after=CM1&after=CM2", "before=" + "C" * 21],
)
def test_a_credit_memo_page_link_that_cannot_be_read_shows_the_newest(
    clerk_client, many_memos, query
):
    response = clerk_client.get(f"/billing/credit-memos/?{query}")
    assert response.status_code == 200
    assert memo_numbers(response.text) == many_memos[:50]
    assert "This page link cannot be read" in response.text
    assert "Clear</a>" not in response.text


def test_every_credit_memo_page_takes_the_same_queries(
    clerk_client, many_memos, django_assert_num_queries
):
    dispute = ReasonCode.objects.get(name="Charge Dispute").pk
    for filters, expected in (("", 5), (f"date_from=2026-10-01&reason_code={dispute}", 6)):
        # session, user with their permissions, the reason codes offered, the bounded
        # count and the page; a reason filter also reads that reason
        first = f"/billing/credit-memos/?{filters}"
        older = page_link(clerk_client.get(first).text, "Older")
        newer = page_link(clerk_client.get(older).text, "Newer")
        for url in (first, older, newer, first + "&after=CM00000003"):
            with django_assert_num_queries(expected):
                clerk_client.get(url)


# The dialog asked for directly, and a document that changed while it was open


@pytest.mark.parametrize(
    ("status", "balance", "reason"),
    [
        ("Draft", None, "Only posted documents can be written off; INV00000102 is Draft."),
        ("Canceled", None, "Only posted documents can be written off; INV00000102 is Canceled."),
        ("Posted", "0.00", "Nothing is left to write off: the balance is zero."),
    ],
)
def test_a_dialog_asked_for_by_url_for_a_document_that_cannot_be_written_off_says_why(
    clerk_client, status, balance, reason
):
    document = InvoiceFactory(number="INV00000102", status=status)
    add_line(document, balance=balance)
    html = clerk_client.get("/billing/invoices/INV00000102/write-off/", **HTMX).text
    assert f'<p class="mb-0">{reason}</p>' in html
    assert "<form" not in html and "Save" not in html


def test_a_write_off_saved_by_another_clerk_meanwhile_refuses_and_shows_the_new_balances(
    clerk_client, clerk, invoice
):
    document, charge, tax, *_ = invoice
    data = form_data([(charge, "30.00")], seen_balance="97.42")
    other = write_off(document, clerk, [(charge, "50.00")])  # saved while the dialog was open
    response = clerk_client.post(DIALOG, data, **HTMX)
    assert "HX-Redirect" not in response
    html = response.text
    assert oob("write-off-errors", html) == (
        '<div class="alert alert-danger mb-3"><p class="mb-0">INV00000101 changed since you '
        "opened it: its balance is now 47.42 USD, not 97.42. The balances shown are now the "
        "current ones; check the amounts and save again.</p></div>"
    )
    assert '<div hx-swap-oob="innerHTML:#dialog-balance">47.42</div>' in html
    assert f'<div hx-swap-oob="innerHTML:#balance_{charge.pk}">50.00</div>' in html
    assert f'id="full_{charge.pk}" hx-swap-oob="true" data-fill="50.00"' in html
    assert f'id="full_{tax.pk}" hx-swap-oob="true" data-fill="8.25"' in html
    assert 'name="seen_balance" value="47.4200" id="id_seen_balance" hx-swap-oob="true"' in html
    assert CreditMemo.objects.get() == other
    # With the balance it has now been shown, the same amounts are saved.
    saved = clerk_client.post(DIALOG, {**data, "seen_balance": "47.4200"}, **HTMX)
    assert saved["HX-Redirect"] == "/billing/invoices/INV00000101/"
    charge.refresh_from_db()
    assert charge.balance == Decimal("20.00")


LONG = "/billing/invoices/INV00000450/write-off/"


def amount_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<input [^>]*id="id_amount_([0-9]+)"', html)]


@pytest.fixture
def long_invoice():
    """INV00000450: 450 charges of 100.00, in the dialog's order."""
    invoice = invoice_with_lines("INV00000450", 450)
    return invoice, list(invoice.lines.order_by("position").values_list("pk", flat=True))


def test_a_long_documents_dialog_shows_its_lines_a_page_at_a_time(clerk_client, long_invoice):
    _invoice, ids = long_invoice
    dialog = clerk_client.get(LONG, **HTMX).text
    assert amount_ids(dialog) == ids[:200]
    assert '<input type="hidden" name="lines_shown" value="200">' in dialog
    assert ">Show lines 201 to 400 of 450</button>" in dialog
    assert "data-show-all>Show all lines</button>" in dialog
    assert 'hx-get="/billing/invoices/INV00000450/write-off/lines/?start=200"' in dialog
    assert 'data-rest="/billing/invoices/INV00000450/write-off/lines/?start=200&amp;rest=on"' in (
        dialog
    )

    page = clerk_client.get(LONG + "lines/?start=200", **HTMX)
    assert page.status_code == 200
    assert amount_ids(page.text) == ids[200:400]
    assert '<input type="hidden" name="lines_shown" value="400">' in page.text
    assert ">Show lines 401 to 450 of 450</button>" in page.text
    last = clerk_client.get(LONG + "lines/?start=400", **HTMX).text
    assert amount_ids(last) == ids[400:]
    assert "more-lines" not in last and "lines_shown" not in last
    rest = clerk_client.get(LONG + "lines/?start=200&rest=on", **HTMX).text
    assert amount_ids(rest) == ids[200:]
    assert "more-lines" not in rest


def test_a_dialog_of_at_most_a_page_of_lines_shows_them_all(clerk_client):
    invoice_with_lines("INV00000200", 200)
    dialog = clerk_client.get("/billing/invoices/INV00000200/write-off/", **HTMX).text
    assert len(amount_ids(dialog)) == 200
    assert "more-lines" not in dialog and "lines_shown" not in dialog
    assert "Show all lines" not in dialog


@pytest.mark.parametrize(
    "query",
    [
        "",
        "start=",
        "start=-1",
        "start=abc",
        "start=1e3",
        "start=2001",
        "start=" + "9" * 1000,
        "start=%00",
        "start=200&start=400",
        "rest=on",
    ],
)
def test_a_page_of_lines_that_cannot_be_read_is_refused_with_the_field_named(
    clerk_client, long_invoice, query
):
    response = clerk_client.get(LONG + "lines/?" + query, **HTMX)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert response.text.startswith("Which lines to show could not be read (start: ")


def test_a_page_of_lines_is_of_that_document_and_for_who_may_write_it_off(
    client, clerk_client, long_invoice, viewer
):
    assert (
        clerk_client.get(
            "/billing/debit-memos/INV00000450/write-off/lines/?start=0", **HTMX
        ).status_code
        == 404
    )
    assert clerk_client.get(LONG + "lines/?start=0").status_code == 302  # not from the dialog
    assert clerk_client.post(LONG + "lines/?start=0", **HTMX).status_code == 405
    client.force_login(viewer)
    assert client.get(LONG + "lines/?start=0", **HTMX).status_code == 403


def test_a_changed_document_sends_anew_the_balances_of_the_lines_the_dialog_shows(
    clerk_client, clerk, long_invoice
):
    invoice, ids = long_invoice
    first = invoice.lines.get(pk=ids[0])
    write_off(invoice, clerk, [(first, "50.00")])  # saved while the dialog was open
    data = form_data([(first, "1.00")], "INV00000450", seen_balance="45000.00", lines_shown="200")
    html = clerk_client.post(LONG + "total/", data, **HTMX).text
    assert f'<div hx-swap-oob="innerHTML:#balance_{ids[0]}">50.00</div>' in html
    shown = re.findall(r'hx-swap-oob="innerHTML:#balance_([0-9]+)"', html)
    assert [int(pk) for pk in shown] == ids[:200]
    # Without it (a document of one page, or every page loaded), every balance is sent.
    del data["lines_shown"]
    html = clerk_client.post(LONG + "total/", data, **HTMX).text
    assert len(re.findall(r'hx-swap-oob="innerHTML:#balance_', html)) == 450


def test_the_dialog_counts_down_the_characters_left_for_the_comment(clerk_client, invoice):
    html = clerk_client.get(DIALOG, **HTMX).text
    assert '<div class="form-text" id="id_comment_left">255 characters left</div>' in html
    assert 'aria-describedby="id_comment_error id_comment_left"' in html


def test_the_invoice_page_reads_credit_memos_only_for_a_document_written_off(
    clerk_client, clerk, invoice
):
    document, charge, *_ = invoice
    page = "/billing/invoices/INV00000101/"

    with CaptureQueriesContext(connection) as queries:
        assert clerk_client.get(page).status_code == 200
    # The document's query asks whether it has any (a subquery); no query reads them.
    read = [query["sql"] for query in queries.captured_queries]
    assert not any(sql.startswith('SELECT "writeoffs_creditmemo".') for sql in read)
    assert any('EXISTS(SELECT 1 AS "a" FROM "writeoffs_creditmemo"' in sql for sql in read)

    memo = write_off(document, clerk, [(charge, "5.00")])

    assert memo.number in clerk_client.get(page).content.decode()
