"""Bulk Write-Off as a hostile clerk would try it: cells a spreadsheet would run, odd file
names, another clerk's job, double submits and a reversal racing a job."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import Action, AuditEntry
from bulk.models import BulkJob
from bulk.services import bulk_job_work
from tests.bulk.conftest import invoices, started_job
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

HOME = "/billing/bulk-write-offs/"


@pytest.fixture
def bulk_client(client, bulk_clerk):
    client.force_login(bulk_clerk)
    return client


def results(client, job) -> list[list[str]]:
    response = client.get(f"{HOME}{job.pk}/results.csv")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


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
    assert entry.data["totals"] == {"JPY": "14.0000", "KWD": "2469135780.2500", "USD": "0.3000"}
