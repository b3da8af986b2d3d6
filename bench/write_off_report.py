"""`python -m bench.write_off_report` (`make bench-report`): the Write-Off Report (SPEC D3) at
10,000 and at 1,000,000 memo items on PostgreSQL, as one Markdown table.

For each size it makes (once; later runs reuse it) the database `writeoffs_report_bench_<items>`
beside `BENCH_REPORT_DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/
writeoffs_report_bench), migrates it and fills it by `generate_series` (`bench/report_data.py`).
Then, with production settings (`bench.settings`, DJANGO_DEBUG=0):

- in this process, through Django's test client, the SQL queries of each page and of the CSV;
- through `gunicorn config.wsgi` with one sync worker (`--timeout 0`, see the README), signed
  in through the login page: each page's time (the median of `--requests` requests after one
  to warm up), and the CSV of every item: its time to the first byte and to the last, its rows
  and size, and the worker's peak resident memory (VmHWM, from /proc) before and after it.

It is not part of `make test`: timings belong in a benchmark, not in tests.
"""

import argparse
import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
WORKDIR = ROOT / ".bench"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/writeoffs_report_bench"
SIZES = (10_000, 1_000_000)
PAGE = "/billing/reports/write-offs/"
CSV = "/billing/reports/write-offs/csv/"


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def pages(reason_pk: int) -> dict[str, str]:
    """The report pages measured, by title: their query strings."""
    from bench.report_data import ONE_MONTH, WHOLE_PERIOD

    month = {"date_from": ONE_MONTH[0], "date_to": ONE_MONTH[1]}
    whole = {"date_from": WHOLE_PERIOD[0], "date_to": WHOLE_PERIOD[1]}
    return {
        "page, one month": urlencode(month),
        "page, two years (every item)": urlencode(whole),
        "page, two years, one account": urlencode({**whole, "account": "RA000417"}),
        "page, two years, one reason": urlencode({**whole, "reason_code": reason_pk}),
        "page, two years, EUR not revenue impacting": urlencode(
            {**whole, "currency": "EUR", "revenue_impacting": "no"}
        ),
    }


# The child: database, data, and what is counted in process.


def prepare(items: int, *, indexes: bool = True) -> dict:
    """Run in a child whose DATABASE_URL names this size's database: make and fill it if need
    be, count each page's queries, and give the bench user a new password. Without `indexes`
    the report's migration is undone (and done again by the next run with them). Returns JSON."""
    import django
    from django.core.management import call_command

    from bench import database

    database.ensure(os.environ["DATABASE_URL"])
    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    if not indexes:
        call_command("migrate", "reports", "zero", interactive=False, verbosity=0)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench import report_data
    from writeoffs.models import ReasonCode

    loaded, load_seconds = report_data.items_loaded(), None
    if loaded == 0:
        say(f"loading {items:,} memo items (once)")
        started = time.monotonic()
        report_data.load(items)
        load_seconds = time.monotonic() - started
    elif loaded != items:
        raise SystemExit(f"bench: the database holds {loaded:,} memo items, not {items:,}")
    call_command("collectstatic", interactive=False, verbosity=0)

    password = secrets.token_urlsafe(16)
    user = get_user_model().objects.get(username=report_data.USERNAME)
    user.set_password(password)
    user.save()
    reason = ReasonCode.objects.get(name="Charge Dispute").pk
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    queries = {}
    for title, query in pages(reason).items():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"{PAGE}?{query}")
        assert response.status_code == 200, (title, response.status_code)
        queries[title] = len(captured)
    month = pages(reason)["page, one month"]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"{CSV}?{month}")
        rows = sum(piece.count(b"\n") for piece in response.streaming_content) - 1
    queries["CSV, one month"] = len(captured)
    return {
        "password": password,
        "username": report_data.USERNAME,
        "reason": reason,
        "queries": queries,
        "month_csv_rows": rows,
        "load_seconds": load_seconds,
    }


# The server: gunicorn with one worker, whose memory is read from /proc.


def _worker_pid(master: int) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("gunicorn started no worker")


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/{pid}/status")


@dataclass
class Download:
    rows: int
    octets: int
    first_byte: float
    seconds: float


def download(base_url: str, path: str, cookie: str) -> Download:
    """GET `path`, reading the body as it streams and keeping none of it."""
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=3600)
    started = time.monotonic()
    connection.request("GET", path, headers={"Cookie": cookie, "Accept-Encoding": "identity"})
    response = connection.getresponse()
    if response.status != 200:
        raise RuntimeError(f"GET {path} answered {response.status}")
    first_byte, octets, lines = None, 0, 0
    while chunk := response.read(1 << 16):
        first_byte = first_byte or time.monotonic() - started
        octets += len(chunk)
        lines += chunk.count(b"\n")
    connection.close()
    return Download(lines - 1, octets, first_byte or 0.0, time.monotonic() - started)


def page_seconds(base_url: str, path: str, cookie: str, requests: int) -> float:
    host, port = base_url.removeprefix("http://").split(":")
    times = []
    for attempt in range(requests + 1):
        connection = http.client.HTTPConnection(host, int(port), timeout=600)
        started = time.monotonic()
        connection.request("GET", path, headers={"Cookie": cookie, "Accept-Encoding": "gzip"})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path} answered {response.status}")
        if attempt:  # the first warms the worker up
            times.append(time.monotonic() - started)
        connection.close()
    return statistics.median(times)


