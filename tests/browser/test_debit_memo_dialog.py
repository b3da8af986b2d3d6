"""A clerk writes off a debit memo in the Write Off Debit Memo dialog, in headless Chromium,
finding everything by role and label as for an invoice (SPEC D1, C6)."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import amount_input, save_and_see_the_memo, sign_in, total
from tests.factories import AccountFactory, DebitMemoFactory, invoice_with_all_kinds

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def debit_memo(invoice):
    """DM00000101 beside the invoice: the same four lines, balance 97.42."""
    account = AccountFactory(number="A00000002", name="Globex Corporation")
    return invoice_with_all_kinds(
        number="DM00000101", account=account, document_factory=DebitMemoFactory
    )[0]


def test_clerk_writes_off_a_debit_memo_line_by_line(page, debit_memo):
    sign_in(page, "clerk")
    page.get_by_role("button", name="Billing").click()
    page.get_by_role("link", name="Debit Memos").click()
    expect(page.get_by_role("heading", name="All Debit Memos")).to_be_visible()
    expect(page.get_by_role("link", name="INV00000101")).to_have_count(0)
    page.get_by_role("link", name="DM00000101").click()
    expect(page.get_by_role("heading", name="Debit Memo DM00000101")).to_be_visible()

    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Write Off Debit Memo").click()
    dialog = page.get_by_role("dialog", name="Write Off Debit Memo")
    expect(dialog.get_by_label("Write-Off Date")).to_be_focused()
    dialog.get_by_label("Write-Off Date").fill("2026-10-15")
    dialog.get_by_label("Reason Code").select_option(label="Charge Dispute")
    dialog.get_by_label("Comment").fill("Fee waived")
    amount_input(dialog, "Gold Plan").fill("20.00")
    amount_input(dialog, "CA State Tax").fill("1.65")
    expect(total(page)).to_have_text("21.65")
    expect(page.locator("#remaining-balance")).to_have_text("75.77")
    memo = save_and_see_the_memo(page, dialog, "debit memo", total="21.65", balance="75.77")
    page.get_by_role("link", name=memo.number).click()
    expect(page.get_by_role("link", name="Debit Memo DM00000101")).to_be_visible()
    assert memo.document == debit_memo
    assert memo.comment == "Fee waived"
    assert page.problems == []
