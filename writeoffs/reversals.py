"""Reversing a write-off in one step (SPEC D2): the check, and the only code that reverses.

`credit_memo_reverse` does in one transaction what Zuora needs two operations for: it takes
the written-off document's row lock first (the lock a write-off takes first, so the two never
wait on each other in opposite order), unapplies the credit memo (every line's and the
document's balance go back up by exactly the memo's item amounts), creates the reversing debit
memo, applies it to the credit memo so that both are settled, and marks the memo Reversed. The
document may then be written off again.

The reversing debit memo is a billing document of type debit memo, so it has a page and is in
All Debit Memos like any other. Its lines mirror the memo's items: the same kind, description,
amount and accounting code; a line the memo has no item for but whose tax or discount it has
(a charge whose tax alone was written off, say) is there too, at zero, so that every tax and
discount keeps its parent. Its balance is zero: it is settled by the credit memo it reverses.
"""

import hashlib
import json
import secrets
from dataclasses import dataclass, replace
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from audit.services import refusals_recorded, reversal_recorded
from billing.models import BillingDocument, LineItem
from writeoffs.checks import Found, WriteOffCheck, check_comment, check_reason_code
from writeoffs.errors import Problem, WriteOffErrorCode
from writeoffs.keys import LedgerKey
from writeoffs.models import REVERSE_PERMISSION, CreditMemo, NumberSequence, ReasonCode
from writeoffs.services import (
    WriteOffRefused,
    deferred_constraints_checked,
    ledger_entry,
    reread,
    set_line_balances,
)

Code = WriteOffErrorCode
DEBIT_MEMO_SEQUENCE = "debit_memo"


@dataclass(frozen=True)
class ReversalProposal:
    """A reversal as a channel read it; `unread` holds what it could not read."""

    reversal_date: date | None = None
    reason_code: ReasonCode | None = None
    comment: str = ""
    unread: tuple[Problem, ...] = ()

    def fingerprint(self, memo: CreditMemo) -> str:
        asked = [
            "reverse",
            memo.pk,
            str(self.reversal_date),
            self.reason_code and self.reason_code.pk,
            self.comment,
        ]
        return hashlib.sha256(json.dumps(asked).encode()).hexdigest()


def reversal_date_default(memo: CreditMemo, today: date | None = None) -> date:
    """Today, or the memo date when that is later."""
    return max(today or timezone.localdate(), memo.memo_date)


def reversal_check(*, memo: CreditMemo, proposal: ReversalProposal) -> WriteOffCheck:
    """Every rule of a reversal (SPEC D2), every problem at once; it reads nothing."""
    found = Found(proposal.unread)
    if memo.is_reversed:
        found.add(
            "memo",
            Code.ALREADY_REVERSED,
            f"Credit memo {memo} was reversed already, by debit memo {memo.reversing_debit_memo}.",
        )
    _check_reversal_date(memo, proposal.reversal_date, found)
    check_reason_code(proposal.reason_code, found)
    check_comment(proposal.comment, found)
    return WriteOffCheck(found.sorted())


def _check_reversal_date(memo: CreditMemo, reversal_date: date | None, found: Found) -> None:
    if not found.readable("reversal_date"):
        return
    if reversal_date is None:
        found.add("reversal_date", Code.REQUIRED, "Enter the reversal date.")
    elif reversal_date < memo.memo_date:
        found.add(
            "reversal_date",
            Code.DATE_BEFORE_MEMO,
            f"The reversal date cannot be before the memo date, {memo.memo_date:%Y-%m-%d}.",
        )
    elif reversal_date > reversal_date_default(memo):
        found.add(
            "reversal_date", Code.DATE_IN_FUTURE, "The reversal date cannot be in the future."
        )


@refusals_recorded
def credit_memo_reverse(
    *, memo: CreditMemo, user, proposal: ReversalProposal, key: LedgerKey | None = None
) -> BillingDocument:
    """Reverse the write-off that made `memo`; the reversing debit memo.

    With `key`, a repeat of the same request returns the debit memo the first one made; the
    same key with another request is refused. Raises `PermissionDenied` without the reverse
    permission and `WriteOffRefused` when a rule is broken; nothing is written then.
    """
    if not user.has_perm(REVERSE_PERMISSION):
        raise PermissionDenied("You do not have permission to reverse write-offs.")
    with transaction.atomic():
        # The document first, as a write-off locks it; then the memo, whose status decides.
        document = BillingDocument.objects.select_for_update().get(pk=memo.document_id)
        memo = CreditMemo.objects.select_for_update().get(pk=memo.pk)
        entry = ledger_entry(user, key) if key else None
        if entry is not None and entry.reversed_memo_id is not None:
            return _repeat(entry, key)
        proposal = replace(proposal, reason_code=reread(proposal.reason_code))
        check = reversal_check(memo=memo, proposal=proposal)
        if not check.ok:
            raise WriteOffRefused(check)
        debit_memo = _unapply_and_reverse(document, memo, user, proposal)
        if entry is not None:
            entry.reversed_memo = memo
            entry.save(update_fields=["reversed_memo"])
        reversal_recorded(memo=memo, debit_memo=debit_memo)
        # Last, as for credit memos: the counter row is locked from here to the commit only.
        _give_debit_memo_number(debit_memo)
        return debit_memo


