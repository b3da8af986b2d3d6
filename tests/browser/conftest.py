"""Browser tests: Playwright for Python driving the system Chromium (SPEC Q2).

They skip, saying why, where Playwright or Chromium is missing; CI sets REQUIRE_NO_SKIPS=1, so
there they must run.
"""

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from billing.models import AccountingCode
from tests.conftest import VIEW_DOCUMENTS, WRITE_OFF
from tests.factories import (
    AccountFactory,
    AccountingCodeFactory,
    UserFactory,
    invoice_with_all_kinds,
)

# Playwright's sync API runs an event loop in this thread; the tests' own ORM calls are still
# plain synchronous code, so Django's guard against the ORM in async code does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "correct horse battery staple"  # what UserFactory gives every user


def missing_browser() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (make test installs it)"
    if not shutil.which(CHROMIUM):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return ""


def pytest_collection_modifyitems(config, items):
    if reason := missing_browser():
        for item in items:
            if "tests/browser/" in str(item.path).replace(os.sep, "/"):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A page on the live server that records console errors and CSP violations."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-US"
    )
    page = context.new_page()
    page.problems = []
    page.on(
        "console",
        lambda message: page.problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.set_default_timeout(5000)
    yield page
    context.close()


def sign_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def invoice():
    """INV00000101: Gold Plan 100.00, its tax 8.25, a discount -10.00 and its tax -0.83."""
    UserFactory(username="clerk", permissions=[VIEW_DOCUMENTS, WRITE_OFF])
    AccountingCodeFactory(code="6100", name="Bad Debt Expense", type=AccountingCode.Type.BAD_DEBT)
    acme = AccountFactory(number="A00000001", name="Acme Corp")
    return invoice_with_all_kinds(number="INV00000101", account=acme)[0]


def amount_input(dialog, description):
    return dialog.get_by_role("textbox", name=f"Write-Off Amount for {description}", exact=True)


def open_write_off_dialog(page, number, timeout=5000):
    page.goto(f"/billing/invoices/{number}/")
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Write Off Invoice").click()
    dialog = page.get_by_role("dialog", name="Write Off Invoice")
    # Opened: it has faded in and put focus on its first field, as a clerk would wait for.
    expect(dialog.get_by_label("Write-Off Date")).to_be_focused(timeout=timeout)
    return dialog


def total(page):
    return page.locator("#write-off-amount")


def save_and_see_the_memo(page, dialog, kind_name: str, total: str, balance: str):
    """Save; the dialog closes and the document's page says which memo wrote off how much,
    and shows the new balance. The memo."""
    from writeoffs.models import CreditMemo

    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    memo = CreditMemo.objects.latest("pk")
    expect(page.get_by_role("alert")).to_contain_text(
        f"Credit memo {memo.number} wrote off {total} USD. "
        f"The {kind_name} balance is now {balance} USD."
    )
    expect(page.locator("#document-balance")).to_have_text(f"{balance} USD")
    return memo
