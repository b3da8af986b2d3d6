"""The Write-Off Report page and its CSV (SPEC D3): totals, the netting of reversals, filters,
refusals, permissions and query counts."""

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from reports.forms import month_bounds
from tests.factories import AccountFactory, write_off
from tests.reports.conftest import CSV, REPORT, invoice, reason, reverse

pytestmark = pytest.mark.django_db

OCT_NOV = "date_from=2026-10-01&date_to=2026-11-30"
D = Decimal


def tables(report) -> dict:
    """The report as plain values: per currency, each table's rows as
    key -> (written off, reversed, net, lines written off, lines reversed)."""

    def rows(table):
        return {
            row.key: (
                row.total.written_off,
                row.total.reversed,
                row.total.net,
                row.total.written_off_lines,
                row.total.reversed_lines,
            )
            for row in table
        }

    return {
        part.currency: {
            "reason": rows(part.by_reason),
            "code": rows(part.by_accounting_code),
            "month": rows(part.by_month),
            "total": (part.total.written_off, part.total.reversed, part.total.net),
        }
        for part in report.currencies
    }


def read_csv(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


# The totals and the netting rule


def test_totals_per_currency_by_reason_accounting_code_and_month(viewer_client, book):
    response = viewer_client.get(f"{REPORT}?{OCT_NOV}")
    assert response.status_code == 200
    october, november = datetime.date(2026, 10, 1), datetime.date(2026, 11, 1)
    assert tables(response.context["report"]) == {
        "JPY": {
            "reason": {("Write-off",): (D(1100), D(0), D(1100), 2, 0)},
            "code": {
                ("2200", "Sales Tax Payable"): (D(100), D(0), D(100), 1, 0),
                ("2500", "Deferred Revenue"): (D(1000), D(0), D(1000), 1, 0),
            },
            "month": {(november,): (D(1100), D(0), D(1100), 2, 0)},
            "total": (D(1100), D(0), D(1100)),
        },
        "USD": {
            "reason": {
                ("Charge Dispute",): (D("5.50"), D(0), D("5.50"), 1, 0),
                ("Write-off",): (D("10.83"), D("-10.83"), D(0), 2, 2),
            },
            "code": {
                ("2200", "Sales Tax Payable"): (D("0.83"), D("-0.83"), D(0), 1, 1),
                ("2500", "Deferred Revenue"): (D("10.00"), D("-10.00"), D(0), 1, 1),
                ("6100", "Bad Debt Expense"): (D("5.50"), D(0), D("5.50"), 1, 0),
            },
            "month": {
                (october,): (D("10.83"), D(0), D("10.83"), 2, 0),
                (november,): (D("5.50"), D("-10.83"), D("-5.33"), 1, 2),
            },
            "total": (D("16.33"), D("-10.83"), D("5.50")),
        },
    }


def test_a_reversal_counts_in_the_period_of_its_reversal_date_and_never_changes_the_past(
    viewer_client, book
):
    october = viewer_client.get(f"{REPORT}?date_from=2026-10-01&date_to=2026-10-31")
    assert tables(october.context["report"])["USD"]["total"] == (D("10.83"), D(0), D("10.83"))
    november = viewer_client.get(f"{REPORT}?date_from=2026-11-01&date_to=2026-11-30")
    assert tables(november.context["report"])["USD"]["total"] == (
        D("5.50"),
        D("-10.83"),
        D("-5.33"),
    )
    # The two months' nets add up to what the two months together show.
    both = viewer_client.get(f"{REPORT}?{OCT_NOV}")
    assert tables(both.context["report"])["USD"]["total"][2] == D("10.83") + D("-5.33")


def test_amounts_are_shown_with_each_currency_s_digits(viewer_client, book):
    html = viewer_client.get(f"{REPORT}?{OCT_NOV}").text
    assert "16.33 USD" in html
    assert "-10.83 USD" in html
    assert "1,100 JPY" in html
    assert "1,100.00" not in html


def test_the_page_has_a_chart_per_currency_with_its_numbers_in_a_table(viewer_client, book):
    html = viewer_client.get(f"{REPORT}?{OCT_NOV}").text
    for currency in ("usd", "jpy"):
        assert f'aria-labelledby="chart-{currency}-title chart-{currency}-desc"' in html
        assert f'<pattern id="hatch-{currency}"' in html
        assert f'id="{currency}-month"' in html  # the table of the chart's numbers
    assert "<title>2026-11 reversed: -10.83 USD</title>" in html
    assert "<title>2026-10 written off: 10.83 USD</title>" in html
    # Content Security Policy: no inline style or script of our own.
    assert not re.search(r"\sstyle=", html)
    assert all('src="' in tag for tag in re.findall(r"<script[^>]*>", html))


def test_the_default_period_is_this_month(viewer_client, controller, codes):
    today = timezone.localdate()
    first, last = month_bounds(today)
    document, (line,) = invoice(codes, date=first, lines=[("40.00", None)])
    write_off(document, controller, [(line, "4.00")], memo_date=today)
    response = viewer_client.get(REPORT)
    assert response.context["report"].filters.date_from == first
    assert response.context["report"].filters.date_to == last
    assert tables(response.context["report"])["USD"]["total"] == (D("4.00"), D(0), D("4.00"))
    assert f'value="{first.isoformat()}"' in response.text
    assert f'value="{last.isoformat()}"' in response.text
    assert (
        f'href="{CSV}?date_from={first.isoformat()}&amp;date_to={last.isoformat()}"'
        in response.text
    )


def test_an_empty_period_says_so(viewer_client, book):
    response = viewer_client.get(f"{REPORT}?date_from=2020-01-01&date_to=2020-12-31")
    assert response.context["report"].currencies == []
    assert "No write-off or reversal in this period matches these filters." in response.text


# Filters


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("reason_code={Charge Dispute}", {"USD": (D("5.50"), D(0), D("5.50"))}),
        (
            "reason_code={Write-off}",
            {"USD": (D("10.83"), D("-10.83"), D(0)), "JPY": (D(1100), D(0), D(1100))},
        ),
        ("accounting_code={6100}", {"USD": (D("5.50"), D(0), D("5.50"))}),
        (
            "accounting_code={2200}",
            {"USD": (D("0.83"), D("-0.83"), D(0)), "JPY": (D(100), D(0), D(100))},
        ),
        ("account=A00000777", {"USD": (D("5.50"), D(0), D("5.50"))}),
        ("currency=JPY", {"JPY": (D(1100), D(0), D(1100))}),
        ("revenue_impacting=no", {"USD": (D("5.50"), D(0), D("5.50"))}),
        (
            "revenue_impacting=yes",
            {"USD": (D("10.83"), D("-10.83"), D(0)), "JPY": (D(1100), D(0), D(1100))},
        ),
        ("currency=USD&revenue_impacting=yes&reason_code={Charge Dispute}", {}),
    ],
)
def test_each_filter_picks_write_offs_and_reversals_alike(
    viewer_client, book, codes, query, expected
):
    from billing.models import AccountingCode

    query = re.sub(
        r"\{([^}]+)\}",
        lambda match: str(
            AccountingCode.objects.get(code=match[1]).pk
            if match[1].isdigit()
            else reason(match[1]).pk
        ),
        query,
    )
    response = viewer_client.get(f"{REPORT}?{OCT_NOV}&{query}")
    assert response.status_code == 200
    found = tables(response.context["report"])
    assert {currency: found[currency]["total"] for currency in found} == expected


