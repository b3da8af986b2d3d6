import importlib
import os

import pytest
from django.apps import apps
from django.db import connection

from billing.models import VIEW_DOCUMENTS
from tests.factories import UserFactory
from writeoffs.models import WRITE_OFF_PERMISSION

WRITE_OFF = WRITE_OFF_PERMISSION


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


postgresql_only = pytest.mark.skipif(
    "not config.getoption('--postgresql')",
    reason="needs PostgreSQL row locks and real concurrent connections; "
    "set DATABASE_URL=postgres://... to run it",
)

postgresql_copy = pytest.mark.skipif(
    "not config.getoption('--postgresql')",
    reason="the import copies rows in by a thread of its own on PostgreSQL only; "
    "set DATABASE_URL=postgres://... to run it",
)

postgresql_privileges = pytest.mark.skipif(
    "not config.getoption('--postgresql')",
    reason="checks a PostgreSQL privilege; set DATABASE_URL=postgres://... to run it",
)

postgresql_indexes = pytest.mark.skipif(
    "not config.getoption('--postgresql')",
    reason="checks the plans of PostgreSQL-only indexes; set DATABASE_URL=postgres://... to run it",
)


def plan(queryset, *, only_bitmaps=False) -> str:
    """The plan PostgreSQL makes for `queryset` when it may not read a table whole (tiny tables
    are cheapest read whole) nor, with `only_bitmaps`, walk an index filtering every row: what
    is left shows which indexes can answer Django's own SQL."""
    switches = ["enable_seqscan"]
    if only_bitmaps:
        switches += ["enable_indexscan", "enable_indexonlyscan"]
    with connection.cursor() as cursor:
        for switch in switches:
            cursor.execute(f"SET LOCAL {switch} = off")
        try:
            return queryset.explain()
        finally:
            for switch in switches:
                cursor.execute(f"SET LOCAL {switch} = on")


def pytest_addoption(parser):
    parser.addoption(
        "--postgresql",
        action="store_true",
        default=os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
        help="run the PostgreSQL-only tests (on by default when DATABASE_URL is PostgreSQL)",
    )


_skipped = []


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    """With REQUIRE_NO_SKIPS=1 (set by CI) a skipped test fails the run: in CI the PostgreSQL
    and browser tests must really run."""
    if os.environ.get("REQUIRE_NO_SKIPS") == "1" and _skipped:
        print(f"\nREQUIRE_NO_SKIPS=1 but {len(_skipped)} tests were skipped:")
        for nodeid in _skipped:
            print(f"  {nodeid}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def clerk(db):
    """A finance clerk who may see invoices and write them off."""
    return UserFactory(username="clerk", permissions=[VIEW_DOCUMENTS, WRITE_OFF])


@pytest.fixture
def viewer(db):
    """A user who may see invoices but not write them off."""
    return UserFactory(username="viewer", permissions=[VIEW_DOCUMENTS])


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Real hashing costs a third of a second per user; tests don't need its strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def reference_data(request):
    """Put back what the data migrations made (reason codes, the write-off settings, the memo
    counter) before each transactional test: the flush after such a test removes those rows."""
    marker = request.node.get_closest_marker("django_db")
    if not (marker and marker.kwargs.get("transaction")):
        return
    request.getfixturevalue("transactional_db")
    for name in ("0002_reason_codes_and_settings", "0007_credit_memo_reversal"):
        importlib.import_module(f"writeoffs.migrations.{name}").create(apps, schema_editor=None)
