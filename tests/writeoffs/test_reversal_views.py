"""The Reverse Write-Off dialog (SPEC D2) and what the pages show of a reversal: every path of
the save, every refusal, the permission, the dialog's key, hostile fields, and query counts."""

import datetime
import json
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.models import BillingDocument, LineItem
from tests.conftest import VIEW_DOCUMENTS, WRITE_OFF
from tests.factories import (
    AccountingCodeFactory,
    InvoiceFactory,
    LineItemFactory,
    ReasonCodeFactory,
    UserFactory,
    invoice_with_all_kinds,
    write_off,
)
from writeoffs.keys import dialog_key_issue, reversal_key_issue
from writeoffs.models import REVERSE_PERMISSION, CreditMemo, ReasonCode
from writeoffs.reversals import ReversalProposal, credit_memo_reverse

pytestmark = pytest.mark.django_db

User = get_user_model()
HTMX = {"HTTP_HX_REQUEST": "true"}
MEMO_DATE = datetime.date(2026, 10, 15)
PAGE = "/billing/credit-memos/CM00000001/"
REVERSE = PAGE + "reverse/"
INVOICE_PAGE = "/billing/invoices/INV00000101/"


@pytest.fixture
def controller(db):
    """Someone who may see, write off and reverse."""
    return UserFactory(
        username="controller", permissions=[VIEW_DOCUMENTS, WRITE_OFF, REVERSE_PERMISSION]
    )


@pytest.fixture
def invoice():
    return invoice_with_all_kinds(number="INV00000101")


@pytest.fixture
def memo(invoice, controller):
    """CM00000001: 10.00 of the Gold Plan and 1.00 of its tax, on 2026-10-15."""
    document, charge, tax, *_ = invoice
    memo = write_off(document, controller, [(charge, "10.00"), (tax, "1.00")], memo_date=MEMO_DATE)
    assert memo.number == "CM00000001"
    return memo


@pytest.fixture
def controller_client(client, controller):
    client.force_login(controller)
    return client


def reason(name="Correcting Invoice Error") -> ReasonCode:
    return ReasonCode.objects.get(name=name)


def form_data(memo, username="controller", **fields):
    data = {
        "reversal_date": "2026-10-20",
        "reason_code": str(reason().pk),
        "comment": "Written off by mistake",
        "request_key": reversal_key_issue(user=User.objects.get(username=username), memo=memo),
    }
    data.update(fields)
    return data


def oob(target: str, html: str) -> str:
    """What a response swaps into `#target`: the inner HTML of its out-of-band element."""
    pattern = rf'<div hx-swap-oob="innerHTML:#{re.escape(target)}">(.*?)</div>\s*(?=<div hx-swap|$)'
    match = re.search(pattern, html, re.S)
    assert match, f"no out-of-band swap of #{target} in {html[:2000]}"
    return match[1].strip()


def books():
    """Everything a reversal would change."""
    return (
        list(CreditMemo.objects.order_by("pk").values_list("status", "reversing_debit_memo")),
        BillingDocument.objects.count(),
        list(LineItem.objects.order_by("pk").values_list("balance", flat=True)),
        list(BillingDocument.objects.order_by("pk").values_list("balance", flat=True)),
    )


def refused(client, data, *, focus: str) -> str:
    """POST `data`; it must be refused with focus sent to `focus`, writing nothing. The
    answer's HTML."""
    before = books()
    response = client.post(REVERSE, data, **HTMX)
    assert response.status_code == 200
    assert "HX-Redirect" not in response
    assert json.loads(response["HX-Trigger-After-Settle"]) == {"writeOffRefused": {"focus": focus}}
    html = response.text
    assert "<form" not in html and "<input" not in html  # what the clerk typed stays as typed
    assert books() == before
    return html