def measure_served(env: dict[str, str], prepared: dict, requests: int, log: Path) -> dict:
    from bench.server import cookie_header, free_port, sign_in

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        "--workers=1",
        "--timeout=0",
        f"--bind=127.0.0.1:{port}",
    ]
    with log.open("w") as output:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
    try:
        _wait(base_url, server, log)
        worker = _worker_pid(server.pid)
        cookie = cookie_header(sign_in(base_url, prepared["username"], prepared["password"]))
        from bench.report_data import WHOLE_PERIOD

        whole = urlencode({"date_from": WHOLE_PERIOD[0], "date_to": WHOLE_PERIOD[1]})
        before = _status_kb(worker, "VmHWM")
        csv = download(base_url, f"{CSV}?{whole}", cookie)
        after = _status_kb(worker, "VmHWM")
        times = {
            title: page_seconds(base_url, f"{PAGE}?{query}", cookie, requests)
            for title, query in pages(prepared["reason"]).items()
        }
        return {"csv": csv.__dict__, "rss_before_kb": before, "rss_after_kb": after, **times}
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait(base_url: str, server: subprocess.Popen, log: Path) -> None:
    from bench.traffic import Request, send
    from bench.urls import BARE_PATH

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn stopped:\n{log.read_text()[-2000:]}")
        try:
            if send(base_url, Request(BARE_PATH), timeout=5).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 60 s")


# The table.


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.1 else f"{seconds * 1000:,.1f} ms"


def _mb(kb: int) -> str:
    return f"{kb / 1024:,.0f} MB"


def table(results: dict[int, dict]) -> str:
    sizes = list(results)
    head = "| figure | " + " | ".join(f"{size:,} items" for size in sizes) + " |"
    lines = [head, "| --- |" + " --- |" * len(sizes)]

    def row(title: str, cell) -> None:
        lines.append(f"| {title} | " + " | ".join(cell(results[size]) for size in sizes) + " |")

    first = results[sizes[0]]
    for title in first["queries"]:
        if title.startswith("page"):
            row(
                f"{title}: median time · queries",
                lambda r, t=title: f"{_ms(r['served'][t])} · {r['queries'][t]}",
            )
    row("CSV, one month: queries", lambda r: str(r["queries"]["CSV, one month"]))
    row(
        "CSV, every item: rows · size",
        lambda r: f"{r['served']['csv']['rows']:,} · {r['served']['csv']['octets'] / 1e6:,.1f} MB",
    )
    row(
        "CSV, every item: first byte · whole",
        lambda r: (
            f"{_ms(r['served']['csv']['first_byte'])} · "
            f"{r['served']['csv']['seconds']:,.1f} s "
            f"({r['served']['csv']['rows'] / r['served']['csv']['seconds']:,.0f} rows/s)"
        ),
    )
    row(
        "CSV, every item: worker peak RSS before → after",
        lambda r: f"{_mb(r['served']['rss_before_kb'])} → {_mb(r['served']['rss_after_kb'])}",
    )
    row(
        "data made by generate_series (first run only)",
        lambda r: f"{r['load_seconds']:,.0f} s" if r["load_seconds"] else "(kept)",
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.write_off_report", description=__doc__)
    parser.add_argument("--items", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--requests", type=int, default=5, help="timed requests per page")
    parser.add_argument(
        "--without-indexes",
        action="store_true",
        help="measure without the report's indexes (reports migration 0001 undone)",
    )
    parser.add_argument("--prepare", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.prepare:
        print(json.dumps(prepare(options.prepare, indexes=not options.without_indexes)))
        return 0

    from bench.__main__ import environment
    from bench.database import sibling_url

    WORKDIR.mkdir(exist_ok=True)
    base_url = os.environ.get("BENCH_REPORT_DATABASE_URL", DEFAULT_DATABASE_URL)
    # Settings for what this process imports (the server helpers); it queries no database.
    os.environ.update(environment())
    import django

    django.setup()
    started = time.monotonic()
    results = {}
    for items in options.items:
        env = {**environment(), "DATABASE_URL": sibling_url(base_url, f"_{items}")}
        say(f"{items:,} items: preparing {env['DATABASE_URL']}")
        flags = ["--without-indexes"] if options.without_indexes else []
        child = subprocess.run(
            [sys.executable, "-m", "bench.write_off_report", "--prepare", str(items), *flags],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        )
        prepared = json.loads(child.stdout.strip().splitlines()[-1])
        say(f"{items:,} items: serving and measuring")
        log = WORKDIR / f"gunicorn-report-{items}.log"
        served = measure_served(env, prepared, options.requests, log)
        results[items] = {**prepared, "served": served}
    import platform

    import psycopg

    with psycopg.connect(sibling_url(base_url, f"_{options.items[0]}")) as connection:
        version = connection.info.server_version
    print(
        f"`python -m bench.write_off_report` on {time.strftime('%Y-%m-%d %H:%M')}: PostgreSQL "
        f"{version // 10000}.{version % 10000}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.1f} at the end); gunicorn "
        f"with one sync worker; page times are the median of {options.requests} requests "
        f"after one{"; without the report's indexes" if options.without_indexes else ''}. "
        f"The run took {time.monotonic() - started:,.0f} s."
    )
    print()
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