def test_the_csv_applies_the_page_s_filters(viewer_client, book):
    rows = read_csv(viewer_client.get(f"{CSV}?{OCT_NOV}&currency=JPY"))
    assert {row["Currency"] for row in rows} == {"JPY"}
    assert [row["Amount"] for row in rows] == ["1000", "100"]


# Filters that cannot be used: a message next to the field, never a 500


BAD_FILTERS = [
    ("date_from=yesterday", "Write the date as YYYY-MM-DD, e.g. 2026-10-15."),
    ("date_from=2026-02-30", "2026-02-30 is not a date."),
    ("date_to=2026-13-01", "2026-13-01 is not a date."),
    ("date_from=20261101", "Write the date as YYYY-MM-DD"),
    (
        "date_from=2026-11-30&date_to=2026-11-01",
        "The period ends before it starts: choose a date on or after 2026-11-30.",
    ),
    ("date_from=2000-01-01&date_to=2026-11-30", "A report covers at most 10 years."),
    ("date_from=2026-11-01%00", "Write the date as YYYY-MM-DD"),
    ("reason_code=999999", "No such reason code; choose one from the list."),
    ("reason_code=abc", "No such reason code; choose one from the list."),
    ("reason_code=" + "9" * 40, "No such reason code; choose one from the list."),
    ("reason_code=1%00", "No such reason code; choose one from the list."),
    ("accounting_code=-1", "No such accounting code; choose one from the list."),
    ("accounting_code=99999999999999999999", "No such accounting code"),
    ("account=A99999999", "No account has the number A99999999."),
    ("account=" + "A" * 100_000, "Ensure this value has at most 50 characters"),
    ("account=A%00", "Null characters are not allowed."),
    ("currency=XXX", "Select a valid choice. XXX is not one of the available choices."),
    ("currency=usd", "Select a valid choice."),
    ("currency=%00", "Select a valid choice."),
    ("revenue_impacting=maybe", "Select a valid choice."),
    ("currency=USD&currency=JPY", "Give this filter once."),
    ("date_from=2026-10-01&date_from=2026-11-01", "Give this filter once."),
]