# Who may reverse


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_users_are_sent_to_log_in(client, memo, method):
    response = getattr(client, method)(REVERSE, **HTMX)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_clerk_who_may_write_off_but_not_reverse_gets_403_and_nothing_is_written(
    client, clerk, memo, method
):
    client.force_login(clerk)
    before = books()
    data = form_data(memo, username="clerk") if method == "post" else None
    assert getattr(client, method)(REVERSE, data, **HTMX).status_code == 403
    assert books() == before


def test_a_user_who_may_only_reverse_but_not_see_gets_403(client, memo):
    client.force_login(UserFactory(username="blind", permissions=[REVERSE_PERMISSION]))
    assert client.post(REVERSE, form_data(memo, username="blind"), **HTMX).status_code == 403
    assert CreditMemo.objects.get().status == "Posted"


def test_a_user_without_the_permission_never_sees_the_action(client, clerk, memo):
    client.force_login(clerk)
    html = client.get(PAGE).text
    assert "Reverse Write-Off" not in html
    assert "More actions" not in html
    assert "/reverse/" not in html


def test_the_memo_page_offers_reverse_write_off_in_the_more_actions_menu(controller_client, memo):
    html = controller_client.get(PAGE).text
    assert 'aria-label="More actions"' in html
    assert f'hx-get="{REVERSE}" hx-target="#modal-host">Reverse Write-Off</button>' in html
    assert '<div id="modal-host"></div>' in html


def test_the_dialog_opened_outside_the_memo_page_shows_the_memo_page(controller_client, memo):
    response = controller_client.get(REVERSE)
    assert response.status_code == 302
    assert response.url == PAGE


def test_the_dialog_of_an_unknown_memo_is_404(controller_client):
    assert (
        controller_client.get("/billing/credit-memos/CM99999999/reverse/", **HTMX).status_code
        == 404
    )
    assert controller_client.post("/billing/credit-memos/CM%00/reverse/", **HTMX).status_code == 404


# The dialog


def test_the_dialog_has_its_fields_today_and_the_default_reason(controller_client, memo):
    ReasonCodeFactory(name="Retired reason", active=False)
    html = controller_client.get(REVERSE, **HTMX).text
    assert 'role="dialog" aria-modal="true"' in html
    assert 'aria-labelledby="reversal-title"' in html
    assert '<h2 class="modal-title h5" id="reversal-title">Reverse Write-Off</h2>' in html
    for name, label in (
        ("reversal_date", "Reversal Date"),
        ("reason_code", "Reason Code"),
        ("comment", "Comment"),
    ):
        assert f'<label class="form-label" for="id_{name}">{label}</label>' in html
        assert f'aria-describedby="id_{name}_error' in html
        assert f'id="id_{name}_error"' in html
    assert f'name="reversal_date" value="{timezone.localdate():%Y-%m-%d}"' in html
    default = ReasonCode.objects.default()
    assert f'<option value="{default.pk}" selected>{default.name}</option>' in html
    assert "Retired reason" not in html  # only active reasons are offered
    assert '<div class="form-text" id="id_comment_left">255 characters left</div>' in html
    assert 'aria-describedby="id_comment_error id_comment_left"' in html
    assert ">Save</button>" in html and ">Cancel</button>" in html
    assert 'name="request_key"' in html
    assert (
        "Credit memo CM00000001 wrote off 11.00 USD from invoice INV00000101 (Customer"
        in " ".join(html.split())
    )
    assert 'id="reversal-errors" class="dialog-errors" role="alert" tabindex="-1"' in html


def test_the_reversal_date_defaults_to_the_memo_date_when_that_is_later(
    controller_client, controller
):
    later = timezone.localdate() + datetime.timedelta(days=3)
    document, charge, *_ = invoice_with_all_kinds(number="INV00000101", date=later, due_date=later)
    write_off(document, controller, [(charge, "1.00")], memo_date=later)
    html = controller_client.get(REVERSE, **HTMX).text
    assert f'name="reversal_date" value="{later:%Y-%m-%d}"' in html


