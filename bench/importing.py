"""The import figure: `python manage.py import_invoices FILE` on generated C7 files, each into
a fresh copy of a migrated, empty database, timed and weighed (peak RSS) as a child process."""

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bench import database
from bench.server import ROOT

ACCOUNTING_CODES = [
    {"code": "4000", "name": "Subscription Revenue", "type": "SalesRevenue"},
    {"code": "2500", "name": "Deferred Revenue", "type": "DeferredRevenue"},
    {"code": "2200", "name": "Sales Tax Payable", "type": "SalesTaxPayable"},
]
ACCOUNTS = 1000
FIRST_DAY = date(2024, 1, 1)


@dataclass(frozen=True)
class ImportRun:
    invoices: int
    seconds: float
    cpu_seconds: float  # of the import's own process, less moved by other work than `seconds`
    peak_rss: int  # bytes

    @property
    def rate(self) -> float:
        return self.invoices / self.seconds


def _document(index: int) -> dict:
    """An invoice shaped as SPEC C7's example: a charge, its tax, a discount and its tax,
    about 1 KB of JSON, as a real file of 100,000 invoices is (98 MB)."""
    day = FIRST_DAY + timedelta(days=index % 700)
    account = index % ACCOUNTS
    charge = 100 + index % 40 * 5
    return {
        "type": "invoice",
        "number": f"IMP{index:08d}",
        "account": {"number": f"IA{account:06d}", "name": f"Imported Customer {account:04d}"},
        "currency": "USD",
        "date": day.isoformat(),
        "due_date": (day + timedelta(days=30)).isoformat(),
        "status": "Posted",
        "lines": [
            {
                "ref": "c1",
                "kind": "charge",
                "description": "Gold Plan",
                "service_start": day.isoformat(),
                "service_end": (day + timedelta(days=29)).isoformat(),
                "amount": f"{charge}.00",
                "deferred_revenue_code": "2500",
                "revenue_code": "4000",
            },
            {
                "ref": "t1",
                "kind": "tax",
                "parent": "c1",
                "description": "CA State Tax",
                "amount": "8.25",
                "tax_code": "2200",
            },
            {
                "ref": "d1",
                "kind": "discount",
                "parent": "c1",
                "description": "10% Loyalty Discount",
                "amount": "-10.00",
                "deferred_revenue_code": "2500",
            },
            {
                "ref": "dt1",
                "kind": "discount_tax",
                "parent": "d1",
                "description": "CA State Tax on discount",
                "amount": "-0.83",
                "tax_code": "2200",
            },
        ],
    }


def write_file(path: Path, invoices: int) -> None:
    """Written a document at a time, so that making a large file takes little memory."""
    with path.open("w") as file:
        file.write(f'{{"accounting_codes": {json.dumps(ACCOUNTING_CODES)},\n"documents": [\n')
        for index in range(invoices):
            file.write((",\n" if index else "") + json.dumps(_document(index)))
        file.write("\n]}\n")


def import_timed(path: Path, invoices: int, env: dict[str, str], workdir: Path) -> ImportRun:
    """Run the import as its own process, weighed by `bench.rusage`."""
    usage, log = workdir / "import-rusage.json", workdir / "import.log"
    command = [sys.executable, "manage.py", "import_invoices", str(path)]
    started = time.perf_counter()
    with log.open("w") as output:
        subprocess.run(
            [sys.executable, "-m", "bench.rusage", str(usage), *command],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=output,
        )
    seconds = time.perf_counter() - started
    result = json.loads(usage.read_text())
    if result["returncode"] != 0:
        raise RuntimeError(
            f"import_invoices exited {result['returncode']}: {log.read_text()[-300:]}"
        )
    return ImportRun(invoices, seconds, result["cpu_seconds"], result["peak_rss"])


def imports_measure(sizes: list[int], env: dict[str, str], workdir: Path) -> list[ImportRun]:
    """Import a file of each size into an empty database; the databases are made from a
    migrated template, named after the bench's own, and the copy is dropped afterwards."""
    template_url = database.sibling_url(env["DATABASE_URL"], "_import_template")
    scratch_url = database.sibling_url(env["DATABASE_URL"], "_import")
    database.ensure(template_url)
    migrate = [sys.executable, "manage.py", "migrate", "--no-input", "-v0"]
    subprocess.run(migrate, cwd=ROOT, env={**env, "DATABASE_URL": template_url}, check=True)
    runs = []
    try:
        for invoices in sizes:
            path = workdir / f"import-{invoices}.json"
            write_file(path, invoices)
            database.copy(scratch_url, template_url=template_url)
            scratch_env = {**env, "DATABASE_URL": scratch_url}
            runs.append(import_timed(path, invoices, scratch_env, workdir))
    finally:
        database.drop(scratch_url)
    return runs
