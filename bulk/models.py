"""Bulk write-off jobs (SPEC D4): a job, and one row per document it writes off.

The rows are the job's whole state: the pages, the results file and the workers read it from
here, so it stays true after a reload, a killed worker or a restart. A row is claimed by a
worker with `SELECT ... FOR UPDATE SKIP LOCKED` in the transaction that writes the document off
and records the outcome, so a worker that dies mid-document leaves its row pending and unlocked
for the next one (`bulk.services`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from billing.models import AccountingCode, BillingDocument, money_field
from writeoffs.models import MAX_COMMENT_LENGTH, CreditMemo, ReasonCode

#: The most documents one job may hold; a larger selection is refused with this number.
MAX_DOCUMENTS_PER_JOB = 10_000


class JobStatus(models.TextChoices):
    DRAFT = "draft", "Previewed"  # chosen and shown, not started
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"
    CANCELLED = "cancelled", "Cancelled"


class BulkJob(models.Model):
    """A bulk write-off: the documents chosen once, the write-off fields set once."""

    Status = JobStatus
    #: A job in these states still has documents to write off.
    ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=16, choices=Status, default=Status.DRAFT)
    chosen_by = models.CharField(
        max_length=300, help_text="How the documents were chosen, in the clerk's words."
    )
    memo_date = models.DateField(null=True, blank=True)
    reason_code = models.ForeignKey(
        ReasonCode, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    comment = models.CharField(max_length=MAX_COMMENT_LENGTH, blank=True)
    revenue_impacting = models.BooleanField(default=True)
    accounting_code = models.ForeignKey(
        AccountingCode, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=JobStatus.values), name="bulk_job_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=JobStatus.DRAFT)
                | Q(memo_date__isnull=False, reason_code__isnull=False, started_at__isnull=False),
                name="bulk_job_started_has_fields",
                violation_error_message="A started job has its write-off date, reason and start.",
            ),
            models.CheckConstraint(
                condition=Q(revenue_impacting=True) | Q(accounting_code__isnull=False),
                name="bulk_job_expense_code_when_not_revenue",
            ),
        ]
        indexes = [models.Index(fields=["created_by", "-id"], name="bulk_job_by_user")]

    def __str__(self) -> str:
        return f"Bulk write-off {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class ItemStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Written off"
    REFUSED = "refused", "Refused"
    CANCELLED = "cancelled", "Not written off: the job was cancelled"


class BulkJobItem(models.Model):
    """One document of a job, and what became of it."""

    Status = ItemStatus

    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(help_text="Order in the file or the selection.")
    document = models.ForeignKey(BillingDocument, on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(max_length=3)
    balance = money_field(help_text="The document's balance when it was chosen (the preview).")
    status = models.CharField(max_length=16, choices=Status, default=Status.PENDING)
    credit_memo = models.OneToOneField(
        CreditMemo, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    written_off = money_field(null=True, blank=True)
    refusal_code = models.CharField(max_length=40, blank=True)
    refusal = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job", "position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ItemStatus.values), name="bulk_item_status_valid"
            ),
            models.UniqueConstraint(fields=["job", "document"], name="bulk_item_document_once"),
            models.UniqueConstraint(fields=["job", "position"], name="bulk_item_position_once"),
            models.CheckConstraint(
                condition=Q(status=ItemStatus.DONE)
                & Q(credit_memo__isnull=False, written_off__gt=0)
                | ~Q(status=ItemStatus.DONE)
                & Q(credit_memo__isnull=True, written_off__isnull=True),
                name="bulk_item_done_has_memo",
                violation_error_message="A written-off document has its memo and amount; "
                "no other has.",
            ),
            models.CheckConstraint(
                condition=~Q(status=ItemStatus.REFUSED) | ~Q(refusal=""),
                name="bulk_item_refusal_has_reason",
            ),
        ]
        # The workers' claim and the pages' counts read a job's rows by status, in order.
        indexes = [models.Index(fields=["job", "status", "position"], name="bulk_item_claim")]

    def __str__(self) -> str:
        return f"{self.job} {self.document_id}"
