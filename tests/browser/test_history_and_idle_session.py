"""In the browser: an invoice's History opens and loads; a save after the session went idle
past its age says so, as for any ended session (SPEC D5, D6)."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import amount_input, open_write_off_dialog, sign_in, total
from tests.factories import write_off
from writeoffs.models import CreditMemo

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_history_opens_and_lists_the_write_off(page, invoice):
    memo = write_off(invoice, get_user_model().objects.get(username="clerk"), full_balance=True)
    sign_in(page, "clerk")
    page.goto("/billing/invoices/INV00000101/")
    page.get_by_text("History", exact=True).click()
    row = page.get_by_role("region", name="History").get_by_role("row").filter(has_text=memo.number)
    expect(row).to_contain_text("Write-off")
    expect(row).to_contain_text("97.42 USD")


def test_save_after_the_session_went_idle_says_so(page, invoice):
    sign_in(page, "clerk")
    dialog = open_write_off_dialog(page, "INV00000101")
    amount_input(dialog, "Gold Plan").fill("12.00")
    expect(total(page)).to_have_text("12.00")
    # As 30 minutes without a request leave it.
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))

    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_text("Your session has ended, so nothing was saved.")).to_be_visible()
    expect(amount_input(dialog, "Gold Plan")).to_have_value("12.00")
    assert CreditMemo.objects.count() == 0
