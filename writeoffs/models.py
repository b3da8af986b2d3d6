"""Reason codes, credit memos and the write-off settings of the tenant."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from billing.models import AccountingCode, BillingDocument, LineItem, money_field


class ReasonCode(models.Model):
    name = models.CharField(max_length=100, unique=True)
    active = models.BooleanField(default=True)
    is_default = models.BooleanField(
        "default",
        default=False,
        help_text="Preselected in the Write Off Invoice dialog; exactly one reason is the default.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="reason_code_one_default",
                violation_error_message="Another reason code is the default already.",
            ),
            models.CheckConstraint(
                condition=Q(is_default=False) | Q(active=True),
                name="reason_code_default_is_active",
                violation_error_message="The default reason code must be active.",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="reason_code_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


class WriteOffSettings(models.Model):
    """The tenant's write-off switches: a single row, made by a migration, changed in the admin."""

    enhanced_write_off = models.BooleanField(
        default=True,
        help_text="On: a write-off may be booked to a bad-debt or other expense code instead of "
        "revenue (the Revenue Impacting switch). Off: every write-off is revenue impacting.",
    )

    class Meta:
        verbose_name = "write-off settings"
        verbose_name_plural = "write-off settings"
        constraints = [models.CheckConstraint(condition=Q(id=1), name="write_off_settings_single")]

    def __str__(self) -> str:
        return "Write-off settings"

    @classmethod
    def load(cls) -> "WriteOffSettings":
        return cls.objects.get_or_create(pk=1)[0]


class NumberSequence(models.Model):
    """A gapless counter. Its row is locked by the transaction that takes a number, so a number
    is only used up when that transaction commits; a database sequence would leave gaps on
    rollback and `MAX()+1` would collide under concurrency."""

    name = models.CharField(max_length=32, primary_key=True)
    last_value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_value}"


class CreditMemoStatus(models.TextChoices):
    POSTED = "Posted", "Posted"


class CreditMemo(models.Model):
    Status = CreditMemoStatus

    number = models.CharField(max_length=20, unique=True)
    document = models.ForeignKey(
        BillingDocument, on_delete=models.PROTECT, related_name="credit_memos"
    )
    memo_date = models.DateField()
    reason_code = models.ForeignKey(ReasonCode, on_delete=models.PROTECT, related_name="+")
    comment = models.CharField(max_length=255, blank=True)
    revenue_impacting = models.BooleanField()
    status = models.CharField(max_length=16, choices=Status, default=Status.POSTED)
    total = money_field()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    request_key = models.CharField(
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text="Set by the form or request that made the memo, so a repeat makes no second one.",
    )

    class Meta:
        ordering = ["-number"]
        permissions = [("write_off_invoice", "Can write off invoices")]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="credit_memo_total_positive"),
            models.CheckConstraint(
                condition=Q(status__in=CreditMemoStatus.values), name="credit_memo_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(number__startswith="CM"), name="credit_memo_number_prefix"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def currency(self) -> str:
        return self.document.currency


class CreditMemoItem(models.Model):
    memo = models.ForeignKey(CreditMemo, on_delete=models.PROTECT, related_name="items")
    source_line = models.ForeignKey(LineItem, on_delete=models.PROTECT, related_name="+")
    amount = money_field(help_text="Signed as the source line: negative for discounts.")
    accounting_code = models.ForeignKey(AccountingCode, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["memo", "source_line__position"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="credit_memo_item_not_zero"),
            models.UniqueConstraint(
                fields=["memo", "source_line"], name="credit_memo_item_line_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.memo} {self.source_line}"
