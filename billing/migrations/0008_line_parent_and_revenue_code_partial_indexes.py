"""A line's parent and its revenue code are indexed only where they are set: a charge has no
parent, and only a charge has a revenue code, so the full indexes held a NULL for a quarter and
three quarters of the lines, and every line inserted updated both. A look-up by either (a
foreign key's check, Django's PROTECT) names a value, which no NULL matches, and uses them.

The old indexes are dropped by name (the same on PostgreSQL and SQLite), as in 0007: letting
Django alter the fields would rebuild the table on SQLite and lose the line triggers of 0002.
"""

import django.db.models.deletion
from django.db import migrations, models

OLD_INDEXES = {
    "parent_id": "billing_lineitem_parent_id_0a12f5e3",
    "revenue_code_id": "billing_lineitem_revenue_code_id_03bf0c4f",
}


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0007_line_document_index_from_position_constraint"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="lineitem",
                    name="parent",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="children",
                        to="billing.lineitem",
                    ),
                ),
                migrations.AlterField(
                    model_name="lineitem",
                    name="revenue_code",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="billing.accountingcode",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{index}"',
                    reverse_sql=f'CREATE INDEX "{index}" ON "billing_lineitem" ("{column}")',
                )
                for column, index in OLD_INDEXES.items()
            ],
        ),
        migrations.AddIndex(
            model_name="lineitem",
            index=models.Index(
                condition=models.Q(("parent__isnull", False)), fields=["parent"], name="line_parent"
            ),
        ),
        migrations.AddIndex(
            model_name="lineitem",
            index=models.Index(
                condition=models.Q(("revenue_code__isnull", False)),
                fields=["revenue_code"],
                name="line_revenue_code",
            ),
        ),
    ]
