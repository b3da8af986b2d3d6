"""A clerk writes off many invoices at once in headless Chromium (SPEC D4): choose by filter,
preview, start, and watch the progress reach done without reloading the page."""

import datetime
import re
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from playwright.sync_api import expect

from bulk.models import BulkJob
from bulk.services import bulk_job_work
from tests.browser.conftest import AXE, sign_in
from tests.browser.test_accessibility import serious_violations
from tests.bulk.conftest import DUMMY, invoices
from tests.conftest import VIEW_DOCUMENTS, WRITE_OFF
from tests.factories import AccountFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "bulk-write-off.png"


@pytest.fixture
def documents(settings):
    # Tasks are queued and left there: the test works the job off itself, as a worker would,
    # while the page is open.
    settings.TASKS = DUMMY
    UserFactory(
        username="bulk", permissions=[VIEW_DOCUMENTS, WRITE_OFF, "writeoffs.bulk_write_off"]
    )
    acme = AccountFactory(number="A00000001", name="Acme Corp")
    invoices(1, amount="9.00", account=AccountFactory(number="A00000002"))  # not chosen
    return invoices(2, amount="1250.00", account=acme) + invoices(
        1, amount="5000", currency="JPY", account=acme
    )


def test_clerk_chooses_previews_starts_and_sees_the_job_reach_done(page, documents):
    sign_in(page, "bulk")
    page.get_by_role("button", name="Billing").click()
    page.get_by_role("link", name="Bulk Write-Off").click()
    expect(page.get_by_role("heading", name="Bulk Write-Off", exact=True)).to_be_visible()

    page.get_by_label("Account number").fill("A00000001")
    page.get_by_role("button", name="Preview", exact=True).click()
    expect(page.locator("#preview-count")).to_have_text("3 documents to write off in full:")
    expect(page.locator("#preview-totals")).to_contain_text("2,500.00 USD")
    expect(page.locator("#preview-totals")).to_contain_text("5,000 JPY")

    page.get_by_label("Write-Off Date").fill("2026-11-01")
    page.get_by_label("Reason Code").select_option(label="Charge Dispute")
    page.get_by_label("Comment").fill("Customer in liquidation")
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("alert")).to_contain_text("started")
    expect(page.locator("#job-status")).to_have_text("Queued")
    page.evaluate("window.notReloaded = true")

    job = BulkJob.objects.get()
    bulk_job_work(job_id=job.pk, limit=1)
    expect(page.locator("#progress-text")).to_contain_text(
        "1 of 3 documents processed: 1 written off", timeout=5000
    )
    expect(page.locator("#job-status")).to_have_text("Running")
    bulk_job_work(job_id=job.pk)
    expect(page.locator("#job-status")).to_have_text("Finished", timeout=5000)
    expect(page.locator("#progress-text")).to_contain_text(
        "3 of 3 documents processed: 3 written off, 0 refused."
    )
    expect(page.locator("#progress-totals")).to_contain_text("2,500.00 USD 2,500.00 USD")
    expect(page.locator("#job-progress")).to_have_attribute("value", "3")
    expect(page.locator("#progress")).not_to_have_attribute("hx-trigger", "every 1s")
    assert page.evaluate("window.notReloaded") is True
    expect(page.get_by_role("button", name="Cancel job")).to_have_count(0)
    page.screenshot(path=SCREENSHOT, full_page=True)

    page.reload()
    expect(page.locator("#job-status")).to_have_text("Finished")
    for document in documents:
        document.refresh_from_db()
        assert document.balance == 0
    assert page.problems == []


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (make test runs npm ci)")
def test_the_bulk_pages_have_no_serious_accessibility_violations(page, documents, tmp_path):
    sign_in(page, "bulk")
    found = {}
    page.goto("/billing/bulk-write-offs/")
    bad = tmp_path / "numbers.csv"
    bad.write_text(f"{documents[0].number}\n=1+1\n")
    page.get_by_label("CSV file of document numbers").set_input_files(bad)
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_text("Line 2: '=1+1' is a spreadsheet formula")).to_be_visible()
    found["choose, with a refused file"] = serious_violations(page)
    page.get_by_label("Currency").fill("USD")
    page.get_by_role("button", name="Preview", exact=True).click()
    expect(page.locator("#preview-count")).to_be_visible()
    found["preview"] = serious_violations(page)
    documents[0].status = "Canceled"
    documents[0].save()
    page.get_by_role("button", name="Start").click()
    BulkJob.objects.get()  # started
    bulk_job_work(job_id=BulkJob.objects.get().pk)
    page.reload()
    expect(page.locator("#refused")).to_contain_text("Only posted documents")
    found["job, finished with a refusal"] = serious_violations(page)
    assert found == {name: [] for name in found}
    # The refused file's page is answered 400, which Chromium reports; nothing else went wrong.
    assert page.problems == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]


def test_a_job_page_left_open_after_its_session_ended_goes_to_the_sign_in_page(page, documents):
    """Its polling keeps no session alive (SPEC D6); once the session has ended the page goes
    to the sign-in page, which brings the clerk back to the job, rather than show it inside."""
    sign_in(page, "bulk")
    page.goto("/billing/bulk-write-offs/")
    page.get_by_label("Account number").fill("A00000001")
    page.get_by_role("button", name="Preview", exact=True).click()
    page.get_by_role("button", name="Start").click()
    expect(page.locator("#job-status")).to_have_text("Queued")
    job_path = f"/billing/bulk-write-offs/{BulkJob.objects.get().pk}/"
    # As 30 minutes without a request of the clerk's own leave it.
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="), timeout=5000)
    expect(page.get_by_label("Username")).to_be_visible()
    assert page.url.endswith(f"?next={job_path}")
