"""Writing off covers debit memos too: the permission `write_off_invoice` becomes
`write_off_document`, renamed in place so that every user and group holding it keeps it."""

from django.db import migrations

NEW = ("write_off_document", "Can write off invoices and debit memos")
OLD = ("write_off_invoice", "Can write off invoices")


def rename(apps, schema_editor, old=OLD, new=NEW):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="writeoffs", codename=old[0]).update(
        codename=new[0], name=new[1]
    )


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, old=NEW, new=OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("writeoffs", "0005_list_indexes"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="creditmemo",
            options={
                "ordering": ["-number"],
                "permissions": [NEW],
            },
        ),
        migrations.RunPython(rename, rename_back),
    ]
