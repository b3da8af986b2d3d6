"""Billing > Bulk Write-Off: choosing, previewing, starting, following, cancelling, the results
file; permissions and hostile input."""

import csv
import datetime
import io
import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from billing.models import AccountingCode
from bulk.models import BulkJob, BulkJobItem
from bulk.services import bulk_job_work
from tests.bulk.conftest import DUMMY, invoices, started_job
from tests.bulk.conftest import IMMEDIATE as IMMEDIATE_TASKS
from tests.conftest import VIEW_DOCUMENTS, WRITE_OFF
from tests.factories import AccountFactory, AccountingCodeFactory, UserFactory
from writeoffs.models import CreditMemo, ReasonCode

pytestmark = pytest.mark.django_db

HOME = "/billing/bulk-write-offs/"
PREVIEW = "/billing/bulk-write-offs/preview/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def bulk_client(client, bulk_clerk):
    client.force_login(bulk_clerk)
    return client


def text(response) -> str:
    """The page's text, tags and runs of white space removed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def upload(client, content: bytes, name="numbers.csv"):
    return client.post(
        PREVIEW, {"chosen_by": "file", "file": SimpleUploadedFile(name, content, "text/csv")}
    )


def start_data(**fields):
    data = {
        "memo_date": "2026-11-01",
        "reason_code": str(ReasonCode.objects.default().pk),
        "comment": "",
        "revenue_impacting": "on",
        "accounting_code": "",
    }
    data.update(fields)
    return data


def test_the_menu_offers_bulk_write_off_only_to_who_may_use_it(client, bulk_client, clerk):
    assert (
        'href="/billing/bulk-write-offs/">Bulk Write-Off</a>'
        in bulk_client.get("/billing/invoices/").content.decode()
    )
    client.force_login(clerk)
    assert "Bulk Write-Off" not in client.get("/billing/invoices/").content.decode()


def test_every_page_needs_a_signed_in_user(client, bulk_clerk):
    job = started_job(bulk_clerk, invoices(1))
    for url in (HOME, f"{HOME}{job.pk}/", f"{HOME}{job.pk}/results.csv"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    for url in (PREVIEW, f"{HOME}{job.pk}/start/", f"{HOME}{job.pk}/cancel/"):
        assert client.post(url).status_code == 302


def test_a_clerk_without_the_bulk_permission_gets_403_and_nothing_is_written(client, bulk_clerk):
    job = started_job(bulk_clerk, invoices(2))
    client.force_login(UserFactory(username="plain", permissions=[VIEW_DOCUMENTS, WRITE_OFF]))

    for url in (HOME, f"{HOME}{job.pk}/", f"{HOME}{job.pk}/results.csv"):
        assert client.get(url).status_code == 403
    assert client.post(PREVIEW, {"currency": "USD"}).status_code == 403
    assert client.post(f"{HOME}{job.pk}/cancel/").status_code == 403
    assert BulkJob.objects.count() == 1
    job.refresh_from_db()
    assert job.status == BulkJob.Status.QUEUED


def test_another_clerks_job_is_not_found_and_left_alone(client, bulk_clerk):
    job = started_job(bulk_clerk, invoices(1))
    other = UserFactory(
        username="other", permissions=[VIEW_DOCUMENTS, WRITE_OFF, "writeoffs.bulk_write_off"]
    )
    client.force_login(other)

    assert client.get(f"{HOME}{job.pk}/").status_code == 404
    assert client.get(f"{HOME}{job.pk}/results.csv").status_code == 404
    assert client.post(f"{HOME}{job.pk}/cancel/").status_code == 404
    assert client.post(f"{HOME}{job.pk}/start/", start_data()).status_code == 404
    for odd in ("99999999", "9" * 30, "-1", "1e3", "%00"):
        assert client.get(f"{HOME}{odd}/").status_code == 404
    job.refresh_from_db()
    assert job.status == BulkJob.Status.QUEUED


def test_choose_by_filter_previews_the_count_and_the_total_per_currency(bulk_client):
    acme = AccountFactory(number="A1")
    invoices(2, amount="1000.50", account=acme)
    invoices(1, amount="300", currency="JPY", account=acme)
    invoices(1, amount="7.00", account=acme, date=datetime.date(2026, 10, 20))  # too late
    invoices(1, amount="9.00")  # another account

    response = bulk_client.post(
        PREVIEW, {"chosen_by": "filter", "account": " A1 ", "date_before": "2026-10-15"}
    )

    job = BulkJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{HOME}{job.pk}/"
    assert job.status == BulkJob.Status.DRAFT
    assert job.chosen_by == "Filter: account A1, document date before 2026-10-15"
    page = text(bulk_client.get(response["Location"]))
    assert "3 documents to write off in full" in page
    assert "The documents" in page
    first = BulkJob.objects.get().items.order_by("position").first().document
    assert f"Invoice {first.number} A1 " in page
    assert "USD 2 2,001.00 USD" in page
    assert "JPY 1 300 JPY" in page
    assert not CreditMemo.objects.exists()


def test_the_filters_by_currency_and_due_date(bulk_client):
    invoices(1, currency="EUR", due_date=datetime.date(2026, 10, 31))
    invoices(1, currency="EUR", due_date=datetime.date(2026, 11, 30))
    invoices(1, currency="USD", due_date=datetime.date(2026, 10, 31))

    bulk_client.post(PREVIEW, {"currency": "eur", "due_before": "2026-11-01"})

    assert BulkJob.objects.get().items.get().document.currency == "EUR"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose at least one filter, so that no document is written off by accident."),
        ({"account": "NOPE"}, "No account is numbered NOPE."),
        ({"currency": "XYZ"}, "Enter an ISO 4217 currency code, such as USD."),
        ({"currency": "\uff35\uff33\uff24"}, "Enter an ISO 4217 currency code, such as USD."),
        ({"currency": "USD\x00"}, "Null characters are not allowed."),
        ({"date_before": "2026-02-30"}, "2026-02-30 is not a date."),
        ({"due_before": "20261101"}, "Write the date as YYYY-MM-DD"),
        ({"account": "A" * 10_000}, "Ensure this value has at most 50 characters"),
        ({"currency": "ZZZ"}, "Enter an ISO 4217 currency code"),
        ({"currency": "GBP"}, "No posted invoice or debit memo with a balance matches."),
    ],
)
def test_a_filter_that_cannot_be_used_is_refused_with_why_and_nothing_is_made(
    bulk_client, data, message
):
    invoices(1)
    response = bulk_client.post(PREVIEW, {"chosen_by": "filter", **data})
    assert response.status_code == 400
    assert message in text(response)
    assert not BulkJob.objects.exists()


def test_a_field_sent_twice_is_refused(bulk_client):
    invoices(1)
    response = bulk_client.post(PREVIEW, {"currency": ["USD", "EUR"]})
    assert response.status_code == 400
    assert "This was sent more than once." in text(response)
    assert not BulkJob.objects.exists()


def test_more_documents_than_a_job_takes_are_refused(bulk_client, monkeypatch):
    from bulk import forms, selectors

    monkeypatch.setattr(selectors, "MAX_DOCUMENTS_PER_JOB", 2)
    monkeypatch.setattr(forms, "MAX_DOCUMENTS_PER_JOB", 2)
    invoices(3)
    response = bulk_client.post(PREVIEW, {"currency": "USD"})
    assert response.status_code == 400
    assert "More than 2 documents match" in text(response)


def test_choose_by_file_keeps_the_files_order(bulk_client):
    first, second = invoices(2)
    response = upload(bulk_client, f"number\n{second.number}\n{first.number}\n".encode())

    job = BulkJob.objects.get()
    assert response.status_code == 302
    assert job.chosen_by == "File: numbers.csv"
    assert list(job.items.order_by("position").values_list("document", flat=True)) == [
        second.pk,
        first.pk,
    ]


def test_a_bad_file_is_refused_line_by_line_and_nothing_is_queued(bulk_client, immediate_tasks):
    (good,) = invoices(1)
    content = f"{good.number}\n=1+2\nINV404\n{good.number}\n".encode()

    response = upload(bulk_client, content)

    assert response.status_code == 400
    page = text(response)
    assert "Line 2: '=1+2' is a spreadsheet formula, not a document number." in page
    assert f"Line 4: {good.number} is also on line 1." in page
    assert not BulkJob.objects.exists()
    assert not CreditMemo.objects.exists()
    good.refresh_from_db()
    assert good.balance > 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00" * 1000, "the file holds the NUL character"),
        (bytes(range(256)) * 10, "the file holds the NUL character"),
        (b"PK\x03\x04" + b"\x00" * 100, "spreadsheet workbook"),
        (b"x" * 500_000, "The file is 0.5 MB"),
        (b"INV404\n", "Line 1: no invoice or debit memo is numbered INV404."),
        (b"", "The submitted file is empty."),
    ],
)
def test_hostile_files_get_a_clear_message_never_a_500(bulk_client, content, message):
    response = upload(bulk_client, content, name="../../etc/passwd\x00.csv")
    assert response.status_code == 400
    assert message in text(response)
    assert not BulkJob.objects.exists()


def test_two_files_at_once_are_refused(bulk_client):
    (document,) = invoices(1)
    files = [SimpleUploadedFile(f"{n}.csv", document.number.encode()) for n in (1, 2)]
    response = bulk_client.post(PREVIEW, {"chosen_by": "file", "file": files})
    assert response.status_code == 400
    assert "This was sent more than once." in text(response)
    assert not BulkJob.objects.exists()


def test_a_good_file_with_an_odd_name_is_kept_by_its_plain_name(bulk_client):
    (document,) = invoices(1)
    name = "../..\\x\x00\x01" + "y" * 400 + ".csv"
    response = upload(bulk_client, document.number.encode(), name=name)
    assert response.status_code == 302
    chosen_by = BulkJob.objects.get().chosen_by
    assert chosen_by.startswith("File: ")
    assert chosen_by.isprintable()
    assert len(chosen_by) <= 300


def test_no_file_at_all_is_refused(bulk_client):
    response = bulk_client.post(PREVIEW, {"chosen_by": "file"})
    assert response.status_code == 400
    assert "This field is required." in text(response)


def test_start_queues_the_job_and_its_page_shows_the_fields(bulk_client, settings):
    settings.TASKS = DUMMY
    invoices(2)
    bulk_client.post(PREVIEW, {"currency": "USD"})
    job = BulkJob.objects.get()

    response = bulk_client.post(f"{HOME}{job.pk}/start/", start_data(comment="Uncollectable"))

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == BulkJob.Status.QUEUED
    assert job.comment == "Uncollectable"
    page = text(bulk_client.get(f"{HOME}{job.pk}/"))
    assert f"Bulk write-off {job.pk} started." in page
    assert "Progress: Queued" in page
    assert "0 of 2 documents processed" in page
    assert "Uncollectable" in page


def test_the_fields_are_refused_next_to_where_they_are_and_nothing_starts(bulk_client):
    AccountingCodeFactory(code="4000", type=AccountingCode.Type.SALES_REVENUE)
    invoices(1)
    bulk_client.post(PREVIEW, {"currency": "USD"})
    job = BulkJob.objects.get()

    response = bulk_client.post(
        f"{HOME}{job.pk}/start/",
        start_data(
            memo_date="2999-01-01",
            reason_code="999999",
            comment="x" * 300,
            revenue_impacting="",
            accounting_code=str(AccountingCode.objects.get(code="4000").pk),
        ),
    )

    assert response.status_code == 400
    page = text(response)
    assert "The write-off date cannot be in the future." in page
    assert "Select a valid choice." in page
    assert "Keep the comment to 255 characters; it has 300." in page
    assert "4000 is not an active BadDebt or OtherExpenses accounting code." in page
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DRAFT


@pytest.mark.parametrize(
    "fields",
    [
        {"memo_date": ["2026-11-01", "2026-11-02"]},
        {"comment": "a\x00b"},
        {"memo_date": "x" * 100_000},
        {"reason_code": "1e3"},
    ],
)
def test_odd_fields_are_refused_with_a_message_never_a_500(bulk_client, fields):
    invoices(1)
    bulk_client.post(PREVIEW, {"currency": "USD"})
    job = BulkJob.objects.get()
    response = bulk_client.post(f"{HOME}{job.pk}/start/", start_data(**fields))
    assert response.status_code == 400
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DRAFT


def test_a_job_runs_to_done_and_its_page_says_so_without_polling(bulk_client, immediate_tasks):
    documents = invoices(3, amount="5.00")
    bulk_client.post(PREVIEW, {"currency": "USD"})
    job = BulkJob.objects.get()
    documents[1].status = "Canceled"
    documents[1].save()

    bulk_client.post(f"{HOME}{job.pk}/start/", start_data())

    response = bulk_client.get(f"{HOME}{job.pk}/", **HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="progress"')
    assert "hx-trigger" not in body  # finished: the page stops asking
    page = text(response)
    assert "Progress: Finished" in page
    assert "3 of 3 documents processed: 2 written off, 1 refused." in page
    assert "USD 3 15.00 USD 10.00 USD" in page
    assert f"Invoice {documents[1].number}" in page
    assert "Only posted documents can be written off" in page


def test_a_running_job_polls_for_its_progress(bulk_client, bulk_clerk):
    job = started_job(bulk_clerk, invoices(3))
    bulk_job_work(job_id=job.pk, limit=1)

    response = bulk_client.get(f"{HOME}{job.pk}/", **HTMX)

    body = response.content.decode()
    assert f'hx-get="{HOME}{job.pk}/" hx-trigger="every 1s"' in body
    assert "1 of 3 documents processed: 1 written off, 0 refused." in text(response)
    assert '<progress class="w-100" id="job-progress" max="3" value="1"' in body


def test_the_job_page_takes_the_same_queries_for_3_or_30_documents(
    bulk_client, bulk_clerk, django_assert_max_num_queries
):
    for count in (3, 30):
        job = started_job(bulk_clerk, invoices(count))
        bulk_job_work(job_id=job.pk)
        with django_assert_max_num_queries(6):
            bulk_client.get(f"{HOME}{job.pk}/")


def test_cancel_stops_the_job_and_says_what_was_left(bulk_client, bulk_clerk):
    job = started_job(bulk_clerk, invoices(3))
    bulk_job_work(job_id=job.pk, limit=1)

    response = bulk_client.post(f"{HOME}{job.pk}/cancel/", follow=True)

    page = text(response)
    assert f"Bulk write-off {job.pk} cancelled: 2 document(s) were not written off." in page
    assert "Progress: Cancelled" in page
    assert "1 of 3 documents processed: 1 written off, 0 refused, 2 not written off" in page
    assert "Cancel job" not in page
    assert CreditMemo.objects.count() == 1


def test_the_results_file_has_every_document_with_its_outcome_safe_for_spreadsheets(
    bulk_client, bulk_clerk
):
    evil = AccountFactory(number="A9", name="=cmd|' /C calc'!A0")
    done, refused = invoices(2, account=evil, amount="1234.50")
    job = started_job(bulk_clerk, [done, refused])
    refused.status = "Canceled"
    refused.save()
    bulk_job_work(job_id=job.pk)

    response = bulk_client.get(f"{HOME}{job.pk}/results.csv")

    def document_columns(position, document):
        name = "'=cmd|' /C calc'!A0"
        return [str(position), "Invoice", document.number, "A9", name, "USD", "1234.50"]

    assert response["Content-Disposition"] == f'attachment; filename="bulk-write-off-{job.pk}.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    memo = job.items.get(status=BulkJobItem.Status.DONE).credit_memo
    assert rows == [
        [
            "position",
            "document type",
            "document number",
            "account number",
            "account name",
            "currency",
            "balance when chosen",
            "outcome",
            "credit memo",
            "written off",
            "refusal code",
            "refusal",
        ],
        [*document_columns(1, done), "Written off", memo.number, "1234.50", "", ""],
        [
            *document_columns(2, refused),
            "Refused",
            "",
            "",
            "not_posted",
            f"Only posted documents can be written off; {refused.number} is Canceled.",
        ],
    ]


def test_a_draft_shows_the_preview_and_start_is_disabled_without_the_write_off_permission(
    client, bulk_clerk
):
    from bulk.services import bulk_job_prepare

    job = bulk_job_prepare(user=bulk_clerk, documents=invoices(1), chosen_by="File: x.csv")
    bulk_clerk.user_permissions.remove(
        bulk_clerk.user_permissions.get(codename="write_off_document")
    )
    client.force_login(bulk_clerk)

    page = client.get(f"{HOME}{job.pk}/").content.decode()
    assert "You do not have permission to write off billing documents." in page
    assert re.search(r'<button type="submit" class="btn btn-primary" disabled', page)
    assert client.post(f"{HOME}{job.pk}/start/", start_data()).status_code == 403


def test_the_home_and_preview_pages_take_the_same_queries_for_few_or_many(
    bulk_client, bulk_clerk, django_assert_max_num_queries
):
    from bulk.services import bulk_job_prepare

    for count in (2, 20):
        started_job(bulk_clerk, invoices(count))
        draft = bulk_job_prepare(user=bulk_clerk, documents=invoices(count), chosen_by="x")
        with django_assert_max_num_queries(4):
            assert bulk_client.get(HOME).status_code == 200
        with django_assert_max_num_queries(11):
            assert bulk_client.get(f"{HOME}{draft.pk}/").status_code == 200


def test_a_job_that_stopped_moving_offers_resume_which_queues_it_again(
    bulk_client, bulk_clerk, settings
):
    settings.TASKS = DUMMY
    job = started_job(bulk_clerk, invoices(3))
    bulk_job_work(job_id=job.pk, limit=1)
    assert "Resume" not in text(bulk_client.get(f"{HOME}{job.pk}/"))
    BulkJobItem.objects.filter(job=job).update(
        finished_at=timezone.now() - datetime.timedelta(minutes=2)
    )

    page = text(bulk_client.get(f"{HOME}{job.pk}/", **HTMX))
    assert "No document of this job has been written off for a minute" in page
    settings.TASKS = IMMEDIATE_TASKS
    response = bulk_client.post(f"{HOME}{job.pk}/resume/", follow=True)

    assert f"Bulk write-off {job.pk} queued again for the workers." in text(response)
    assert "Progress: Finished" in text(response)
    assert "Resume" not in text(response)
    assert CreditMemo.objects.count() == 3


def test_resume_of_an_ended_job_or_anothers_queues_nothing(client, bulk_client, bulk_clerk):
    job = started_job(bulk_clerk, invoices(1))
    bulk_job_work(job_id=job.pk)
    response = bulk_client.post(f"{HOME}{job.pk}/resume/", follow=True)
    assert "queued again" not in text(response)
    client.force_login(UserFactory(username="plain", permissions=[VIEW_DOCUMENTS, WRITE_OFF]))
    assert client.post(f"{HOME}{job.pk}/resume/").status_code == 403
