"""On PostgreSQL, check the parents of inserted lines once per statement instead of once per row.

The row trigger of 0002 ran its PL/pgSQL function for every inserted line, most of the time an
import of many documents spent in the database. A statement trigger sees every line a statement
inserted in a transition table and checks them all in one query, with the same rule and error.
Updates keep the row trigger: PostgreSQL allows no transition table on a trigger limited to some
columns, and such updates touch few rows. SQLite has no statement triggers; its row triggers stay.
"""

from django.db import migrations

POSTGRESQL = """
DROP TRIGGER billing_lineitem_parent ON billing_lineitem;
CREATE TRIGGER billing_lineitem_parent
BEFORE UPDATE OF parent_id, kind, document_id ON billing_lineitem
FOR EACH ROW EXECUTE FUNCTION billing_lineitem_check_parent();

CREATE FUNCTION billing_lineitem_check_new_parents() RETURNS trigger AS $$
DECLARE
    line record;
BEGIN
    SELECT child.id, child.kind INTO line
    FROM new_lines child
    LEFT JOIN billing_lineitem p ON p.id = child.parent_id AND p.document_id = child.document_id
    WHERE child.parent_id IS NOT NULL AND NOT coalesce(
        (child.kind IN ('tax', 'discount') AND p.kind = 'charge')
        OR (child.kind = 'discount_tax' AND p.kind = 'discount'),
        false
    )
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'line %: a % must have a parent of the right kind on the same document',
            line.id, line.kind USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER billing_lineitem_new_parents
AFTER INSERT ON billing_lineitem REFERENCING NEW TABLE AS new_lines
FOR EACH STATEMENT EXECUTE FUNCTION billing_lineitem_check_new_parents();
"""

POSTGRESQL_REVERSE = """
DROP TRIGGER billing_lineitem_new_parents ON billing_lineitem;
DROP FUNCTION billing_lineitem_check_new_parents();
DROP TRIGGER billing_lineitem_parent ON billing_lineitem;
CREATE TRIGGER billing_lineitem_parent
BEFORE INSERT OR UPDATE OF parent_id, kind, document_id ON billing_lineitem
FOR EACH ROW EXECUTE FUNCTION billing_lineitem_check_parent();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [("billing", "0004_list_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