def test_the_dialog_of_a_memo_reversed_already_says_why_and_offers_no_form(
    controller_client, controller, memo
):
    debit_memo = credit_memo_reverse(
        memo=memo, user=controller, proposal=ReversalProposal(MEMO_DATE, reason())
    )
    html = controller_client.get(REVERSE, **HTMX).text
    assert '<h2 class="modal-title h5" id="not-possible-title">Reverse Write-Off</h2>' in html
    assert (
        f'<p class="mb-0">Credit memo CM00000001 was reversed already, by debit memo '
        f"{debit_memo.number}.</p>"
    ) in html
    assert "<form" not in html and "Save" not in html
    # And the page offers the action no more.
    assert "Reverse Write-Off" not in controller_client.get(PAGE).text


# Saving


def test_save_reverses_and_the_memo_page_shows_the_reversal(controller_client, controller, memo):
    document = memo.document
    response = controller_client.post(REVERSE, form_data(memo), **HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == PAGE
    memo.refresh_from_db()
    debit_memo = memo.reversing_debit_memo
    assert memo.status == "Reversed"
    assert debit_memo.number == "DM00000001"
    assert memo.reversal_date == datetime.date(2026, 10, 20)
    assert memo.reversal_reason_code == reason()
    assert memo.reversal_comment == "Written off by mistake"
    assert memo.reversed_by == controller
    document.refresh_from_db()
    assert document.balance == Decimal("97.42")
    assert list(LineItem.objects.filter(document=document).values_list("balance", flat=True)) == [
        Decimal("100.00"),
        Decimal("8.25"),
        Decimal("-10.00"),
        Decimal("-0.83"),
    ]

    html = controller_client.get(PAGE).text
    assert (
        "Debit memo DM00000001 reversed credit memo CM00000001: 11.00 USD is back on invoice "
        "INV00000101, whose balance is now 97.42 USD."
    ) in html
    assert '<dd class="col-sm-9 col-lg-4" id="memo-status">Reversed</dd>' in html
    assert '<a href="/billing/debit-memos/DM00000001/">Debit Memo DM00000001</a>' in html
    assert "2026-10-20" in html
    assert "Correcting Invoice Error" in html
    assert "Written off by mistake" in html
    assert f"{memo.reversed_at:%Y}" in html and "by controller" in html
    assert '<a href="/billing/invoices/INV00000101/">Invoice INV00000101</a>' in html
    assert "Reverse Write-Off" not in html


def test_a_debit_memo_written_off_and_reversed_goes_back_to_its_own_page(
    controller_client, controller
):
    from tests.factories import DebitMemoFactory

    document, charge, *_ = invoice_with_all_kinds(
        number="DM00000500", document_factory=DebitMemoFactory
    )
    memo = write_off(document, controller, [(charge, "5.00")], memo_date=MEMO_DATE)
    assert controller_client.post(REVERSE, form_data(memo), **HTMX)["HX-Redirect"] == PAGE
    html = controller_client.get(PAGE).text
    assert "5.00 USD is back on debit memo DM00000500" in html
    # The reversal's own debit memo is numbered from its own counter, past the imported one.
    assert CreditMemo.objects.get().reversing_debit_memo.number == "DM00000001"


def test_a_double_submitted_reversal_makes_one_debit_memo(controller_client, memo):
    data = form_data(memo)
    first = controller_client.post(REVERSE, data, **HTMX)
    second = controller_client.post(REVERSE, data, **HTMX)
    assert first["HX-Redirect"] == second["HX-Redirect"] == PAGE
    assert BillingDocument.objects.filter(type="debit_memo").count() == 1
    memo.document.refresh_from_db()
    assert memo.document.balance == Decimal("97.42")  # restored once, not twice


def test_the_same_key_with_other_values_is_refused(controller_client, memo):
    data = form_data(memo)
    assert controller_client.post(REVERSE, data, **HTMX)["HX-Redirect"]
    html = refused(
        controller_client, {**data, "comment": "Something else"}, focus="reversal-errors"
    )
    assert "This request already reversed credit memo CM00000001, with other values." in oob(
        "reversal-errors", html
    )


# Refusals, each next to its field


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"reversal_date": "2026-10-14"},
            "reversal_date",
            "The reversal date cannot be before the memo date, 2026-10-15.",
        ),
        (
            {"reversal_date": "2099-01-01"},
            "reversal_date",
            "The reversal date cannot be in the future.",
        ),
        ({"reversal_date": ""}, "reversal_date", "Enter the reversal date."),
        ({"reversal_date": "20261020"}, "reversal_date", "Write the date as YYYY-MM-DD"),
        ({"reversal_date": "2026-02-30"}, "reversal_date", "2026-02-30 is not a date."),
        ({"reversal_date": "2026-10-20\x00"}, "reversal_date", "Write the date as YYYY-MM-DD"),
        ({"reason_code": ""}, "reason_code", "Choose a reason code."),
        ({"reason_code": "99999999999999999999999"}, "reason_code", "Select a valid choice."),
        ({"reason_code": "abc"}, "reason_code", "Select a valid choice."),
        ({"reason_code": "1\x00"}, "reason_code", "Null characters are not allowed."),
        ({"comment": "x" * 256}, "comment", "Keep the comment to 255 characters; it has 256."),
        (
            {"comment": "x" * 1_000_000},
            "comment",
            "Keep the comment to 255 characters; it has 1000000.",
        ),
        ({"comment": "a\x00b"}, "comment", "Null characters are not allowed."),
    ],
    ids=[
        "before the memo",
        "in the future",
        "no date",
        "not ISO",
        "no such date",
        "NUL in the date",
        "no reason",
        "huge reason pk",
        "text reason",
        "NUL in the reason",
        "long comment",
        "huge comment",
        "NUL in the comment",
    ],
)
def test_a_refused_field_is_said_next_to_it_and_takes_focus(
    controller_client, memo, fields, field, message
):
    html = refused(controller_client, form_data(memo, **fields), focus=f"id_{field}")
    assert oob(f"id_{field}_error", html).startswith(message.replace("'", "&#x27;"))
    assert oob("reversal-errors", html) == ""
    for other in {"reversal_date", "reason_code", "comment"} - {field}:
        assert oob(f"id_{other}_error", html) == ""  # cleared where it was said before


