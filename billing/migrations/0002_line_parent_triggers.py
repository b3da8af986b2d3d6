"""Database triggers for the line rules that span two rows.

A tax or a discount belongs to a charge, a tax on a discount to a discount, and a parent is on
the same document as its child. A CHECK constraint sees one row only, so these rules are
triggers, written for PostgreSQL and SQLite (the two databases the project runs on).

SQLite drops triggers when Django rebuilds a table: a later migration that alters
`billing_lineitem` must create them again (the constraint tests fail if it does not).
"""

from django.db import migrations

# A child kind and the kind its parent must have, as SQL over the aliases `child` and `parent`.
PARENT_RULE = (
    "((child_kind IN ('tax', 'discount') AND parent_kind = 'charge')"
    " OR (child_kind = 'discount_tax' AND parent_kind = 'discount'))"
)

POSTGRESQL = f"""
CREATE FUNCTION billing_lineitem_check_parent() RETURNS trigger AS $$
BEGIN
    IF NEW.parent_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM billing_lineitem p
        WHERE p.id = NEW.parent_id AND p.document_id = NEW.document_id
          AND {PARENT_RULE.replace("child_kind", "NEW.kind").replace("parent_kind", "p.kind")}
    ) THEN
        RAISE EXCEPTION 'line %: a % must have a parent of the right kind on the same document',
            NEW.id, NEW.kind USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'UPDATE' AND EXISTS (
        SELECT 1 FROM billing_lineitem c
        WHERE c.parent_id = NEW.id AND (
            c.document_id <> NEW.document_id
            OR NOT {PARENT_RULE.replace("child_kind", "c.kind").replace("parent_kind", "NEW.kind")}
        )
    ) THEN
        RAISE EXCEPTION 'line %: its child lines need it to stay a % on its document',
            NEW.id, OLD.kind USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER billing_lineitem_parent
BEFORE INSERT OR UPDATE OF parent_id, kind, document_id ON billing_lineitem
FOR EACH ROW EXECUTE FUNCTION billing_lineitem_check_parent();
"""

POSTGRESQL_REVERSE = """
DROP TRIGGER billing_lineitem_parent ON billing_lineitem;
DROP FUNCTION billing_lineitem_check_parent();
"""

_SQLITE_PARENT_CHECK = f"""
BEGIN
    SELECT RAISE(ABORT, 'a line must have a parent of the right kind on the same document')
    WHERE NOT EXISTS (
        SELECT 1 FROM billing_lineitem p
        WHERE p.id = NEW.parent_id AND p.document_id = NEW.document_id
          AND {PARENT_RULE.replace("child_kind", "NEW.kind").replace("parent_kind", "p.kind")}
    );
END"""

SQLITE = [
    "CREATE TRIGGER billing_lineitem_parent_insert BEFORE INSERT ON billing_lineitem "
    f"WHEN NEW.parent_id IS NOT NULL {_SQLITE_PARENT_CHECK}",
    "CREATE TRIGGER billing_lineitem_parent_update "
    "BEFORE UPDATE OF parent_id, kind, document_id ON billing_lineitem "
    f"WHEN NEW.parent_id IS NOT NULL {_SQLITE_PARENT_CHECK}",
    f"""CREATE TRIGGER billing_lineitem_children_update
    BEFORE UPDATE OF kind, document_id ON billing_lineitem
    BEGIN
        SELECT RAISE(ABORT, 'child lines need this line to stay the same kind on its document')
        WHERE EXISTS (
            SELECT 1 FROM billing_lineitem c
            WHERE c.parent_id = NEW.id AND (
                c.document_id <> NEW.document_id
                OR NOT {PARENT_RULE.replace("child_kind", "c.kind").replace("parent_kind", "NEW.kind")}
            )
        );
    END""",
]

SQLITE_REVERSE = [
    "DROP TRIGGER billing_lineitem_parent_insert",
    "DROP TRIGGER billing_lineitem_parent_update",
    "DROP TRIGGER billing_lineitem_children_update",
]


def statements(vendor: str, *, reverse: bool) -> list[str]:
    if vendor == "postgresql":
        return [POSTGRESQL_REVERSE if reverse else POSTGRESQL]
    if vendor == "sqlite":
        return SQLITE_REVERSE if reverse else SQLITE
    raise NotImplementedError(f"No line triggers are written for {vendor}.")


def create_triggers(apps, schema_editor):
    for sql in statements(schema_editor.connection.vendor, reverse=False):
        schema_editor.execute(sql, params=None)


def drop_triggers(apps, schema_editor):
    for sql in statements(schema_editor.connection.vendor, reverse=True):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
