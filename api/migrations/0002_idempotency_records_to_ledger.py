"""The API's idempotency records move into the one key ledger, `writeoffs.RequestKey`.

A record's memo was the one whose request key was `api-<record id>`, made by the record's user.
"""

from django.db import migrations


def copy_to_ledger(apps, schema_editor):
    IdempotencyRecord = apps.get_model("api", "IdempotencyRecord")
    RequestKey = apps.get_model("writeoffs", "RequestKey")
    CreditMemo = apps.get_model("writeoffs", "CreditMemo")
    for record in IdempotencyRecord.objects.order_by("pk").iterator():
        memo = CreditMemo.objects.filter(
            request_key=f"api-{record.pk}", created_by_id=record.user_id
        ).first()
        RequestKey.objects.create(
            user_id=record.user_id,
            channel="api",
            key=record.key,
            fingerprint=record.request_hash,
            created=record.created,
            credit_memo=memo,
            completed=record.completed,
            response_status=record.status_code,
            response_body=record.response,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        ("writeoffs", "0003_request_key_ledger"),
    ]

    operations = [
        migrations.RunPython(copy_to_ledger, migrations.RunPython.noop),
        migrations.DeleteModel(name="IdempotencyRecord"),
    ]