def test_an_inactive_reason_is_refused(controller_client, memo):
    retired = ReasonCodeFactory(name="Retired reason", active=False)
    html = refused(
        controller_client, form_data(memo, reason_code=str(retired.pk)), focus="id_reason_code"
    )
    message = "The reason code \u2068Retired reason\u2069 is not active."
    assert oob("id_reason_code_error", html) == message


def test_every_problem_is_said_at_once_and_focus_goes_to_the_first(controller_client, memo):
    html = refused(
        controller_client,
        form_data(memo, reversal_date="2026-10-01", reason_code="", comment="x" * 300),
        focus="id_reversal_date",
    )
    assert oob("id_reversal_date_error", html).startswith("The reversal date cannot be before")
    assert oob("id_reason_code_error", html) == "Choose a reason code."
    assert oob("id_comment_error", html) == "Keep the comment to 255 characters; it has 300."


def test_a_field_sent_twice_is_refused(controller_client, memo):
    data = form_data(memo)
    data["comment"] = ["one", "two"]
    html = refused(controller_client, data, focus="id_comment")
    assert oob("id_comment_error", html) == "This was sent more than once."


def test_a_memo_reversed_by_someone_else_meanwhile_is_said_at_the_top(
    controller_client, controller, memo
):
    data = form_data(memo)  # the dialog is open...
    other = UserFactory(username="other", permissions=[REVERSE_PERMISSION])
    debit_memo = credit_memo_reverse(  # ...when someone else reverses the memo
        memo=memo, user=other, proposal=ReversalProposal(MEMO_DATE, reason())
    )
    html = refused(controller_client, data, focus="reversal-errors")
    assert oob("reversal-errors", html) == (
        '<div class="alert alert-danger mb-3"><p class="mb-0">Credit memo CM00000001 was '
        f"reversed already, by debit memo {debit_memo.number}. Close this dialog and reload the "
        "page to see the reversal.</p></div>"
    )
    assert BillingDocument.objects.filter(type="debit_memo").count() == 1