credit_memo_reverse.alters_data = True


def _repeat(entry, key: LedgerKey) -> BillingDocument:
    memo = CreditMemo.objects.select_related("reversing_debit_memo").get(pk=entry.reversed_memo_id)
    if entry.fingerprint != key.fingerprint:
        problem = Problem(
            "request_key",
            Code.REQUEST_KEY_REUSED,
            f"This request already reversed credit memo {memo}, with other values.",
        )
        raise WriteOffRefused(WriteOffCheck((problem,)))
    return memo.reversing_debit_memo


def _unapply_and_reverse(
    document: BillingDocument, memo: CreditMemo, user, proposal: ReversalProposal
) -> BillingDocument:
    items = list(memo.items.select_related("source_line"))
    # Back up by exactly what the memo took, in Decimal under the lock (never in SQL).
    set_line_balances(
        {item.source_line_id: item.source_line.balance + item.amount for item in items}
    )
    document.balance += memo.total
    document.save(update_fields=["balance"])
    debit_memo = BillingDocument.objects.create(
        type=BillingDocument.Type.DEBIT_MEMO,
        # Unique until the debit memo gets its number, just before the commit.
        number=f"DM-{secrets.token_hex(8)}",
        account_id=document.account_id,
        currency=document.currency,
        date=proposal.reversal_date,
        due_date=proposal.reversal_date,
        status=BillingDocument.Status.POSTED,
        amount=memo.total,
        balance=0,
    )
    _mirror_lines(debit_memo, items)
    memo.status = CreditMemo.Status.REVERSED
    memo.reversing_debit_memo = debit_memo
    memo.reversal_date = proposal.reversal_date
    memo.reversal_reason_code = proposal.reason_code
    memo.reversal_comment = proposal.comment
    memo.reversed_by = user
    memo.reversed_at = timezone.now()
    memo.save(
        update_fields=[
            "status",
            "reversing_debit_memo",
            "reversal_date",
            "reversal_reason_code",
            "reversal_comment",
            "reversed_by",
            "reversed_at",
        ]
    )
    return debit_memo


def _mirror_lines(debit_memo: BillingDocument, items) -> None:
    """The debit memo's lines: one per memo item, with the item's amount and accounting code,
    plus, at zero, each parent no item names, so every tax and discount keeps its parent.
    Written parents first, a level at a time, as the database checks each line's parent."""
    amounts = {item.source_line_id: item for item in items}
    sources = {item.source_line_id: item.source_line for item in items}
    missing = {line.parent_id for line in sources.values() if line.parent_id} - sources.keys()
    while missing:
        parents = LineItem.objects.filter(pk__in=missing)
        sources.update((line.pk, line) for line in parents)
        missing = {line.parent_id for line in parents if line.parent_id} - sources.keys()
    mirrored: dict[int, LineItem] = {}
    ordered = sorted(sources.values(), key=lambda line: line.position)
    positions = {line.pk: position for position, line in enumerate(ordered)}
    for level in _levels(ordered):
        rows = []
        for line in level:
            item = amounts.get(line.pk)
            rows.append(
                LineItem(
                    document=debit_memo,
                    position=positions[line.pk],
                    kind=line.kind,
                    parent=mirrored.get(line.parent_id),
                    description=line.description,
                    service_start=line.service_start,
                    service_end=line.service_end,
                    amount=item.amount if item else 0,
                    balance=0,
                    accounting_code_id=item.accounting_code_id if item else line.accounting_code_id,
                )
            )
        for line, row in zip(level, LineItem.objects.bulk_create(rows), strict=True):
            mirrored[line.pk] = row


def _levels(lines: list[LineItem]) -> list[list[LineItem]]:
    """`lines` by depth: charges, then their taxes and discounts, then discounts' taxes."""
    by_pk = {line.pk: line for line in lines}
    depth = {}
    for line in lines:
        steps, parent = 0, line.parent_id
        while parent is not None:
            steps, parent = steps + 1, by_pk[parent].parent_id
        depth[line.pk] = steps
    return [
        [line for line in lines if depth[line.pk] == level]
        for level in range(max(depth.values(), default=-1) + 1)
    ]


def _give_debit_memo_number(debit_memo: BillingDocument) -> None:
    """`DM` and 8 digits from a gapless counter locked until the commit (as credit memos').
    A number an imported debit memo holds already is passed over: it is not a gap, the number
    is in use."""
    counter = NumberSequence._meta.db_table
    deferred_constraints_checked()
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"UPDATE {counter} SET last_value = last_value + 1 WHERE name = %s "
                "RETURNING last_value",
                [DEBIT_MEMO_SEQUENCE],
            )
            number = f"DM{cursor.fetchone()[0]:08d}"
            if not BillingDocument.objects.filter(number=number).exists():
                break
    debit_memo.number = number
    BillingDocument.objects.filter(pk=debit_memo.pk).update(number=number)
