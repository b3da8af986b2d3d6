"""The import figure: `python manage.py import_invoices FILE` on generated C7 files, each into
a fresh copy of a migrated, empty database, timed and weighed (peak RSS) as a child process.

Its control is the same import by the application as it was before the streaming import
(`BEFORE_COMMIT`), timed in the same run on the same files: a rate written down on another
day, or another machine, says nothing about this one.
"""

import io
import json
import subprocess
import sys
import tarfile
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
#: The application before the streaming import: what the import's rate is compared with.
BEFORE_COMMIT = "01d8c24"


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


def import_timed(
    path: Path, invoices: int, env: dict[str, str], workdir: Path, *, project: Path = ROOT
) -> ImportRun:
    """Run the import of the application in `project` as its own process, weighed by
    `bench.rusage`."""
    usage, log = workdir / "import-rusage.json", workdir / "import.log"
    command = [sys.executable, "manage.py", "import_invoices", str(path)]
    started = time.perf_counter()
    with log.open("w") as output:
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "rusage.py"), str(usage), *command],
            cwd=project,
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


def before_checkout(workdir: Path) -> Path:
    """The files of `BEFORE_COMMIT`, taken from git (once) into `workdir/before`."""
    target = workdir / f"before-{BEFORE_COMMIT}"
    if not (target / "manage.py").exists():
        archive = subprocess.run(
            ["git", "archive", "--format=tar", BEFORE_COMMIT],
            cwd=ROOT,
            capture_output=True,
            check=False,
        )
        if archive.returncode != 0:
            raise RuntimeError(
                f"cannot take commit {BEFORE_COMMIT} from git: {archive.stderr.decode()[-200:]}"
            )
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(target, filter="data")
    return target


@dataclass(frozen=True)
class ImportPair:
    """The same file imported by the application now and by the one before."""

    now: ImportRun
    before: ImportRun


def imports_measure(sizes: list[int], env: dict[str, str], workdir: Path) -> list[ImportPair]:
    """Import a file of each size into an empty database, by this application and by the one
    of `BEFORE_COMMIT`, one after the other; the databases are made from migrated templates
    (one for each), named after the bench's own, and the copy is dropped afterwards. Each
    import starts after a checkpoint: the write-ahead log the one before wrote (some 270 MB
    for 100,000 invoices) would otherwise make one fall due in the middle of the next."""
    before = before_checkout(workdir)
    # The application before has no `bench` package: it runs on its own production settings,
    # from the same environment.
    before_env = {**env, "DJANGO_SETTINGS_MODULE": "config.settings"}
    template_url = database.sibling_url(env["DATABASE_URL"], "_import_template")
    before_template_url = database.sibling_url(env["DATABASE_URL"], "_import_before_template")
    scratch_url = database.sibling_url(env["DATABASE_URL"], "_import")
    migrate = [sys.executable, "manage.py", "migrate", "--no-input", "-v0"]
    for url, project, project_env in (
        (template_url, ROOT, env),
        (before_template_url, before, before_env),
    ):
        database.ensure(url)
        subprocess.run(migrate, cwd=project, env={**project_env, "DATABASE_URL": url}, check=True)
    pairs = []
    try:
        for invoices in sizes:
            path = workdir / f"import-{invoices}.json"
            write_file(path, invoices)
            runs = {}
            for name, url, project, project_env in (
                ("before", before_template_url, before, before_env),
                ("now", template_url, ROOT, env),
            ):
                database.copy(scratch_url, template_url=url)
                database.checkpoint(scratch_url)
                scratch_env = {**project_env, "DATABASE_URL": scratch_url}
                runs[name] = import_timed(path, invoices, scratch_env, workdir, project=project)
            pairs.append(ImportPair(**runs))
    finally:
        database.drop(scratch_url)
    return pairs