# The dialog's key


def test_a_save_without_a_key_is_refused(controller_client, memo):
    html = refused(controller_client, form_data(memo, request_key=""), focus="reversal-errors")
    assert "This form is out of date or was not issued to you" in oob("reversal-errors", html)


@pytest.mark.parametrize(
    "tamper", [lambda key: key[:-2] + "xx", lambda key: "k" * 201, lambda key: key + "\x00"]
)
def test_a_tampered_key_is_refused(controller_client, memo, tamper):
    data = form_data(memo)
    html = refused(
        controller_client,
        {**data, "request_key": tamper(data["request_key"])},
        focus="reversal-errors",
    )
    assert oob("reversal-errors", html)


def test_another_users_key_is_refused(controller_client, memo):
    UserFactory(username="other", permissions=[VIEW_DOCUMENTS, REVERSE_PERMISSION])
    html = refused(controller_client, form_data(memo, username="other"), focus="reversal-errors")
    assert "This form was issued for another user or credit memo" in oob("reversal-errors", html)


def test_a_key_issued_for_another_memo_is_refused(controller_client, controller, memo, invoice):
    other = write_off(invoice[0], controller, [(invoice[1], "1.00")], memo_date=MEMO_DATE)
    html = refused(controller_client, form_data(other), focus="reversal-errors")
    assert "This form was issued for another user or credit memo" in oob("reversal-errors", html)


def test_a_write_off_dialogs_key_is_never_read_as_a_reversals(controller_client, controller, memo):
    # Signed for the same user and the same id (a document's id that equals the memo's): only
    # what the key was issued for tells them apart, and it does.
    key = dialog_key_issue(user=controller, document=SimpleNamespace(pk=memo.pk))
    html = refused(controller_client, form_data(memo, request_key=key), focus="reversal-errors")
    assert "This form is out of date or was not issued to you" in oob("reversal-errors", html)


def test_a_reversals_key_is_never_read_as_a_write_off_dialogs(controller_client, controller, memo):
    document, charge, *_ = memo.document, *memo.document.lines.order_by("position")
    key = reversal_key_issue(user=controller, memo=SimpleNamespace(pk=document.pk))
    data = {
        "memo_date": "2026-10-15",
        "reason_code": str(ReasonCode.objects.default().pk),
        "revenue_impacting": "on",
        f"amount_{charge.pk}": "1.00",
        "request_key": key,
    }
    response = controller_client.post(f"{INVOICE_PAGE}write-off/", data, **HTMX)
    assert "HX-Redirect" not in response
    assert "This form is out of date or was not issued to you" in response.text
    assert CreditMemo.objects.count() == 1


def test_a_body_of_ten_megabytes_is_a_400_and_writes_nothing(controller_client, memo):
    before = books()
    response = controller_client.post(REVERSE, form_data(memo, comment="x" * 10_000_000), **HTMX)
    assert response.status_code == 400
    assert "Traceback" not in response.text
    assert books() == before


# What the pages show of a reversal


