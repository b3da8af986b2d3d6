"""Seeing billing documents covers debit memos too: the permission is now the billing
document's own `view_billingdocument`, given to every user and group that could see invoices
(`view_invoice`, which they keep for the admin)."""

from django.conf import settings
from django.db import migrations


def grant(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    old = Permission.objects.filter(
        content_type__app_label="billing", codename="view_invoice"
    ).first()
    new = Permission.objects.filter(
        content_type__app_label="billing", codename="view_billingdocument"
    ).first()
    if old is None or new is None:
        return  # a new database: there is no holder yet
    for group in Group.objects.filter(permissions=old):
        group.permissions.add(new)
    for user in User.objects.filter(user_permissions=old):
        user.user_permissions.add(new)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0005_line_parent_statement_trigger"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
