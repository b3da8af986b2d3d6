"""The Write-Off Report in Chromium (SPEC D3): reached from the menu, its chart and tables,
a filter, a refused filter, the CSV download, no CSP violation and no serious axe finding."""

import csv
import datetime
import io
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reports.forms import month_bounds
from tests.browser.conftest import AXE, sign_in
from tests.browser.test_accessibility import serious_violations
from tests.conftest import VIEW_DOCUMENTS, WRITE_OFF
from tests.factories import AccountFactory, UserFactory, write_off
from tests.reports.conftest import invoice as report_invoice
from tests.reports.conftest import make_codes, reason, reverse
from writeoffs.models import REVERSE_PERMISSION

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def this_month():
    """This month: a USD write-off, reversed in part by a second memo's reversal, and a JPY
    write-off; the clerk may only see."""
    UserFactory(username="clerk", permissions=[VIEW_DOCUMENTS])
    controller = UserFactory(
        username="controller", permissions=[VIEW_DOCUMENTS, WRITE_OFF, REVERSE_PERMISSION]
    )
    codes = make_codes()
    today = timezone.localdate()
    first, _ = month_bounds(today)
    acme = AccountFactory(number="A00000001", name="=Acme Corp")
    usd, (charge, tax) = report_invoice(codes, account=acme, date=first, lines=[("100.00", "8.25")])
    write_off(usd, controller, [(charge, "40.00"), (tax, "3.30")], memo_date=today)
    reversed_memo = write_off(usd, controller, [(charge, "10.00")], memo_date=today)
    reverse(reversed_memo, controller, today)
    jpy, (yen,) = report_invoice(codes, currency="JPY", date=first, lines=[("5000", None)])
    write_off(
        jpy, controller, [(yen, "1200")], memo_date=today, reason_code=reason("Ad hoc Credit")
    )
    return month_bounds(today)


def test_the_report_from_the_menu_its_chart_a_filter_and_the_csv(page, this_month):
    first, last = this_month
    month = first.strftime("%Y-%m")
    sign_in(page, "clerk")
    page.get_by_role("button", name="Billing").click()
    page.get_by_role("link", name="Write-Off Report").click()
    expect(page.get_by_role("heading", name="Write-Off Report", level=1)).to_be_visible()
    expect(page.get_by_label("Memo date from")).to_have_value(first.isoformat())
    expect(page.get_by_label("Memo date to")).to_have_value(last.isoformat())

    # A chart per currency, named, and its numbers in a table.
    expect(page.get_by_role("img", name="Write-offs by month in USD")).to_be_visible()
    expect(page.get_by_role("img", name="Write-offs by month in JPY")).to_be_visible()
    usd_months = page.get_by_role("table", name="USD by month")
    expect(usd_months.get_by_role("row", name=month)).to_have_text(
        [f"{month} 3 53.30 1 -10.00 43.30"], use_inner_text=True
    )
    expect(page.get_by_role("table", name="JPY by reason code")).to_contain_text("Ad hoc Credit")

    # The CSV of what the page shows.
    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()
    download = info.value
    assert download.suggested_filename == f"write-offs-{first}-to-{last}.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text("utf-8-sig"))))
    assert len(rows) == 5
    assert {row["Account name"] for row in rows if row["Currency"] == "USD"} == {"'=Acme Corp"}

    # A filter, kept in the form and in the CSV link.
    page.get_by_label("Currency").select_option("JPY")
    page.get_by_role("button", name="Show report").click()
    expect(page.get_by_role("img", name="Write-offs by month in JPY")).to_be_visible()
    expect(page.get_by_role("img", name="Write-offs by month in USD")).to_have_count(0)
    expect(page.get_by_role("link", name="Download CSV")).to_have_attribute(
        "href", f"/billing/reports/write-offs/csv/?date_from={first}&date_to={last}&currency=JPY"
    )

    # A period that ends before it starts: said next to the field, and no report.
    page.get_by_label("Memo date to").fill((first - datetime.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Show report").click()
    expect(page.get_by_text("The period ends before it starts")).to_be_visible()
    expect(page.get_by_role("link", name="Download CSV")).to_have_count(0)
    assert page.problems == []  # no CSP violation, no script error


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (make test runs npm ci)")
@pytest.mark.parametrize(
    "size", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}], ids=["laptop", "phone"]
)
def test_the_report_has_no_serious_accessibility_violations(page, this_month, size):
    page.set_viewport_size(size)
    sign_in(page, "clerk")
    page.goto("/billing/reports/write-offs/")
    expect(page.get_by_role("img", name="Write-offs by month in USD")).to_be_visible()
    assert serious_violations(page) == []
    # Nothing wider than the screen: the chart scales, the tables fold.
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    page.goto("/billing/reports/write-offs/?date_from=yesterday")
    assert serious_violations(page) == []
    assert page.problems == []
