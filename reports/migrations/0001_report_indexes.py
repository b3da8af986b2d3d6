"""Indexes for the Write-Off Report (SPEC D3) on the tables it reads, which belong to
`writeoffs` (credit memos and their items) and `billing` (documents).

They are made here, by the app that needs them, so that those apps carry no migration of the
report's; Django's model state does not know them (as it does not know the search's trigram
indexes of `billing` 0004), so `makemigrations` never proposes to drop them. A migration that
rebuilds one of these tables must keep them.

- `report_memo_reversal_number` (reversal date, number), of reversed memos only: a period's
  reversals, which no index found by date before, in the CSV's order (so that its first rows
  are sent at once rather than after a sort of every row).
- `report_memo_date_number` (memo date, number): a period's write-offs in the CSV's order (the
  memo date index of `writeoffs` 0005 gives most of that already).
- On PostgreSQL both also carry (INCLUDE) what the totals read of a memo, and two more let the
  totals of a month read indexes alone rather than whole tables (measured at a million memo
  items by `bench/write_off_report.py`: the SQL of a month's page in about 40% of the time):
  `report_item_memo`, a memo's items with their amounts and accounting codes, and
  `report_document_currency`, a document's currency and account by its id. SQLite has no
  INCLUDE; it gets the first two as plain indexes.
"""

from django.db import migrations

MEMO_COLUMNS = "INCLUDE (id, document_id, reason_code_id, revenue_impacting)"

POSTGRESQL = {
    "report_memo_date_number": (
        f"CREATE INDEX report_memo_date_number ON writeoffs_creditmemo (memo_date, number) "
        f"{MEMO_COLUMNS}"
    ),
    "report_memo_reversal_number": (
        f"CREATE INDEX report_memo_reversal_number ON writeoffs_creditmemo "
        f"(reversal_date, number) {MEMO_COLUMNS} WHERE reversal_date IS NOT NULL"
    ),
    "report_item_memo": (
        "CREATE INDEX report_item_memo ON writeoffs_creditmemoitem (memo_id) "
        "INCLUDE (amount, accounting_code_id)"
    ),
    "report_document_currency": (
        "CREATE INDEX report_document_currency ON billing_billingdocument (id) "
        "INCLUDE (currency, account_id)"
    ),
}
SQLITE = {
    "report_memo_date_number": (
        "CREATE INDEX report_memo_date_number ON writeoffs_creditmemo (memo_date, number)"
    ),
    "report_memo_reversal_number": (
        "CREATE INDEX report_memo_reversal_number ON writeoffs_creditmemo "
        "(reversal_date, number) WHERE reversal_date IS NOT NULL"
    ),
}


def _indexes(schema_editor) -> dict[str, str]:
    return POSTGRESQL if schema_editor.connection.vendor == "postgresql" else SQLITE


def forwards(apps, schema_editor):
    for statement in _indexes(schema_editor).values():
        schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    for name in _indexes(schema_editor):
        schema_editor.execute(f"DROP INDEX {name}", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0006_view_billing_documents"),
        ("writeoffs", "0007_credit_memo_reversal"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
