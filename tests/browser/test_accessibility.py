"""axe-core finds no serious or critical violation on the product's pages (SPEC C6)."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from billing.models import AccountingCode
from tests.browser.conftest import AXE, sign_in
from tests.conftest import VIEW_DOCUMENTS, WRITE_OFF
from tests.factories import AccountingCodeFactory, UserFactory, invoice_with_all_kinds, write_off
from writeoffs.checks import LineAmount
from writeoffs.models import ReasonCode

pytestmark = pytest.mark.django_db(transaction=True)


def serious_violations(page) -> list[str]:
    # axe is added to this test's page only, by the browser's debugging protocol, so the
    # product's Content Security Policy stays as strict as it is everywhere else.
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
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
