"""The memo-number lock figure: what share of a write-off's time the credit memo counter's row
stays locked, during which every other write-off of the tenant waits.

Measured in this process against PostgreSQL, around the service itself: the lock is taken by
the first statement that locks or writes the counter's table and held until the transaction
commits, which `transaction.on_commit` marks. Watching the SQL, not a private function, keeps
the figure true however the service draws its numbers.
"""

import re
import time
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from bench.data import LOCK_INVOICES, USERNAME
from bench.traffic import FigureFailed
from billing.models import BillingDocument, LineItem

CENT = Decimal("0.01")
# A statement that writes or locks rows: UPDATE or INSERT, also inside a WITH, or SELECT ... FOR
# UPDATE.
_LOCKING = re.compile(r"\b(UPDATE|INSERT)\b", re.IGNORECASE)


@dataclass(frozen=True)
class LockShare:
    write_offs: int
    total_ms: float  # mean time of one write-off
    locked_ms: float  # mean time the counter row stays locked

    @property
    def share(self) -> float:
        return self.locked_ms / self.total_ms


class _CounterWatch:
    """An `execute_wrapper` noting when a transaction first locks the counter, and when it
    commits."""

    def __init__(self, table: str):
        self.table = table
        self.locked = self.committed = None

    def __call__(self, execute, sql, params, many, context):
        if self.locked is None and self.table in sql and _LOCKING.search(sql):
            self.locked = time.perf_counter()
            transaction.on_commit(self._commit)
        return execute(sql, params, many, context)

    def _commit(self):
        self.committed = time.perf_counter()


def _counter_table() -> str:
    try:
        from writeoffs.models import NumberSequence
    except ImportError:
        raise FigureFailed("writeoffs.models.NumberSequence, the memo counter, is gone") from None
    return NumberSequence._meta.db_table


def memo_lock_measure(samples: int, warmup: int = 10) -> LockShare:
    """Write off a cent of each of the five lines of the lock invoices, `samples` times."""
    from writeoffs.checks import LineAmount, WriteOffProposal, write_off_date_default
    from writeoffs.models import ReasonCode
    from writeoffs.services import document_write_off

    table = _counter_table()
    user = get_user_model().objects.get(username=USERNAME)
    reason = ReasonCode.objects.default()
    documents = list(BillingDocument.objects.filter(number__in=LOCK_INVOICES))
    lines = {
        document.pk: list(LineItem.objects.filter(document=document)) for document in documents
    }
    total = locked = 0.0
    for sample in range(warmup + samples):
        document = documents[sample % len(documents)]
        proposal = WriteOffProposal(
            memo_date=write_off_date_default(document),
            reason_code=reason,
            lines=tuple(
                LineAmount(line.pk, CENT if line.amount > 0 else -CENT)
                for line in lines[document.pk]
            ),
        )
        watch = _CounterWatch(table)
        started = time.perf_counter()
        with connection.execute_wrapper(watch):
            document_write_off(document=document, user=user, proposal=proposal)
        finished = time.perf_counter()
        if watch.locked is None or watch.committed is None:
            raise FigureFailed(
                f"no statement of the write-off locked {table}: how are memo numbers drawn now?"
            )
        if sample >= warmup:
            total += finished - started
            locked += watch.committed - watch.locked
    return LockShare(samples, total / samples * 1000, locked / samples * 1000)
