"""The audit trail (SPEC D5): one append-only table of who did what, when, from where and how.

Rows are only ever inserted (`audit.services`), in the transaction of the change they record;
on PostgreSQL a trigger refuses UPDATE and DELETE (migration 0002). Documents, memos and users
a row names are PROTECTed: the trail outlives nothing it speaks of.

The documents and memos are referred to without a database foreign key. A foreign key makes
each insert take a share lock on the row it names; a refused write-off is recorded after its
rollback, when another clerk's write-off may hold that document's row lock, and the two would
wait on each other (PostgreSQL found such deadlocks when sixteen reversals of one memo ran at
once). Django still refuses to delete a document or memo an entry names (PROTECT).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from billing.models import BillingDocument, money_field
from writeoffs.models import CreditMemo

_NO_LOCK = {
    "on_delete": models.PROTECT,
    "null": True,
    "blank": True,
    "db_constraint": False,
    "db_index": False,
}


class Action(models.TextChoices):
    WRITE_OFF = "write_off", "Write-off"
    WRITE_OFF_REFUSED = "write_off_refused", "Write-off refused"
    REVERSAL = "reversal", "Write-off reversed"
    REVERSAL_REFUSED = "reversal_refused", "Reversal refused"
    BULK_JOB = "bulk_job", "Bulk job"
    CREATED = "created", "Created"
    CHANGED = "changed", "Changed"
    DELETED = "deleted", "Deleted"
    API_TOKEN_CREATED = "api_token_created", "API token created"
    API_TOKEN_REVOKED = "api_token_revoked", "API token revoked"
    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    SIGN_IN_LOCKED_OUT = "sign_in_locked_out", "Sign-in locked out"


class Channel(models.TextChoices):
    DIALOG = "dialog", "Dialog (web pages)"
    API = "api", "API"
    ADMIN = "admin", "Admin"
    BULK = "bulk", "Bulk job"
    COMMAND = "command", "Command or shell"


class AuditEntry(models.Model):
    Action = Action
    Channel = Channel

    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=32, choices=Action)
    channel = models.CharField(max_length=16, choices=Channel)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who did it; empty for a command, or a sign-in by a username nobody has.",
    )
    username = models.CharField(
        max_length=150, blank=True, help_text="The username as given (kept if the user goes)."
    )
    address = models.GenericIPAddressField(null=True, blank=True)
    # No database foreign keys to the books (see the module's docstring); indexed by the
    # partial indexes below.
    document = models.ForeignKey(BillingDocument, related_name="+", **_NO_LOCK)
    credit_memo = models.ForeignKey(CreditMemo, related_name="+", **_NO_LOCK)
    debit_memo = models.ForeignKey(
        BillingDocument,
        related_name="+",
        help_text="The debit memo that reversed a write-off.",
        **_NO_LOCK,
    )
    amount = money_field(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    target = models.CharField(
        max_length=255, blank=True, help_text="What was changed, e.g. “Reason code Write-off”."
    )
    data = models.JSONField(
        default=dict,
        blank=True,
        help_text="The details: line amounts, refusal codes, values before and after.",
    )

    class Meta:
        verbose_name = "audit entry"
        verbose_name_plural = "audit trail"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(
                fields=["document", "-at"],
                name="audit_document",
                condition=Q(document__isnull=False),
            ),
            models.Index(
                fields=["debit_memo", "-at"],
                name="audit_debit_memo",
                condition=Q(debit_memo__isnull=False),
            ),
            models.Index(
                fields=["credit_memo", "-at"],
                name="audit_credit_memo",
                condition=Q(credit_memo__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=Action.values), name="audit_action"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="audit_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.get_action_display()} by {self.who}"

    @property
    def who(self) -> str:
        return self.username or "—"
