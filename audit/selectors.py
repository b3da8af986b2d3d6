"""The history a document or credit memo page shows: its audit entries, newest first."""

from django.db.models import Q, QuerySet

from audit.models import AuditEntry
from billing.models import BillingDocument
from writeoffs.models import CreditMemo

#: The newest entries a page shows; the admin lists them all.
HISTORY_LENGTH = 100


def document_history(document: BillingDocument) -> QuerySet[AuditEntry]:
    """Write-offs of the document and reversals of them, refused ones too; for a debit memo
    that reversed a write-off, also that reversal."""
    entries = AuditEntry.objects.filter(Q(document=document) | Q(debit_memo=document))
    return _history(entries)


def credit_memo_history(memo: CreditMemo) -> QuerySet[AuditEntry]:
    return _history(AuditEntry.objects.filter(credit_memo=memo))


def _history(entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
    return entries.select_related("credit_memo", "debit_memo").order_by("-at", "-id")[
        :HISTORY_LENGTH
    ]
