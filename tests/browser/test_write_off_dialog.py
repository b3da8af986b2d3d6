"""A clerk writes off an invoice in the Write Off Invoice dialog, in headless Chromium."""

import re
import time
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from billing.models import AccountingCode, BillingDocument, LineItem
from tests.browser.conftest import (
    amount_input,
    open_write_off_dialog,
    save_and_see_the_memo,
    sign_in,
    total,
)
from tests.factories import (
    InvoiceFactory,
)
from writeoffs.models import CreditMemo

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "write-off-dialog.png"
AMOUNT = re.compile(r"^Write-Off Amount for ")


def test_clerk_writes_off_every_kind_of_line_and_finds_the_memo(page, invoice):
    sign_in(page, "clerk")
    page.get_by_role("button", name="Billing").click()
    page.get_by_role("link", name="Invoices").click()
    expect(page.get_by_role("heading", name="All Invoices")).to_be_visible()
    page.get_by_role("link", name="INV00000101").click()

    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Write Off Invoice").click()
    dialog = page.get_by_role("dialog", name="Write Off Invoice")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Accounting Code")).to_be_hidden()

    dialog.get_by_label("Write-Off Date").fill("2026-10-15")
    dialog.get_by_label("Reason Code").select_option(label="Charge Dispute")
    dialog.get_by_label("Comment").fill("Customer insolvent")
    dialog.get_by_role("switch", name="Revenue Impacting").uncheck()
    dialog.get_by_label("Accounting Code").select_option(label="6100 Bad Debt Expense")

    started = time.monotonic()
    amount_input(dialog, "Gold Plan").fill("40.00")
    expect(total(page)).to_have_text("40.00")
    first_update = time.monotonic() - started
    amount_input(dialog, "CA State Tax").fill("3.30")
    expect(total(page)).to_have_text("43.30")
    amount_input(dialog, "10% Loyalty Discount").fill("-4.00")
    expect(total(page)).to_have_text("39.30")
    amount_input(dialog, "CA State Tax on discount").fill("-0.33")
    expect(total(page)).to_have_text("38.97")
    expect(page.locator("#remaining-balance")).to_have_text("58.45")
    print(f"\nthe total updated {first_update * 1000:.0f} ms after typing (150 ms debounce)")
    assert first_update < 1.0
    SCREENSHOT.parent.mkdir(exist_ok=True)
    dialog.screenshot(path=SCREENSHOT, caret="initial")

    amount_input(dialog, "CA State Tax").fill("9.00")
    message = dialog.get_by_text("9.00 is more than this line's balance, 8.25.")
    expect(message).to_be_visible()
    expect(total(page)).to_have_text("—")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_text("9.00 is more than this line's balance, 8.25.")).to_be_visible()
    expect(amount_input(dialog, "CA State Tax")).to_have_attribute("aria-invalid", "true")
    assert CreditMemo.objects.count() == 0

    amount_input(dialog, "CA State Tax").fill("3.30")
    expect(total(page)).to_have_text("38.97")
    expect(message).to_be_hidden()  # the answer that cleared it names no message for the line
    expect(amount_input(dialog, "CA State Tax")).to_have_attribute("aria-invalid", "false")
    memo = save_and_see_the_memo(page, dialog, "invoice", total="38.97", balance="58.45")
    balances = page.locator("table.line-items tbody tr td:last-child")
    expect(balances).to_have_text(["60.00", "4.95", "-6.00", "-0.50"])

    page.get_by_role("button", name="Billing").click()
    page.get_by_role("link", name="Credit Memos").click()
    page.get_by_role("link", name=memo.number).click()
    expect(page.get_by_role("heading", name=f"Credit Memo {memo.number}")).to_be_visible()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(4)
    for row, (line, amount) in zip(
        rows.all(),
        [
            ("Gold Plan", "40.00"),
            ("CA State Tax", "3.30"),
            ("10% Loyalty Discount", "-4.00"),
            ("CA State Tax on discount", "-0.33"),
        ],
        strict=True,
    ):
        expect(row.locator("td").first).to_contain_text(line)
        expect(row.locator("td").nth(2)).to_have_text("6100 Bad Debt Expense")
        expect(row.locator("td").last).to_have_text(amount)
    assert memo.reason_code.name == "Charge Dispute"
    assert str(memo.memo_date) == "2026-10-15"
    assert page.problems == []