@pytest.mark.parametrize(("query", "message"), BAD_FILTERS)
def test_a_filter_that_cannot_be_used_is_named_on_the_page_and_nothing_is_reported(
    viewer_client, book, query, message
):
    response = viewer_client.get(f"{REPORT}?{query}")
    assert response.status_code == 200
    assert response.context["report"] is None
    assert message in response.text.replace("&#x27;", "'")
    assert "Some filters cannot be used; correct them to see the report." in response.text
    assert "Download CSV" not in response.text


@pytest.mark.parametrize(("query", "message"), BAD_FILTERS[::3])
def test_the_csv_of_filters_that_cannot_be_used_is_the_page_with_its_messages(
    viewer_client, book, query, message
):
    response = viewer_client.get(f"{CSV}?{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert message in response.text.replace("&#x27;", "'")


def test_an_unknown_parameter_is_ignored(viewer_client, book):
    response = viewer_client.get(f"{REPORT}?{OCT_NOV}&page=7&q=%00")
    assert response.context["report"] is not None


# Permissions


@pytest.mark.parametrize("url", [REPORT, CSV])
def test_signed_out_users_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("url", [REPORT, CSV])
def test_users_who_may_not_see_billing_documents_get_403(client, url):
    client.force_login(get_user_model().objects.create_user("nobody"))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", [REPORT, CSV])
def test_seeing_billing_documents_is_enough(viewer_client, url):
    assert viewer_client.get(url).status_code == 200


@pytest.mark.parametrize("url", [REPORT, CSV])
def test_only_get_is_answered(viewer_client, url):
    assert viewer_client.post(url).status_code == 405


def test_the_menu_offers_the_report_to_those_who_may_see_it(viewer_client):
    html = viewer_client.get("/billing/invoices/").text
    assert f'<a class="dropdown-item" href="{REPORT}">Write-Off Report</a>' in html


# The CSV


def test_the_csv_has_one_row_per_memo_item_and_entry(viewer_client, book):
    response = viewer_client.get(f"{CSV}?{OCT_NOV}")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="write-offs-2026-10-01-to-2026-11-30.csv"'
    )
    assert response["Cache-Control"].startswith("max-age=0, no-cache, no-store")
    rows = read_csv(response)
    first, second, third = (book[name] for name in ("first", "second", "third"))
    assert [
        (row["Entry"], row["Entry date"], row["Credit memo"], row["Line"], row["Amount"])
        for row in rows
    ] == [
        ("Write-off", "2026-10-15", first.number, "Plan 1", "10.00"),
        ("Write-off", "2026-10-15", first.number, "Tax on plan 1", "0.83"),
        ("Write-off", "2026-11-02", second.number, "Plan 1", "5.50"),
        ("Write-off", "2026-11-20", third.number, "Plan 1", "1000"),
        ("Write-off", "2026-11-20", third.number, "Tax on plan 1", "100"),
        ("Reversal", "2026-11-05", first.number, "Plan 1", "-10.00"),
        ("Reversal", "2026-11-05", first.number, "Tax on plan 1", "-0.83"),
    ]
    reversal = rows[-1]
    zone = timezone.get_current_timezone_name()
    assert reversal == {
        "Entry": "Reversal",
        "Entry date": "2026-11-05",
        "Credit memo": first.number,
        "Memo date": "2026-10-15",
        "Document": first.document.number,
        "Document type": "Invoice",
        "Account number": first.document.account.number,
        "Account name": first.document.account.name,
        "Currency": "USD",
        "Line": "Tax on plan 1",
        "Line kind": "Tax",
        "Accounting code": "2200",
        "Amount": "-0.83",
        "Reason code": "Write-off",
        "Revenue impacting": "Yes",
        "Created by": "controller",
        f"Created at ({zone})": timezone.localtime(first.created_at).strftime("%Y-%m-%d %H:%M:%S"),
        "Reversal date": "2026-11-05",
        "Reversing debit memo": first.reversing_debit_memo.number,
        "Reversed by": "controller",
        f"Reversed at ({zone})": timezone.localtime(first.reversed_at).strftime(
            "%Y-%m-%d %H:%M:%S"
        ),
    }
    assert rows[2]["Revenue impacting"] == "No"
    assert rows[2]["Accounting code"] == "6100"
    assert rows[2]["Reversed by"] == ""


