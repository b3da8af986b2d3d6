"""Indexes for All Invoices at 100,000 invoices and more.

The search (`?q=`) is Django's `icontains`, which PostgreSQL runs as
`UPPER("number"::text) LIKE UPPER('%...%')`: no b-tree can answer a pattern that starts with
`%`. A GIN index of the trigrams of exactly that expression can (pg_trgm), so there is one on
the document number and one on each of the account's number and name.

They exist on PostgreSQL only, and only here: SQLite has neither GIN nor pg_trgm, and Django
remakes every index in `Meta.indexes` whenever a migration rebuilds an SQLite table, so they
cannot be declared on the models. On SQLite the search reads the table, as it always has.
`TrigramExtension` does nothing on SQLite either. Creating pg_trgm needs the CREATE privilege
on the database (it is a trusted extension since PostgreSQL 13).

The status filter gets an index in the list's order, behind `type` as the list's own.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

# (name, table, column). Written as SQL: `OpClass` in an index expression needs
# django.contrib.postgres installed, which nothing else here would use.
TRIGRAM_INDEXES = [
    ("document_number_trgm", "billing_billingdocument", "number"),
    ("account_number_trgm", "billing_account", "number"),
    ("account_name_trgm", "billing_account", "name"),
]


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in TRIGRAM_INDEXES:
        schema_editor.execute(
            f'CREATE INDEX "{name}" ON "{table}" USING gin (UPPER("{column}"::text) gin_trgm_ops)'
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in TRIGRAM_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("billing", "0003_document_number_routable")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
        migrations.AddIndex(
            model_name="billingdocument",
            index=models.Index(
                fields=["type", "status", "-date", "-number"], name="document_status_list"
            ),
        ),
    ]
