"""The permission to write off many documents at once (SPEC D4), `writeoffs.bulk_write_off`.

It is made here rather than left to the post-migrate signal so that it exists as soon as this
migration has run, and it is given to nobody: an administrator grants it (the demo's `finance`
user gets it from `seed_demo`).
"""

from django.db import migrations

CODENAME, NAME = "bulk_write_off", "Can write off many documents at once"


def create(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label="writeoffs", model="creditmemo")
    Permission.objects.get_or_create(
        content_type=content_type, codename=CODENAME, defaults={"name": NAME}
    )


def remove(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="writeoffs", codename=CODENAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("writeoffs", "0007_credit_memo_reversal"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="creditmemo",
            options={
                "ordering": ["-number"],
                "permissions": [
                    ("write_off_document", "Can write off invoices and debit memos"),
                    ("reverse_write_off", "Can reverse a write-off"),
                    (CODENAME, NAME),
                ],
            },
        ),
        migrations.RunPython(create, remove),
    ]
