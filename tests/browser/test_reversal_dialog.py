"""A controller writes off an invoice, reverses the write-off in the Reverse Write-Off dialog
with the keyboard alone, and writes the invoice off again, in headless Chromium (SPEC D2, Q2)."""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import BillingDocument
from tests.browser.conftest import (
    PASSWORD,
    amount_input,
    open_write_off_dialog,
    save_and_see_the_memo,
    sign_in,
    total,
)
from tests.browser.test_write_off_dialog import tab_to
from tests.conftest import VIEW_DOCUMENTS, WRITE_OFF
from tests.factories import UserFactory, write_off
from writeoffs.models import REVERSE_PERMISSION, CreditMemo, ReasonCode
from writeoffs.reversals import ReversalProposal, credit_memo_reverse

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "reverse-write-off-dialog.png"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def controller(invoice):
    """Someone who may see, write off and reverse (the invoice fixture makes INV00000101)."""
    return UserFactory(
        username="controller", permissions=[VIEW_DOCUMENTS, WRITE_OFF, REVERSE_PERMISSION]
    )


@pytest.fixture
def memo(controller, invoice):
    """CM00000001: 10.00 of the invoice's Gold Plan, written off today."""
    charge = invoice.lines.get(description="Gold Plan")
    return write_off(invoice, controller, [(charge, "10.00")], memo_date=timezone.localdate())


def open_reversal_dialog(page, number):
    page.goto(f"/billing/credit-memos/{number}/")
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Reverse Write-Off").click()
    dialog = page.get_by_role("dialog", name="Reverse Write-Off")
    expect(dialog.get_by_label("Reversal Date")).to_be_focused()
    return dialog


@pytest.mark.parametrize("size", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_write_off_reverse_with_the_keyboard_and_write_off_again(page, controller, invoice, size):
    page.set_viewport_size(size)
    sign_in(page, "controller")
    dialog = open_write_off_dialog(page, "INV00000101")
    amount_input(dialog, "Gold Plan").fill("40.00")
    amount_input(dialog, "CA State Tax").fill("3.30")
    expect(total(page)).to_have_text("43.30")
    memo = save_and_see_the_memo(page, dialog, "invoice", total="43.30", balance="54.12")

    page.get_by_role("link", name=memo.number).click()
    expect(page.get_by_role("heading", name=f"Credit Memo {memo.number}")).to_be_visible()
    tab_to(page, "#more-actions")
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("button", name="Reverse Write-Off")).to_be_focused()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Reverse Write-Off")
    expect(dialog).to_be_visible()
    reversal_date = dialog.get_by_label("Reversal Date")
    expect(reversal_date).to_be_focused()
    expect(reversal_date).to_have_value(f"{timezone.localdate():%Y-%m-%d}")
    expect(dialog.get_by_label("Reason Code")).to_have_value(str(ReasonCode.objects.default().pk))
    tab_to(page, "#id_reason_code")  # past the date's day, month and year
    page.keyboard.type("Correcting")  # a select takes the option its first letters name
    expect(dialog.get_by_label("Reason Code")).to_have_value(
        str(ReasonCode.objects.get(name="Correcting Invoice Error").pk)
    )
    page.keyboard.press("Tab")
    expect(dialog.get_by_label("Comment")).to_be_focused()
    page.keyboard.type("Billed the wrong customer")
    expect(dialog.locator("#id_comment_left")).to_have_text("230 characters left")
    if size is LAPTOP:
        SCREENSHOT.parent.mkdir(exist_ok=True)
        dialog.locator(".modal-content").screenshot(path=SCREENSHOT, caret="initial")
    tab_to(page, "#reversal-form button[type=submit]")
    page.keyboard.press("Enter")

    expect(page.get_by_role("alert")).to_contain_text(
        f"Debit memo DM00000001 reversed credit memo {memo.number}: 43.30 USD is back on "
        "invoice INV00000101, whose balance is now 97.42 USD."
    )
    expect(page.locator("#memo-status")).to_have_text("Reversed")
    reversal = page.get_by_role("region", name="Reversal")
    expect(reversal).to_contain_text("Correcting Invoice Error")
    expect(reversal).to_contain_text("Billed the wrong customer")
    expect(reversal).to_contain_text("by controller")
    expect(page.get_by_role("button", name="More actions")).to_have_count(0)

    page.get_by_role("link", name="Debit Memo DM00000001").click()
    expect(page.get_by_role("heading", name="Debit Memo DM00000001")).to_be_visible()
    notice = page.locator("#reverses-memo")
    expect(notice).to_contain_text(f"reverses the write-off of credit memo {memo.number}")
    expect(notice.get_by_role("link", name=memo.number)).to_be_visible()
    notice.get_by_role("link", name="INV00000101").click()

    expect(page.get_by_role("heading", name="Invoice INV00000101")).to_be_visible()
    expect(page.locator("#document-balance")).to_have_text("97.42 USD")
    balances = page.locator("table.line-items tbody tr td:last-child")
    expect(balances).to_have_text(["100.00", "8.25", "-10.00", "-0.83"])
    history = page.get_by_role("region", name="Write-Offs and Reversals")
    row = history.get_by_role("row").filter(has=page.get_by_role("link", name=memo.number))
    expect(row).to_contain_text("Reversed")
    expect(row.get_by_role("link", name="DM00000001")).to_be_visible()

    dialog = open_write_off_dialog(page, "INV00000101")
    dialog.get_by_role("button", name="Write off all balances").click()
    expect(total(page)).to_have_text("97.42")
    again = save_and_see_the_memo(page, dialog, "invoice", total="97.42", balance="0.00")
    assert again.number == "CM00000002"
    assert BillingDocument.objects.get(pk=invoice.pk).balance == 0
    assert page.problems == []


