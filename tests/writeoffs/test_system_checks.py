"""The database check: a role that may not create temporary tables is told before an import
fails on it."""

import pytest
from django.core.management import call_command
from django.db import connection

from tests.conftest import postgresql_privileges
from writeoffs.system_checks import temporary_tables

pytestmark = pytest.mark.django_db


def test_a_role_that_may_create_temporary_tables_passes():
    assert temporary_tables(None, databases=["default"]) == []
    assert temporary_tables(None) == []  # no database named: nothing asked of one
    call_command("check", databases=["default"])


@postgresql_privileges
def test_a_role_refused_temporary_tables_is_warned():
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE writeoffs_check_no_temporary")
        cursor.execute("SELECT quote_ident(current_database())")
        (database,) = cursor.fetchone()
        # Every role has TEMPORARY through PUBLIC; undone with the test's transaction.
        cursor.execute(f"REVOKE TEMPORARY ON DATABASE {database} FROM PUBLIC")
        cursor.execute("SET LOCAL ROLE writeoffs_check_no_temporary")
        try:
            problems = temporary_tables(None, databases=["default"])
        finally:
            cursor.execute("RESET ROLE")

    assert [(problem.id, problem.msg) for problem in problems] == [
        ("writeoffs.W001", "The role of the database 'default' may not create temporary tables.")
    ]
