"""Reason codes, credit memos and the write-off settings of the tenant."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from billing.models import AccountingCode, BillingDocument, LineItem, money_field

#: Who may write off a billing document (SPEC C4); declared in `CreditMemo.Meta.permissions`.
#: It was `writeoffs.write_off_invoice` before debit memos: a migration renamed it in place, so
#: its holders kept it.
WRITE_OFF_PERMISSION = "writeoffs.write_off_document"
#: Who may reverse a write-off (SPEC D2): apart from writing off, so that writing off and
#: undoing can be given to different people.
REVERSE_PERMISSION = "writeoffs.reverse_write_off"
#: Who may write off many documents at once as a background job (SPEC D4); held by nobody
#: until given, and used together with `WRITE_OFF_PERMISSION`.
BULK_WRITE_OFF_PERMISSION = "writeoffs.bulk_write_off"
MAX_COMMENT_LENGTH = 255  # SPEC W4


class ReasonCodeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def default(self) -> "ReasonCode | None":
        """The one default reason code (a constraint keeps it active), or None."""
        return self.filter(is_default=True).first()


class ReasonCode(models.Model):
    name = models.CharField(max_length=100, unique=True)
    active = models.BooleanField(default=True)
    is_default = models.BooleanField(
        "default",
        default=False,
        help_text="Preselected in the Write Off Invoice dialog; exactly one reason is the default.",
    )

    objects = ReasonCodeQuerySet.as_manager()

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
    REVERSED = "Reversed", "Reversed"


class CreditMemo(models.Model):
    Status = CreditMemoStatus

    number = models.CharField(max_length=20, unique=True)
    document = models.ForeignKey(
        BillingDocument, on_delete=models.PROTECT, related_name="credit_memos"
    )
    memo_date = models.DateField()
    # Indexed as the first column of `credit_memo_reason_list` rather than on its own.
    reason_code = models.ForeignKey(
        ReasonCode, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    comment = models.CharField(max_length=MAX_COMMENT_LENGTH, blank=True)
    revenue_impacting = models.BooleanField()
    status = models.CharField(max_length=16, choices=Status, default=Status.POSTED)
    total = money_field()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The reversal (SPEC D2): the debit memo that reversed the write-off, and who did it, when
    # and why. Set together with the status Reversed, never changed afterwards.
    reversing_debit_memo = models.OneToOneField(
        BillingDocument,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_credit_memo",
    )
    reversal_date = models.DateField(null=True, blank=True)
    reversal_reason_code = models.ForeignKey(
        ReasonCode, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reversal_comment = models.CharField(max_length=MAX_COMMENT_LENGTH, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reversed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        permissions = [
            ("write_off_document", "Can write off invoices and debit memos"),
            ("reverse_write_off", "Can reverse a write-off"),
            ("bulk_write_off", "Can write off many documents at once"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="credit_memo_total_positive"),
            models.CheckConstraint(
                condition=Q(status__in=CreditMemoStatus.values), name="credit_memo_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(number__startswith="CM"), name="credit_memo_number_prefix"
            ),
            models.CheckConstraint(
                condition=Q(
                    status=CreditMemoStatus.POSTED,
                    reversing_debit_memo__isnull=True,
                    reversal_date__isnull=True,
                    reversal_reason_code__isnull=True,
                    reversed_by__isnull=True,
                    reversed_at__isnull=True,
                )
                | Q(
                    status=CreditMemoStatus.REVERSED,
                    reversing_debit_memo__isnull=False,
                    reversal_date__isnull=False,
                    reversal_reason_code__isnull=False,
                    reversed_by__isnull=False,
                    reversed_at__isnull=False,
                ),
                name="credit_memo_reversal_complete",
                violation_error_message="A reversed memo has its debit memo, date, reason, "
                "who and when; a posted one has none of them.",
            ),
        ]
        # Credit Memos filtered by reason, in the list's order; and by memo date.
        indexes = [
            models.Index(fields=["reason_code", "-number"], name="credit_memo_reason_list"),
            models.Index(fields=["memo_date"], name="credit_memo_date"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def currency(self) -> str:
        return self.document.currency

    @property
    def is_reversed(self) -> bool:
        return self.status == self.Status.REVERSED


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


class RequestKeyChannel(models.TextChoices):
    DIALOG = "dialog", "Dialog"
    API = "api", "API"
    BULK = "bulk", "Bulk write-off"


class RequestKey(models.Model):
    """The key ledger (SPEC W12, C8, Q7): one row per request key of a user on a channel.

    Every channel makes a repeat harmless the same way: the write-off that first succeeds
    under a key links its memo here in its own transaction, and a repeat with the same key and
    the same request gets that memo back. A key belongs to its user and channel, so no key can
    name another user's or another channel's request. The API also keeps its first response
    here, to replay it to a retry.
    """

    Channel = RequestKeyChannel

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=16, choices=Channel)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(
        max_length=64, help_text="SHA-256 of what was asked, so a key cannot be reused for more."
    )
    created = models.DateTimeField()
    credit_memo = models.OneToOneField(
        CreditMemo,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entry",
    )
    reversed_memo = models.OneToOneField(
        CreditMemo,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversal_ledger_entry",
        help_text="The memo a reversal under this key reversed.",
    )
    completed = models.BooleanField(
        default=False, help_text="The API's first response is kept below, to be replayed."
    )
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "channel", "key"], name="request_key_once_per_user_and_channel"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=RequestKeyChannel.values), name="request_key_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(completed=False)
                | Q(response_status__isnull=False, response_body__isnull=False),
                name="request_key_completed_has_response",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.key}"
