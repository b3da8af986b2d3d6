"""The Write-Off Report as a hostile user would try it: the ends of the calendar, and names with
markup."""

import datetime

import pytest

from tests.factories import AccountFactory, ReasonCodeFactory, write_off
from tests.reports.conftest import CSV, REPORT, invoice

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "period",
    [
        "date_from=9999-12-01&date_to=9999-12-31",
        "date_from=9990-01-02&date_to=9999-12-31",
        "date_from=0001-01-01&date_to=0001-01-31",
        "date_from=0001-01-01&date_to=0010-12-31",
    ],
)
def test_a_period_at_either_end_of_the_calendar_is_reported_and_found_empty(viewer_client, period):
    page = viewer_client.get(f"{REPORT}?{period}")
    assert page.status_code == 200
    assert page.context["report"] is not None
    assert "A report covers at most" not in page.text
    download = viewer_client.get(f"{CSV}?{period}")
    assert download.status_code == 200
    assert len(b"".join(download.streaming_content).decode().splitlines()) == 1


def test_ten_years_and_a_day_is_refused_even_near_9999(viewer_client):
    page = viewer_client.get(f"{REPORT}?date_from=9989-12-31&date_to=9999-12-31")
    assert page.context["report"] is None
    assert "A report covers at most 10 years." in page.text


def test_names_with_markup_are_shown_as_text_in_the_tables_and_the_chart(
    viewer_client, codes, controller
):
    account = AccountFactory(name='<img src=x onerror="alert(1)">')
    reason = ReasonCodeFactory(name="<script>alert(2)</script>")
    document, (line,) = invoice(codes, account=account, lines=[("10.000", None)], currency="KWD")
    today = datetime.date.today()
    write_off(document, controller, [(line, "1.235")], memo_date=today, reason_code=reason)

    html = viewer_client.get(REPORT).text

    assert "<script>alert(2)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "<title>" + today.strftime("%Y-%m") + " written off: 1.235 KWD</title>" in html