def test_a_refused_reversal_says_why_next_to_the_field_and_takes_focus_there(page, memo):
    sign_in(page, "controller")
    dialog = open_reversal_dialog(page, memo.number)
    dialog.get_by_label("Reversal Date").fill("2099-01-01")
    dialog.get_by_label("Comment").fill("x" * 260)
    expect(dialog.locator("#id_comment_left")).to_have_text("5 characters too many")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_label("Reversal Date")).to_be_focused()
    expect(dialog.get_by_text("The reversal date cannot be in the future.")).to_be_visible()
    expect(dialog.get_by_label("Reversal Date")).to_have_attribute("aria-invalid", "true")
    expect(dialog.get_by_text("Keep the comment to 255 characters; it has 260.")).to_be_visible()
    expect(dialog.get_by_label("Comment")).to_have_value("x" * 260)  # kept as typed
    assert CreditMemo.objects.get().status == "Posted"

    dialog.get_by_label("Reversal Date").fill(f"{timezone.localdate():%Y-%m-%d}")
    dialog.get_by_label("Comment").fill("Duplicate write-off")
    dialog.get_by_role("button", name="Save").click()
    expect(page.locator("#memo-status")).to_have_text("Reversed")
    assert page.problems == []


def test_a_memo_reversed_meanwhile_is_said_at_the_top(page, controller, memo):
    sign_in(page, "controller")
    dialog = open_reversal_dialog(page, memo.number)
    reason = ReasonCode.objects.default()
    credit_memo_reverse(
        memo=memo, user=controller, proposal=ReversalProposal(timezone.localdate(), reason)
    )
    dialog.get_by_role("button", name="Save").click()
    errors = dialog.locator("#reversal-errors")
    expect(errors).to_be_focused()
    expect(errors).to_contain_text(
        f"Credit memo {memo.number} was reversed already, by debit memo DM00000001."
    )
    assert BillingDocument.objects.filter(type="debit_memo").count() == 1


def test_escape_asks_before_discarding_and_gives_focus_back_to_the_menu(page, memo):
    sign_in(page, "controller")
    dialog = open_reversal_dialog(page, memo.number)
    page.keyboard.press("Escape")  # nothing entered: closes at once
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="More actions")).to_be_focused()

    dialog = open_reversal_dialog(page, memo.number)
    for _ in range(12):
        page.keyboard.press("Tab")
        assert page.evaluate("!!document.activeElement.closest('#reversal-dialog')")
    dialog.get_by_label("Comment").fill("Half written")
    asked = []
    page.once("dialog", lambda confirm: (asked.append(confirm.message), confirm.dismiss()))
    page.keyboard.press("Escape")
    expect(dialog.get_by_label("Comment")).to_have_value("Half written")
    assert asked == ["Discard this reversal?"]
    page.once("dialog", lambda confirm: confirm.accept())
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="More actions")).to_be_focused()
    assert CreditMemo.objects.get().status == "Posted"
    assert page.problems == []


def test_save_after_the_session_ended_says_so_and_keeps_what_was_entered(page, memo):
    sign_in(page, "controller")
    dialog = open_reversal_dialog(page, memo.number)
    dialog.get_by_label("Comment").fill("After lunch")
    Session.objects.all().delete()
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_text("Your session has ended, so nothing was saved.")).to_be_visible()
    expect(dialog.get_by_text("what you entered is kept here")).to_be_visible()
    expect(dialog.locator("#reversal-errors")).to_be_focused()
    assert CreditMemo.objects.get().status == "Posted"

    with page.context.expect_page() as opened:
        dialog.get_by_role("link", name="Sign in in a new tab").click()
    login = opened.value
    login.get_by_label("Username").fill("controller")
    login.get_by_label("Password").fill(PASSWORD)
    login.get_by_role("button", name="Sign in").click()
    expect(login.get_by_role("heading", name="All Invoices")).to_be_visible()
    login.close()
    expect(dialog.get_by_label("Comment")).to_have_value("After lunch")
    dialog.get_by_role("button", name="Save").click()
    expect(page.locator("#memo-status")).to_have_text("Reversed")
    assert CreditMemo.objects.get().reversal_comment == "After lunch"


def test_a_double_click_on_save_makes_one_reversal(page, memo):
    sign_in(page, "controller")
    dialog = open_reversal_dialog(page, memo.number)
    dialog.get_by_role("button", name="Save").dblclick()
    expect(page.locator("#memo-status")).to_have_text("Reversed")
    assert BillingDocument.objects.filter(type="debit_memo").count() == 1
