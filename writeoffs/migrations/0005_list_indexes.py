"""Indexes for Credit Memos at 100,000 memos and more.

Filtered by reason, the list reads `(reason_code, -number)` in its own order from the cursor
on, with no sort; that index also serves the foreign key, so the key's own index goes.
Filtered by memo date, the bounded count reads `memo_date` instead of the whole table.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("writeoffs", "0004_dialog_keys_to_ledger")]

    operations = [
        migrations.AddIndex(
            model_name="creditmemo",
            index=models.Index(fields=["reason_code", "-number"], name="credit_memo_reason_list"),
        ),
        migrations.AddIndex(
            model_name="creditmemo",
            index=models.Index(fields=["memo_date"], name="credit_memo_date"),
        ),
        migrations.AlterField(
            model_name="creditmemo",
            name="reason_code",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="writeoffs.reasoncode",
            ),
        ),
    ]