def test_the_document_page_shows_the_history_and_the_restored_balances(
    controller_client, controller, memo, invoice
):
    document, charge, *_ = invoice
    assert controller_client.post(REVERSE, form_data(memo), **HTMX)["HX-Redirect"]
    standing = write_off(document, controller, [(charge, "2.50")], memo_date=MEMO_DATE)
    html = controller_client.get(INVOICE_PAGE).text
    assert ">Write-Offs and Reversals</h2>" in html
    history = html.split('class="table table-sm fold-sm write-off-history"')[1].split("</table>")[0]
    rows = [
        " ".join(re.sub(r"<[^>]+>", " ", row).split())
        for row in re.findall(r"<tr>(.*?)</tr>", history.split("<tbody>")[1], re.S)
    ]
    assert rows == [
        f"{standing.number} 2026-10-15 Write-off Yes 2.50 Posted",
        "CM00000001 2026-10-15 Write-off Yes 11.00 Reversed by debit memo DM00000001 "
        "2026-10-20 · Correcting Invoice Error",
    ]
    assert '<a href="/billing/credit-memos/CM00000001/">CM00000001</a>' in history
    assert '<a href="/billing/debit-memos/DM00000001/">DM00000001</a>' in history
    assert '<dd class="col-sm-9 col-lg-4" id="document-balance">94.92 USD</dd>' in html
    balances = re.findall(r'<td class="amount" data-label="Balance">([^<]*)</td>', html)
    assert balances == ["97.50", "8.25", "-10.00", "-0.83"]


def test_the_reversing_debit_memo_says_which_credit_memo_it_reverses(controller_client, memo):
    assert controller_client.post(REVERSE, form_data(memo), **HTMX)["HX-Redirect"]
    html = controller_client.get("/billing/debit-memos/DM00000001/").text
    notice = " ".join(
        re.search(r'<p class="alert alert-info" id="reverses-memo">(.*?)</p>', html, re.S)[
            1
        ].split()
    )
    assert notice == (
        'This debit memo reverses the write-off of credit memo <a href="/billing/credit-memos/'
        'CM00000001/" class="alert-link">CM00000001</a> on invoice <a href="/billing/invoices/'
        'INV00000101/" class="alert-link">INV00000101</a>. That credit memo is applied to it, so '
        "it is settled."
    )
    assert "Nothing is left to write off: the balance is zero." in html
    # An ordinary debit memo says nothing of the kind.
    assert 'id="reverses-memo"' not in controller_client.get(INVOICE_PAGE).text


def test_the_credit_memo_list_shows_which_memos_are_reversed(controller_client, controller, memo):
    assert controller_client.post(REVERSE, form_data(memo), **HTMX)["HX-Redirect"]
    write_off(memo.document, controller, [(memo.document.lines.first(), "1.00")])
    html = controller_client.get("/billing/credit-memos/").text
    statuses = [
        " ".join(re.sub(r"<[^>]+>", " ", cell).split())
        for cell in re.findall(r'<td data-label="Status">(.*?)</td>', html, re.S)
    ]
    assert statuses == ["Posted", "Reversed by DM00000001"]
    assert '<a href="/billing/debit-memos/DM00000001/">DM00000001</a>' in html


def test_a_reversed_write_off_may_be_written_off_again_in_the_dialog(
    controller_client, controller, memo, invoice
):
    assert controller_client.post(REVERSE, form_data(memo), **HTMX)["HX-Redirect"]
    document, *lines = invoice
    data = {
        "memo_date": "2026-10-20",
        "reason_code": str(ReasonCode.objects.default().pk),
        "revenue_impacting": "on",
        "request_key": dialog_key_issue(user=controller, document=document),
        **{f"amount_{line.pk}": str(line.balance) for line in lines},
    }
    response = controller_client.post(f"{INVOICE_PAGE}write-off/", data, **HTMX)
    assert response["HX-Redirect"] == INVOICE_PAGE
    document.refresh_from_db()
    assert document.balance == 0
    assert CreditMemo.objects.get(number="CM00000002").total == Decimal("97.42")


# Query counts (SPEC Q6): the same however many lines, items or memos


def queries(client, method, url, data=None, **extra) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, data, **extra)
    assert response.status_code == 200, response.text[:2000]
    return len(captured)


def memo_of(controller, number: str, lines: int) -> CreditMemo:
    """A credit memo writing off a cent of each of `lines` charges of a new invoice."""
    document = InvoiceFactory(number=number)
    code = AccountingCodeFactory(code="2500")
    LineItemFactory.create_batch(lines, document=document, accounting_code=code)
    document.amount = document.balance = Decimal("100.00") * lines
    document.save()
    return write_off(
        document,
        controller,
        [(line, "0.01") for line in document.lines.all()],
        memo_date=MEMO_DATE,
    )


