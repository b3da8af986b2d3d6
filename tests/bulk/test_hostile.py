"""Bulk Write-Off as a hostile clerk would try it: cells a spreadsheet would run, odd file
names, another clerk's job, double submits and a reversal racing a job."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audit.models import Action, AuditEntry
from bulk.models import BulkJob, BulkJobItem
from bulk.services import bulk_job_work
from tests.bulk.conftest import invoices, started_job
from tests.factories import AccountFactory, write_off
from writeoffs.models import CreditMemo, ReasonCode
from writeoffs.reversals import ReversalProposal, credit_memo_reverse

pytestmark = pytest.mark.django_db

HOME = "/billing/bulk-write-offs/"


@pytest.fixture
def bulk_client(client, bulk_clerk):
    client.force_login(bulk_clerk)
    return client


def results(client, job) -> list[list[str]]:
    response = client.get(f"{HOME}{job.pk}/results.csv")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


@pytest.mark.parametrize(
    "name",
    [
        ' =HYPERLINK("http://evil.example","Pay")',
        "\n=1+1",
        "\t=1+1",
        "  @SUM(A1:A9)",
        "\r-2+3",
    ],
)
def test_the_results_file_neutralises_a_formula_after_spaces_or_a_line_break(
    bulk_client, bulk_clerk, name
):
    account = AccountFactory(number="A1", name=name)
    job = started_job(bulk_clerk, invoices(1, account=account))
    bulk_job_work(job_id=job.pk)

    row = results(bulk_client, job)[1]

    assert row[4] == "'" + name


def test_the_results_file_keeps_plain_names_and_numbers_as_they_are(bulk_client, bulk_clerk):
    account = AccountFactory(number="-12", name="Acme - North")
    job = started_job(bulk_clerk, invoices(1, account=account))
    bulk_job_work(job_id=job.pk)

    row = results(bulk_client, job)[1]

    assert row[3:5] == ["-12", "Acme - North"]


def test_a_ten_megabyte_file_is_refused_as_more_than_the_bound_and_nothing_is_made(bulk_client):
    response = bulk_client.post(
        f"{HOME}preview/",
        {"chosen_by": "file", "file": SimpleUploadedFile("big.csv", b"INV1\n" * 2_000_000)},
    )
    assert response.status_code == 400
    assert "The file is more than 2.6 MB; a list of document numbers is at most 400 KB" in (
        " ".join(response.content.decode().split())
    )
    assert not BulkJob.objects.exists()


def test_a_jobs_start_records_each_currencys_exact_total(bulk_clerk):
    """Added as Decimals, never as SQLite's binary floats, with the amounts' own digits."""
    documents = (
        invoices(3, amount="0.10")
        + invoices(2, amount="1234567890.125", currency="KWD")
        + invoices(2, amount="7", currency="JPY")
    )
    started_job(bulk_clerk, documents)

    (entry,) = AuditEntry.objects.filter(action=Action.BULK_JOB)
    assert entry.data["documents"] == 7
    assert entry.data["totals"] == {"JPY": "14", "KWD": "2469135780.250", "USD": "0.30"}


# A reversal and a bulk job on the same document


def reverse_memo(memo, user):
    return credit_memo_reverse(
        memo=memo,
        user=user,
        proposal=ReversalProposal(
            reversal_date=timezone.localdate(), reason_code=ReasonCode.objects.default()
        ),
    )


def test_a_reversal_after_the_preview_has_the_document_refused_not_written_off_for_more(
    bulk_clerk,
):
    (document,) = invoices(1, amount="100.00", date=datetime.date(2026, 10, 1))
    memo = write_off(document, bulk_clerk, [(document.lines.get(), "30.00")])
    document.refresh_from_db()
    job = started_job(bulk_clerk, [document])  # chosen at 70.00
    bulk_clerk.user_permissions.add(Permission.objects.get(codename="reverse_write_off"))
    reverse_memo(memo, get_user_model().objects.get(pk=bulk_clerk.pk))  # back to 100.00

    bulk_job_work(job_id=job.pk)

    item = job.items.get()
    assert (item.status, item.refusal_code) == (BulkJobItem.Status.REFUSED, "document_changed")
    document.refresh_from_db()
    assert document.balance == Decimal("100.00")
    assert CreditMemo.objects.filter(document=document).count() == 1


def test_a_bulk_write_off_reversed_is_never_written_off_again_by_its_job(bulk_clerk):
    (document,) = invoices(1, amount="100.00", date=datetime.date(2026, 10, 1))
    job = started_job(bulk_clerk, [document])
    bulk_job_work(job_id=job.pk)
    memo = job.items.get().credit_memo
    bulk_clerk.user_permissions.add(Permission.objects.get(codename="reverse_write_off"))
    reverse_memo(memo, get_user_model().objects.get(pk=bulk_clerk.pk))

    BulkJob.objects.filter(pk=job.pk).update(status=BulkJob.Status.RUNNING)  # as if resumed
    bulk_job_work(job_id=job.pk)

    document.refresh_from_db()
    assert document.balance == Decimal("100.00")
    assert CreditMemo.objects.filter(document=document).count() == 1


# What a clerk typed is shown as text


def test_a_file_name_with_markup_is_shown_as_text_on_every_page(bulk_client):
    (document,) = invoices(1)
    name = '<img src=x onerror="alert(1)">.csv'
    response = bulk_client.post(
        f"{HOME}preview/",
        {"chosen_by": "file", "file": SimpleUploadedFile(name, document.number.encode())},
    )
    job = BulkJob.objects.get()
    assert response["Location"] == f"{HOME}{job.pk}/"
    for url in (f"{HOME}{job.pk}/",):
        assert "<img src=x" not in bulk_client.get(url).content.decode()
    started = bulk_client.post(
        f"{HOME}{job.pk}/start/",
        {
            "memo_date": timezone.localdate().isoformat(),
            "reason_code": str(ReasonCode.objects.default().pk),
            "revenue_impacting": "on",
        },
    )
    assert started.status_code == 302
    for url in (HOME, f"{HOME}{job.pk}/"):
        page = bulk_client.get(url).content.decode()
        assert "<img src=x" not in page
        assert "&lt;img src=x" in page


def test_the_results_file_starts_with_a_byte_order_mark_so_that_excel_reads_accents(
    bulk_client, bulk_clerk
):
    account = AccountFactory(number="A1", name="Société Générale Ærø")
    job = started_job(bulk_clerk, invoices(1, account=account))

    response = bulk_client.get(f"{HOME}{job.pk}/results.csv")
    content = b"".join(response.streaming_content)

    assert content.startswith("\ufeffposition,".encode())
    assert "Société Générale Ærø" in content.decode("utf-8-sig")
