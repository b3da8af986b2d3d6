"""axe-core finds no serious or critical violation on the product's pages and dialogs (SPEC C6,
D2)."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import AccountingCode
from tests.browser.conftest import AXE, sign_in
from tests.conftest import VIEW_DOCUMENTS, WRITE_OFF
from tests.factories import AccountingCodeFactory, UserFactory, invoice_with_all_kinds, write_off
from writeoffs.checks import LineAmount
from writeoffs.models import REVERSE_PERMISSION, ReasonCode

pytestmark = pytest.mark.django_db(transaction=True)


def serious_violations(page) -> list[str]:
    # axe is added to this test's page only, by the browser's debugging protocol, so the
    # product's Content Security Policy stays as strict as it is everywhere else.
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    # A dialog fading in is still translucent: checked then, its text's contrast depends on
    # how far the fade has gone. Check once every transition has ended.
    page.wait_for_function(
        "() => document.getAnimations()"
        ".every(a => !(a instanceof CSSTransition) || a.playState === 'finished')"
    )
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} "
        f"{[node['target'] for node in violation['nodes']]}"
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def memo():
    clerk = UserFactory(username="clerk", permissions=[VIEW_DOCUMENTS, WRITE_OFF])
    AccountingCodeFactory(code="6100", name="Bad Debt Expense", type=AccountingCode.Type.BAD_DEBT)
    invoice, charge, tax, *_ = invoice_with_all_kinds(number="INV00000101")
    return write_off(
        document=invoice,
        user=clerk,
        memo_date=invoice.date,
        reason_code=ReasonCode.objects.get(is_default=True),
        lines=[LineAmount(charge.pk, Decimal(10)), LineAmount(tax.pk, Decimal(1))],
    )


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (make test runs npm ci)")
@pytest.mark.parametrize(
    "size", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}], ids=["laptop", "phone"]
)
def test_pages_and_the_open_dialog_have_no_serious_accessibility_violations(page, memo, size):
    page.set_viewport_size(size)
    sign_in(page, "clerk")
    found = {}
    page.goto("/billing/invoices/")
    found["All Invoices"] = serious_violations(page)
    page.goto("/billing/invoices/INV00000101/")
    found["invoice page"] = serious_violations(page)
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Write Off Invoice").click()
    dialog = page.get_by_role("dialog", name="Write Off Invoice")
    expect(dialog).to_be_visible()
    dialog.get_by_role("textbox", name="Write-Off Amount for Gold Plan").fill("200")
    expect(dialog.get_by_text("200.00 is more than this line's balance, 90.00.")).to_be_visible()
    found["open dialog"] = serious_violations(page)
    page.goto(f"/billing/credit-memos/{memo.number}/")
    found["credit memo page"] = serious_violations(page)
    page.goto("/billing/credit-memos/")
    found["Credit Memos"] = serious_violations(page)
    assert found == {name: [] for name in found}
    assert page.problems == []


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (make test runs npm ci)")
@pytest.mark.parametrize(
    "size", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}], ids=["laptop", "phone"]
)
def test_the_reversal_dialog_and_the_pages_of_a_reversal_have_no_serious_violations(
    page, memo, size
):
    UserFactory(username="controller", permissions=[VIEW_DOCUMENTS, WRITE_OFF, REVERSE_PERMISSION])
    page.set_viewport_size(size)
    sign_in(page, "controller")
    found = {}
    page.goto(f"/billing/credit-memos/{memo.number}/")
    found["credit memo page"] = serious_violations(page)
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Reverse Write-Off").click()
    dialog = page.get_by_role("dialog", name="Reverse Write-Off")
    expect(dialog.get_by_label("Reversal Date")).to_be_focused()
    found["reversal dialog"] = serious_violations(page)
    dialog.get_by_label("Reversal Date").fill("2020-01-01")
    dialog.get_by_label("Comment").fill("x" * 300)
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_text("The reversal date cannot be before the memo date")).to_be_visible()
    found["reversal dialog, refused"] = serious_violations(page)
    dialog.get_by_label("Reversal Date").fill(f"{timezone.localdate():%Y-%m-%d}")
    dialog.get_by_label("Comment").fill("Reversed for the accessibility check")
    dialog.get_by_role("button", name="Save").click()
    expect(page.locator("#memo-status")).to_have_text("Reversed")
    found["reversed credit memo page"] = serious_violations(page)
    page.goto("/billing/invoices/INV00000101/")
    found["invoice page with its history"] = serious_violations(page)
    page.goto("/billing/debit-memos/DM00000001/")
    found["reversing debit memo page"] = serious_violations(page)
    page.goto("/billing/credit-memos/")
    found["Credit Memos with a reversal"] = serious_violations(page)
    assert found == {name: [] for name in found}
    assert page.problems == []
