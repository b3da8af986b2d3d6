"""The request keys the dialog stored on credit memos move into the key ledger, as their
creator's dialog keys; then the memo's own column goes."""

from django.db import migrations


def copy_to_ledger(apps, schema_editor):
    CreditMemo = apps.get_model("writeoffs", "CreditMemo")
    RequestKey = apps.get_model("writeoffs", "RequestKey")
    memos = CreditMemo.objects.filter(request_key__isnull=False, ledger_entry__isnull=True)
    for memo in memos.order_by("pk").iterator():
        RequestKey.objects.get_or_create(
            user_id=memo.created_by_id,
            channel="dialog",
            key=memo.request_key,
            defaults={"fingerprint": "", "created": memo.created_at, "credit_memo": memo},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("writeoffs", "0003_request_key_ledger"),
        ("api", "0002_idempotency_records_to_ledger"),
    ]

    operations = [
        migrations.RunPython(copy_to_ledger, migrations.RunPython.noop),
        migrations.RemoveField(model_name="creditmemo", name="request_key"),
    ]
