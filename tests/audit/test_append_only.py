"""The trail is append-only: the database itself refuses to change or remove an entry."""

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import Action, AuditEntry
from audit.services import audit_record
from tests.conftest import on_postgresql

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        "not config.getoption('--postgresql')",
        reason="the append-only trigger is PostgreSQL's; set DATABASE_URL=postgres://... to run it",
    ),
]

TABLE = AuditEntry._meta.db_table


@pytest.fixture
def entry():
    return audit_record(Action.SIGN_IN_FAILED, username="someone")


@pytest.mark.parametrize(
    "sql",
    [
        f"UPDATE {TABLE} SET username = 'nobody' WHERE id = %s",
        f"UPDATE {TABLE} SET at = at - interval '1 day' WHERE id = %s",
        f"DELETE FROM {TABLE} WHERE id = %s",
    ],
    ids=["update", "backdate", "delete"],
)
def test_raw_sql_cannot_change_or_delete_an_entry(entry, sql):
    assert on_postgresql()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).username == "someone"


def test_the_orm_cannot_either(entry):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(username="nobody")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk, username="someone").exists()


def test_new_entries_are_still_added(entry):
    audit_record(Action.SIGN_IN_FAILED, username="someone else")
    assert AuditEntry.objects.count() == 2