def test_a_formula_in_a_text_cell_is_neutralised_and_amounts_stay_numbers(viewer_client, book):
    rows = read_csv(viewer_client.get(f"{CSV}?{OCT_NOV}&account=A00000777"))
    assert [row["Account name"] for row in rows] == ['\'=HYPERLINK("http://evil.example";"x")']
    negative = read_csv(viewer_client.get(f"{CSV}?{OCT_NOV}&reason_code={reason('Write-off').pk}"))
    assert [row["Amount"] for row in negative if row["Entry"] == "Reversal"] == ["-10.00", "-0.83"]


def test_the_csv_rows_add_up_to_the_page_s_totals(viewer_client, book):
    report = viewer_client.get(f"{REPORT}?{OCT_NOV}").context["report"]
    rows = read_csv(viewer_client.get(f"{CSV}?{OCT_NOV}"))
    for part in report.currencies:
        mine = [row for row in rows if row["Currency"] == part.currency]
        written = sum((D(r["Amount"]) for r in mine if r["Entry"] == "Write-off"), D(0))
        reversed_ = sum((D(r["Amount"]) for r in mine if r["Entry"] == "Reversal"), D(0))
        assert (written, reversed_, written + reversed_) == (
            part.total.written_off,
            part.total.reversed,
            part.total.net,
        )


# Queries: as many for one memo as for many (SPEC Q6)


def many_memos(codes, user, count: int, currency: str):
    account = AccountFactory()
    for _ in range(count):
        document, (charge, tax) = invoice(
            codes, currency=currency, account=account, lines=[("100", "10")]
        )
        memo = write_off(
            document,
            user,
            [(charge, "10"), (tax, "1")],
            memo_date=datetime.date(2026, 10, 20),
            reason_code=reason("Ad hoc Credit"),
        )
        reverse(memo, user, datetime.date(2026, 11, 3))


@pytest.mark.parametrize(
    "filters",
    ["", "&reason_code={reason}&accounting_code={code}&currency=USD&revenue_impacting=yes"],
    ids=["no filter", "every filter"],
)
def test_the_page_and_the_csv_take_as_many_queries_for_1_and_for_30_memos(
    viewer_client, codes, controller, django_assert_num_queries, filters
):
    many_memos(codes, controller, 1, "USD")
    filters = filters.format(reason=reason("Ad hoc Credit").pk, code=codes["tax"].pk)
    url = f"?{OCT_NOV}{filters}"
    # session, user with their permissions, the three tables, the reasons and codes offered;
    # a reason or code filter also reads that row.
    page = 7 + (2 if filters else 0)
    # session, user with permissions, write-offs, reversals (and any filter's row), and the
    # download's transaction, a savepoint inside the test's own.
    download = 6 + (2 if filters else 0)
    for count in (1, 30):
        if count > 1:
            many_memos(codes, controller, count - 1, "USD")
            many_memos(codes, controller, 3, "JPY")
        with django_assert_num_queries(page):
            response = viewer_client.get(REPORT + url)
        per_memo = D(1) if filters else D(11)  # the tax line alone, or the charge too
        assert tables(response.context["report"])["USD"]["total"][0] == per_memo * count
        with django_assert_num_queries(download):
            rows = read_csv(viewer_client.get(CSV + url))
        jpy = 3 if count > 1 and not filters else 0
        # each item's write-off and reversal
        assert len(rows) == (2 if filters else 4) * (count + jpy)


def test_the_csv_is_read_a_chunk_at_a_time(viewer_client, codes, controller, monkeypatch):
    """The rows are read through `QuerySet.iterator` (a server-side cursor on PostgreSQL)
    in chunks, and written out a few hundred at a time, never collected."""
    from django.db.models.query import QuerySet

    from reports import exports

    many_memos(codes, controller, 3, "USD")
    chunks = []
    real = QuerySet.iterator

    def iterator(self, chunk_size=None):
        chunks.append(chunk_size)
        return real(self, chunk_size=chunk_size)

    monkeypatch.setattr(QuerySet, "iterator", iterator)
    monkeypatch.setattr(exports, "ROWS_PER_PIECE", 2)
    response = viewer_client.get(f"{CSV}?{OCT_NOV}")
    pieces = list(response.streaming_content)
    assert chunks == [exports.CHUNK_SIZE, exports.CHUNK_SIZE]
    # The header, then the 12 rows two at a time.
    assert len(pieces) == 1 + 12 // 2