def tab_to(page, predicate: str, limit=60):
    """Press Tab until the focused element matches `predicate` (a CSS selector)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({predicate!r})"):
            return
    raise AssertionError(f"Tab never reached {predicate}")


@pytest.mark.parametrize(
    "size", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}], ids=["laptop", "phone"]
)
def test_clerk_writes_off_with_the_keyboard_only(page, invoice, size):
    page.set_viewport_size(size)
    page.goto("/accounts/login/")
    tab_to(page, "#id_username")
    page.keyboard.type("clerk")
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery staple")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="All Invoices")).to_be_visible()
    tab_to(page, "a[href='/billing/invoices/INV00000101/']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Invoice INV00000101")).to_be_visible()

    tab_to(page, "#more-actions")
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Write Off Invoice")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Write-Off Date")).to_be_focused()

    page.keyboard.type("10152026")
    tab_to(page, "#id_reason_code")
    page.keyboard.press("Home")  # the first reason in name order: Ad hoc Credit
    page.keyboard.press("Tab")
    expect(dialog.get_by_label("Comment")).to_be_focused()
    page.keyboard.type("Keyboard write-off")
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("switch", name="Revenue Impacting")).to_be_focused()
    page.keyboard.press("Space")
    expect(dialog.get_by_role("switch", name="Revenue Impacting")).not_to_be_checked()
    page.keyboard.press("Tab")
    expect(dialog.get_by_label("Accounting Code")).to_be_focused()
    page.keyboard.press("ArrowDown")  # the first bad-debt code
    tab_to(page, "[data-fill-all]")
    page.keyboard.press("Enter")  # fills every line with its balance (W13)
    expect(total(page)).to_have_text("97.42")
    expect(page.locator("#remaining-balance")).to_have_text("0.00")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")

    expect(page.get_by_role("alert")).to_contain_text("The invoice balance is now 0.00 USD.")
    memo = CreditMemo.objects.get()
    assert str(memo.memo_date) == "2026-10-15"
    assert memo.revenue_impacting is False
    assert memo.comment == "Keyboard write-off"
    assert memo.reason_code.name == "Ad hoc Credit"
    assert memo.items.first().accounting_code.code == "6100"
    assert set(LineItem.objects.values_list("balance", flat=True)) == {Decimal(0)}
    assert BillingDocument.objects.get(pk=invoice.pk).balance == 0
    assert page.problems == []


def test_dialog_keeps_tab_inside_and_escape_returns_focus_to_the_menu(page, invoice):
    sign_in(page, "clerk")
    dialog = open_write_off_dialog(page, "INV00000101")
    expect(dialog.get_by_label("Write-Off Date")).to_be_focused()
    for _ in range(40):
        page.keyboard.press("Tab")
        assert page.evaluate("!!document.activeElement.closest('#write-off-dialog')")
    amount_input(dialog, "Gold Plan").fill("5")
    expect(total(page)).to_have_text("5.00")
    asked = []
    page.once("dialog", lambda confirm: (asked.append(confirm.message), confirm.dismiss()))
    page.keyboard.press("Escape")
    expect(amount_input(dialog, "Gold Plan")).to_have_value("5")  # kept: the clerk said no
    assert asked == ["Discard the amounts you typed?"]
    page.once("dialog", lambda confirm: confirm.accept())
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="More actions")).to_be_focused()
    assert CreditMemo.objects.count() == 0
    assert page.problems == []


def test_double_click_on_save_makes_one_memo(page, invoice):
    sign_in(page, "clerk")
    dialog = open_write_off_dialog(page, "INV00000101")
    amount_input(dialog, "Gold Plan").fill("10.00")
    expect(total(page)).to_have_text("10.00")
    dialog.get_by_role("button", name="Save").dblclick()
    expect(page.get_by_role("alert")).to_contain_text("The invoice balance is now 87.42 USD.")
    assert CreditMemo.objects.count() == 1
    assert page.problems == []


def test_a_2000_line_invoice_is_written_off_in_full_from_the_dialog(page, invoice):
    """SPEC W9 allows 2,000 lines: the dialog shows the first 200, Write off all balances
    loads the rest and fills every line, every line is posted, and the memo has an item for
    each."""
    code = AccountingCode.objects.get(code="2500")
    big = InvoiceFactory(number="INV00002000", account=invoice.account)
    LineItem.objects.bulk_create(
        LineItem(
            document=big,
            position=i,
            kind=LineItem.Kind.CHARGE,
            description=f"Seat {i + 1}",
            amount=Decimal("1.25"),
            balance=Decimal("1.25"),
            accounting_code=code,
        )
        for i in range(2000)
    )
    BillingDocument.objects.filter(pk=big.pk).update(amount=2500, balance=2500)
    sign_in(page, "clerk")
    dialog = open_write_off_dialog(page, "INV00002000", timeout=20_000)
    # Found by CSS, not by name: naming 2,000 textboxes is the slow part of a role query.
    expect(dialog.locator("input.amount")).to_have_count(200)
    expect(dialog.get_by_role("button", name="Show lines 201 to 400 of 2,000")).to_be_attached()
    dialog.get_by_role("button", name="Write off all balances").click()
    expect(dialog.locator("input.amount")).to_have_count(2000, timeout=20_000)
    expect(dialog.locator("tr.more-lines")).to_have_count(0)
    expect(total(page)).to_have_text("2,500.00", timeout=20_000)
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden(timeout=20_000)
    memo = CreditMemo.objects.get(document=big)
    assert (memo.total, memo.items.count()) == (Decimal("2500.00"), 2000)
    assert set(LineItem.objects.filter(document=big).values_list("balance", flat=True)) == {0}
    assert page.problems == []
