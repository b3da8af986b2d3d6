"""`python -m bench` (`make bench`): the scale figures next to a bare Django view served
the same way in the same run, as a Markdown table.

Runs against PostgreSQL (DATABASE_URL, by default the database writeoffs_bench on
127.0.0.1, made if missing) and gunicorn with four workers, with DJANGO_DEBUG=0. Files it makes
(static files, wrk scripts, import files, logs) go to `.bench/`.
"""

import argparse
import os
import platform
import secrets
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKDIR = ROOT / ".bench"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/writeoffs_bench"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="The scale figures next to a bare Django view, as a Markdown table.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: 5,000 invoices, one round per figure, small imports",
    )
    parser.add_argument(
        "--full", action="store_true", help="also import 100,000 invoices (several minutes)"
    )
    parser.add_argument("--seconds", type=int, help="wrk's time per round (default 2)")
    parser.add_argument(
        "--only", metavar="TEXT", default="", help="only the figures whose title holds TEXT"
    )
    return parser.parse_args(argv)


def environment() -> dict[str, str]:
    """Production settings as `config.settings` reads them, for this process and the servers
    it starts: no debugging, a secret key thrown away after the run, plain HTTP on 127.0.0.1."""
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_STATIC_ROOT=str(WORKDIR / "static"),
        DJANGO_LOG_LEVEL="WARNING",
    )
    return env


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def prepare(env: dict[str, str], invoices: int):
    """Database, data and static files; returns the dataset."""
    import django
    import psycopg
    from django.core.management import call_command

    from bench import database

    url = env["DATABASE_URL"]
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench: DATABASE_URL must name a PostgreSQL database")
    try:
        database.ensure(url)
    except psycopg.OperationalError as error:
        raise SystemExit(f"bench: cannot reach PostgreSQL ({error})") from None
    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    from bench.data import dataset_load

    say(f"loading data ({invoices:,} invoices; what is there already is kept)")
    dataset = dataset_load(invoices=invoices)
    call_command("collectstatic", interactive=False, verbosity=0)
    return dataset


def git_commit() -> str:
    try:
        command = ["git", "describe", "--always", "--dirty"]
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


def header(bench, elapsed: float) -> str:
    from django.db import connection

    version = connection.cursor().connection.info.server_version
    return (
        f"`python -m bench` on {datetime.now():%Y-%m-%d %H:%M}, commit {git_commit()}: "
        f"gunicorn with 4 workers, PostgreSQL {version // 10000}.{version % 10000}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs "
        f"(load average {os.getloadavg()[0]:.1f} at the end); "
        f"{bench.dataset.invoice_count:,} invoices; wrk with one connection unless said, "
        f"{bench.rounds} round(s) of at least {bench.seconds} s alternating with the control, "
        "after one request per worker; p50 is the median latency. "
        f"The run took {elapsed // 60:.0f} min {elapsed % 60:.0f} s."
    )


def chosen(figures: list, only: str) -> list:
    return [figure for figure in figures if only.lower() in figure.title.lower()]


def served_rows(bench, only: str) -> list:
    """The figures that need the server, while gunicorn runs; signed in as the bench user,
    with an API token revoked when they are done."""
    from django.contrib.auth import get_user_model

    from api.services import api_token_create, api_token_revoke
    from bench import figures, server

    rows = []
    with server.gunicorn(bench.env, WORKDIR / "gunicorn.log") as base_url:
        bench.base_url = base_url
        username, password = bench.dataset.username, bench.dataset.password
        bench.cookies = server.sign_in(base_url, username, password)
        user = get_user_model().objects.get(username=username)
        api_token, bench.api_token = api_token_create(user=user, name="bench")
        for figure in chosen(figures.SERVED, only):
            say(f"measuring {figure.title}")
            rows += figures.figure_rows(figure, bench)
        api_token_revoke(api_token=api_token)
    return rows


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    started = time.monotonic()
    WORKDIR.mkdir(exist_ok=True)
    env = environment()
    os.environ.update(env)
    dataset = prepare(env, invoices=5000 if options.quick else 100_000)

    from bench import figures
    from bench.report import table
    from bench.traffic import wrk_missing

    if missing := wrk_missing():
        say(f"{missing}: every figure measured with wrk will fail")
    sizes = [1000, 4000] if options.quick else [5000, 20000]
    bench = figures.Bench(
        seconds=options.seconds or 2,
        rounds=1 if options.quick else 3,
        samples=3 if options.quick else 7,
        import_sizes=[*sizes, 100_000] if options.full else sizes,
        dataset=dataset,
        env=env,
        workdir=WORKDIR,
    )
    rows = served_rows(bench, options.only)
    for figure in chosen(figures.IN_PROCESS, options.only):
        say(f"measuring {figure.title}")
        rows += figures.figure_rows(figure, bench)
    print(header(bench, time.monotonic() - started))
    print()
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