@pytest.mark.parametrize("endpoint", ["dialog", "save", "memo page", "reversed memo page"])
def test_reversal_query_counts_are_the_same_for_1_and_100_items(
    controller_client, controller, endpoint
):
    counts = []
    for number, lines in (("INV00000001", 1), ("INV00000002", 100)):
        memo = memo_of(controller, number, lines)
        url = f"/billing/credit-memos/{memo.number}/"
        if endpoint == "dialog":
            counts.append(queries(controller_client, "get", url + "reverse/", **HTMX))
        elif endpoint == "save":
            data = form_data(memo)
            counts.append(queries(controller_client, "post", url + "reverse/", data, **HTMX))
            memo.refresh_from_db()
            assert memo.reversing_debit_memo.lines.count() == lines
        else:
            if endpoint == "reversed memo page":
                credit_memo_reverse(
                    memo=memo, user=controller, proposal=ReversalProposal(MEMO_DATE, reason())
                )
            counts.append(queries(controller_client, "get", url))
    assert counts[0] == counts[1]


def test_the_document_page_takes_the_same_queries_for_1_and_12_memos_some_reversed(
    controller_client, controller, memo, invoice
):
    """The memos' reason codes and reversals are read a query each, however many memos there
    are (a page with no memo reads none of them)."""
    document, charge, *_ = invoice
    credit_memo_reverse(memo=memo, user=controller, proposal=ReversalProposal(MEMO_DATE, reason()))
    one = queries(controller_client, "get", INVOICE_PAGE)
    for index in range(11):
        more = write_off(document, controller, [(charge, "0.50")], memo_date=MEMO_DATE)
        if index % 2:
            credit_memo_reverse(
                memo=more, user=controller, proposal=ReversalProposal(MEMO_DATE, reason())
            )
    assert queries(controller_client, "get", INVOICE_PAGE) == one
    debit_memo = CreditMemo.objects.filter(status="Reversed").first().reversing_debit_memo
    plain = queries(controller_client, "get", f"/billing/debit-memos/{debit_memo.number}/")
    # session, user with permissions, the document (which says it has no credit memo of its
    # own), its lines, and the credit memo it reverses
    assert plain == 5


def test_the_credit_memo_list_takes_the_same_queries_with_reversals(
    controller_client, controller, memo, invoice, django_assert_num_queries
):
    document, charge, *_ = invoice
    for index in range(6):
        more = write_off(document, controller, [(charge, "0.50")], memo_date=MEMO_DATE)
        if index % 2:
            credit_memo_reverse(
                memo=more, user=controller, proposal=ReversalProposal(MEMO_DATE, reason())
            )
    # session, user with their permissions, the reason codes offered, the bounded count, the
    # page
    with django_assert_num_queries(5):
        controller_client.get("/billing/credit-memos/")


def test_the_memo_page_and_the_dialog_take_a_known_number_of_queries(
    controller_client, controller, memo, django_assert_num_queries
):
    # session, user with their permissions, the memo with its document, reason, creator and
    # reversal (one query), its items
    with django_assert_num_queries(4):
        controller_client.get(PAGE)
    # session, user with permissions, the memo, the default reason, the reasons offered (read
    # once, though the select looks at them twice: for its first option, then for all)
    with django_assert_num_queries(5):
        controller_client.get(REVERSE, **HTMX)
    credit_memo_reverse(memo=memo, user=controller, proposal=ReversalProposal(MEMO_DATE, reason()))
    with django_assert_num_queries(4):
        controller_client.get(PAGE)
    # A reversed memo's dialog reads nothing more than the memo to say why it cannot open.
    with django_assert_num_queries(3):
        controller_client.get(REVERSE, **HTMX)
