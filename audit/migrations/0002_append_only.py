"""The audit trail is append-only: on PostgreSQL a trigger refuses UPDATE and DELETE of its
rows, whoever asks (the application, the shell, psql). TRUNCATE, which only the table's owner
may run and which the test suite uses to empty tables, is left to the database's privileges.

SQLite, the embedded database of a local demo, gets no trigger: Django empties tables there
with DELETE between tests.
"""

from django.db import migrations

POSTGRESQL = """
CREATE FUNCTION audit_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % of an entry is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_auditentry_append_only
BEFORE UPDATE OR DELETE ON audit_auditentry
FOR EACH ROW EXECUTE FUNCTION audit_auditentry_append_only();
"""

POSTGRESQL_REVERSE = """
DROP TRIGGER audit_auditentry_append_only ON audit_auditentry;
DROP FUNCTION audit_auditentry_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
