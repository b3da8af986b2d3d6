"""The dialog when things go wrong: a refused save, an ended session, another clerk first."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, amount_input, open_write_off_dialog, sign_in, total
from tests.factories import write_off
from writeoffs.models import CreditMemo

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()


def focused_id(page) -> str:
    return page.evaluate("document.activeElement.id")


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (lambda dialog: dialog.get_by_label("Write-Off Date").fill("2099-01-01"), "id_memo_date"),
        (
            lambda dialog: dialog.get_by_role("switch", name="Revenue Impacting").uncheck(),
            "id_accounting_code",
        ),
    ],
    ids=["future date", "no accounting code"],
)
def test_a_refused_save_takes_focus_to_the_first_problem(page, invoice, setup, expected):
    sign_in(page, "clerk")
    dialog = open_write_off_dialog(page, "INV00000101")
    amount_input(dialog, "Gold Plan").fill("10.00")
    expect(total(page)).to_have_text("10.00")
    setup(dialog)
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.locator(f"#{expected}")).to_be_focused()
    assert CreditMemo.objects.count() == 0


def test_a_line_refused_on_enter_takes_focus_to_that_line(page, invoice):
    sign_in(page, "clerk")
    dialog = open_write_off_dialog(page, "INV00000101")
    amount_input(dialog, "Gold Plan").fill("1.00")
    amount_input(dialog, "CA State Tax").fill("9.99")
    amount_input(dialog, "CA State Tax").press("Enter")
    expect(amount_input(dialog, "CA State Tax")).to_be_focused()
    expect(amount_input(dialog, "CA State Tax")).to_have_attribute("aria-invalid", "true")
    assert CreditMemo.objects.count() == 0


def test_save_after_the_session_ended_says_so_and_keeps_the_amounts(page, invoice):
    sign_in(page, "clerk")
    dialog = open_write_off_dialog(page, "INV00000101")
    amount_input(dialog, "Gold Plan").fill("12.00")
    expect(total(page)).to_have_text("12.00")
    Session.objects.all().delete()  # as when it timed out, or the clerk signed out elsewhere

    dialog.get_by_role("button", name="Save").click()
    alert = dialog.get_by_text("Your session has ended, so nothing was saved.")
    expect(alert).to_be_visible()
    expect(dialog.locator("#write-off-errors")).to_be_focused()
    expect(amount_input(dialog, "Gold Plan")).to_have_value("12.00")
    assert CreditMemo.objects.count() == 0

    # The clerk signs in again in another tab (which also gives a new CSRF token), comes back
    # and saves what they had typed.
    with page.context.expect_page() as opened:
        dialog.get_by_role("link", name="Sign in in a new tab").click()
    login = opened.value
    login.get_by_label("Username").fill("clerk")
    login.get_by_label("Password").fill(PASSWORD)
    login.get_by_role("button", name="Sign in").click()
    expect(login.get_by_role("heading", name="All Invoices")).to_be_visible()
    login.close()
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("wrote off 12.00 USD")
    assert CreditMemo.objects.get().total == 12


def test_another_clerks_write_off_meanwhile_is_explained_with_the_new_balances(page, invoice):
    sign_in(page, "clerk")
    dialog = open_write_off_dialog(page, "INV00000101")
    amount_input(dialog, "Gold Plan").fill("30.00")
    expect(total(page)).to_have_text("30.00")
    charge = invoice.lines.get(description="Gold Plan")
    write_off(invoice, User.objects.get(username="clerk"), [(charge, "80.00")])

    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_text("INV00000101 changed since you opened it")).to_be_visible()
    expect(dialog.locator(f"#balance_{charge.pk}")).to_have_text("20.00")
    expect(dialog.locator("#dialog-balance")).to_have_text("17.42")
    expect(amount_input(dialog, "Gold Plan")).to_have_value("30.00")  # kept as typed
    expect(dialog.get_by_text("30.00 is more than this line's balance, 20.00.")).to_be_visible()
    assert CreditMemo.objects.count() == 1

    amount_input(dialog, "Gold Plan").fill("10.00")
    expect(total(page)).to_have_text("10.00")
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("The invoice balance is now 7.42 USD.")


def test_a_pasted_comment_is_never_cut_short_and_too_long_is_said(page, invoice):
    sign_in(page, "clerk")
    dialog = open_write_off_dialog(page, "INV00000101")
    comment = dialog.get_by_label("Comment")
    comment.fill("x" * 260)  # as a paste does: one input event
    expect(comment).to_have_value("x" * 260)
    expect(dialog.locator("#id_comment_left")).to_have_text("5 characters too many")
    amount_input(dialog, "Gold Plan").fill("1.00")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_text("Keep the comment to 255 characters; it has 260.")).to_be_visible()
    expect(comment).to_be_focused()
    comment.fill("x" * 250)
    expect(dialog.locator("#id_comment_left")).to_have_text("5 characters left")
    assert CreditMemo.objects.count() == 0
