"""A document's number is unique by a constraint of the model's rather than by `unique=True`:
on PostgreSQL a unique text field brings a second index besides its constraint's, in
`varchar_pattern_ops`, for `LIKE 'INV%'`. No query asks that of a document number (the search
reads the number's trigrams, 0004; every other look-up names the whole number), and every
document inserted updated it: a twentieth of the database's work in an import.

The constraint's index stays as it is, renamed; only the pattern index is dropped. SQLite keeps
the column's own UNIQUE, which the constraint stands for: letting Django alter the field would
rebuild the table there.
"""

from django.db import migrations, models

TABLE = "billing_billingdocument"
#: Django's names (the same on every database): `unique=True`'s pattern index on PostgreSQL,
#: and PostgreSQL's own name for the column's UNIQUE.
PATTERN_INDEX = "billing_billingdocument_number_fa55dcde_like"
OLD_CONSTRAINT = "billing_billingdocument_number_key"
CONSTRAINT = "document_number_unique"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX IF EXISTS "{PATTERN_INDEX}"')
    schema_editor.execute(
        f'ALTER TABLE "{TABLE}" RENAME CONSTRAINT "{OLD_CONSTRAINT}" TO "{CONSTRAINT}"'
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f'ALTER TABLE "{TABLE}" RENAME CONSTRAINT "{CONSTRAINT}" TO "{OLD_CONSTRAINT}"'
    )
    schema_editor.execute(
        f'CREATE INDEX "{PATTERN_INDEX}" ON "{TABLE}" ("number" varchar_pattern_ops)'
    )


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0008_line_parent_and_revenue_code_partial_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="billingdocument",
                    name="number",
                    field=models.CharField(max_length=50),
                ),
                migrations.AddConstraint(
                    model_name="billingdocument",
                    constraint=models.UniqueConstraint(fields=["number"], name=CONSTRAINT),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
