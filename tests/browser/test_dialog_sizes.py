"""The dialog on a long invoice, at a laptop's size and a phone's (SPEC C6, issue of sizes)."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from billing.models import AccountingCode, BillingDocument, LineItem
from tests.browser.conftest import amount_input, open_write_off_dialog, sign_in, total
from tests.conftest import VIEW_DOCUMENTS, WRITE_OFF
from tests.factories import (
    AccountFactory,
    AccountingCodeFactory,
    InvoiceFactory,
    UserFactory,
    write_off,
)

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()

DOCS = Path(__file__).resolve().parents[2] / "docs"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
LINES = 600


@pytest.fixture
def long_invoice():
    """INV00000600: 600 lines, each charge followed by its tax."""
    UserFactory(username="clerk", permissions=[VIEW_DOCUMENTS, WRITE_OFF])
    deferred = AccountingCodeFactory(code="2500", type=AccountingCode.Type.DEFERRED_REVENUE)
    tax_code = AccountingCodeFactory(code="2200", type=AccountingCode.Type.SALES_TAX_PAYABLE)
    invoice = InvoiceFactory(
        number="INV00000600", account=AccountFactory(number="A00000001", name="Acme Corp")
    )
    for n in range(LINES // 2):
        charge = LineItem.objects.create(
            document=invoice,
            position=2 * n,
            kind=LineItem.Kind.CHARGE,
            description=f"Seat {n + 1} of the Gold Plan for the Finance Department",
            amount=Decimal("20.00"),
            balance=Decimal("20.00"),
            accounting_code=deferred,
        )
        LineItem.objects.create(
            document=invoice,
            position=2 * n + 1,
            kind=LineItem.Kind.TAX,
            parent=charge,
            description=f"Seat {n + 1} sales tax",
            amount=Decimal("1.65"),
            balance=Decimal("1.65"),
            accounting_code=tax_code,
        )
    total_amount = Decimal("21.65") * (LINES // 2)
    BillingDocument.objects.filter(pk=invoice.pk).update(amount=total_amount, balance=total_amount)
    return invoice


@pytest.mark.parametrize("size", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_save_and_the_total_stay_in_view_with_the_last_line_focused(page, long_invoice, size):
    page.set_viewport_size(size)
    sign_in(page, "clerk")
    # Six hundred lines take longer to arrive on a busy machine: a bound, not a timing.
    dialog = open_write_off_dialog(page, "INV00000600", timeout=15_000)
    # The lines come 200 at a time, each page as the clerk scrolls to the end of the last.
    inputs = dialog.locator("input.amount")
    expect(inputs).to_have_count(200)
    for shown in (400, 600):
        dialog.locator(".modal-body").evaluate("body => body.scrollTo(0, body.scrollHeight)")
        expect(inputs).to_have_count(shown)
    expect(dialog.locator("tr.more-lines")).to_have_count(0)
    expect(dialog.get_by_role("button", name="Show all lines")).to_be_hidden()
    last = inputs.last
    last.focus()
    last.fill("1.65")
    expect(total(page)).to_have_text("1.65")
    expect(last).to_be_in_viewport()
    expect(dialog.get_by_role("rowheader", name="Seat 300 sales tax")).to_be_in_viewport(ratio=1)
    for locator in (dialog.get_by_role("button", name="Save"), total(page)):
        expect(locator).to_be_in_viewport(ratio=1)
    name = "laptop" if size is LAPTOP else "phone"
    page.screenshot(path=DOCS / f"write-off-dialog-{name}.png")
    assert page.problems == []


def test_tab_from_the_last_line_shown_goes_on_to_the_next_line(page, long_invoice):
    """From the keyboard: Tab from the last line shown reaches the next line, whether its page
    was loaded as the row that shows more came into view or as that row's button had focus."""
    sign_in(page, "clerk")
    dialog = open_write_off_dialog(page, "INV00000600", timeout=15_000)
    amount_input(dialog, "Seat 100 sales tax").focus()
    page.keyboard.press("Tab")
    expect(
        dialog.get_by_role("button", name="Write off the balance of Seat 100 sales tax")
    ).to_be_focused()
    page.keyboard.press("Tab")
    following = amount_input(dialog, "Seat 101 of the Gold Plan for the Finance Department")
    expect(following).to_be_focused()
    expect(dialog.get_by_role("button", name="Show lines 401 to 600 of 600")).to_be_attached()
    page.keyboard.type("20")
    expect(total(page)).to_have_text("20.00")
    assert page.problems == []


def test_no_page_scrolls_sideways_on_a_phone(page, invoice):
    """A phone shows every page's own width: wide tables scroll inside their box, or fold."""
    write_off(invoice, User.objects.get(username="clerk"), [(invoice.lines.first(), "1.00")])
    page.set_viewport_size(PHONE)
    sign_in(page, "clerk")
    for path in ("/billing/invoices/", "/billing/invoices/INV00000101/", "/billing/credit-memos/"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)
    page.goto("/billing/invoices/")
    row = page.get_by_role("row").filter(has_text="INV00000101")
    for text in ("INV00000101", "97.42", "96.42"):
        expect(row.get_by_text(text, exact=True)).to_be_in_viewport()
    assert page.problems == []


def test_focus_on_the_button_that_shows_more_lines_goes_on_to_the_first_of_them(page, long_invoice):
    """The button's row is replaced by the lines it shows: focus is not lost with it."""
    sign_in(page, "clerk")
    dialog = open_write_off_dialog(page, "INV00000600", timeout=15_000)
    dialog.get_by_role("button", name="Show lines 201 to 400 of 600").focus()  # comes into view
    following = amount_input(dialog, "Seat 101 of the Gold Plan for the Finance Department")
    expect(following).to_be_focused()
    assert page.problems == []


def test_write_off_all_balances_fills_nothing_when_the_lines_left_cannot_be_loaded(
    page, long_invoice
):
    """All or nothing: without every line, no line is filled, and the dialog says why."""
    uncaught = []
    page.on("pageerror", lambda error: uncaught.append(error))
    sign_in(page, "clerk")
    dialog = open_write_off_dialog(page, "INV00000600", timeout=15_000)
    page.route("**/write-off/lines/?*rest=on*", lambda route: route.abort())
    dialog.get_by_role("button", name="Write off all balances").click()
    expect(dialog.get_by_role("alert")).to_contain_text("The server could not answer")
    expect(dialog.locator("input.amount")).to_have_count(200)
    assert (
        dialog.locator("input.amount").evaluate_all(
            "inputs => inputs.filter(input => input.value).length"
        )
        == 0
    )
    expect(total(page)).to_have_text("0.00")
    assert uncaught == []


def test_show_all_lines_shows_every_line_left_at_once(page, long_invoice):
    """For the browser's own search, say. From the keyboard, focus moves on to Write off all
    balances as the button hides itself."""
    sign_in(page, "clerk")
    dialog = open_write_off_dialog(page, "INV00000600", timeout=15_000)
    dialog.get_by_role("button", name="Show all lines").focus()
    page.keyboard.press("Enter")
    expect(dialog.locator("input.amount")).to_have_count(600)
    expect(dialog.locator("tr.more-lines")).to_have_count(0)
    expect(dialog.get_by_role("button", name="Show all lines")).to_be_hidden()
    expect(dialog.get_by_role("button", name="Write off all balances")).to_be_focused()
    assert page.problems == []
