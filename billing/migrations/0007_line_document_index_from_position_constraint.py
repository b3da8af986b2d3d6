"""A line's document has no index of its own: the unique constraint on (document, position)
starts with the document and serves every look-up by document.

Only the index is dropped, by name (the same on PostgreSQL and SQLite): letting Django alter the
field would rebuild the table on SQLite and lose the line triggers of 0002.
"""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "billing_lineitem_document_id_2a716175"


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0006_view_billing_documents"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="lineitem",
                    name="document",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="lines",
                        to="billing.billingdocument",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX "{INDEX}" ON "billing_lineitem" ("document_id")',
                ),
            ],
        ),
    ]
