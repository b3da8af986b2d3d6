import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("writeoffs", "0002_reason_codes_and_settings"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="RequestKey",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "channel",
                    models.CharField(
                        choices=[("dialog", "Dialog"), ("api", "API"), ("bulk", "Bulk write-off")],
                        max_length=16,
                    ),
                ),
                ("key", models.CharField(max_length=255)),
                (
                    "fingerprint",
                    models.CharField(
                        help_text="SHA-256 of what was asked, so a key cannot be reused for more.",
                        max_length=64,
                    ),
                ),
                ("created", models.DateTimeField()),
                (
                    "completed",
                    models.BooleanField(
                        default=False,
                        help_text="The API's first response is kept below, to be replayed.",
                    ),
                ),
                ("response_status", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("response_body", models.JSONField(blank=True, null=True)),
                (
                    "credit_memo",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="ledger_entry",
                        to="writeoffs.creditmemo",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("user", "channel", "key"),
                        name="request_key_once_per_user_and_channel",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("channel__in", ["dialog", "api", "bulk"])),
                        name="request_key_channel_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("completed", False),
                            models.Q(
                                ("response_body__isnull", False), ("response_status__isnull", False)
                            ),
                            _connector="OR",
                        ),
                        name="request_key_completed_has_response",
                    ),
                ],
            },
        ),
    ]
