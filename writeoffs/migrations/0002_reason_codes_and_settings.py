"""The reason codes Zuora ships for credit memos, the tenant settings row and the memo counter."""

from django.db import migrations

DEFAULT_REASON = "Write-off"
OTHER_REASONS = [
    "Correcting Invoice Error",
    "Ad hoc Credit",
    "Charge Dispute",
    "Invoice Reversal",
    "Service Unavailable",
    "Unsatisfactory Service",
]


def create(apps, schema_editor):
    ReasonCode = apps.get_model("writeoffs", "ReasonCode")
    ReasonCode.objects.get_or_create(name=DEFAULT_REASON, defaults={"is_default": True})
    for name in OTHER_REASONS:
        ReasonCode.objects.get_or_create(name=name)
    apps.get_model("writeoffs", "WriteOffSettings").objects.get_or_create(pk=1)
    apps.get_model("writeoffs", "NumberSequence").objects.get_or_create(name="credit_memo")


class Migration(migrations.Migration):
    dependencies = [("writeoffs", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
