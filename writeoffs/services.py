"""The write-off service: the only code that writes off a billing document.

Every channel (the dialog, the API, the shell, later bulk jobs) goes through
`document_write_off`, which asks `writeoffs.checks.write_off_check` again against everything it
reads under the document's row lock, so that the rule a channel previewed is the rule that
holds when the memo is written.
"""

import secrets
from dataclasses import replace
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from audit.services import default_moved_recorded, refusals_recorded, write_off_recorded
from billing.models import BillingDocument, LineItem
from billing.selectors import line_rows
from writeoffs.checks import WriteOffCheck, WriteOffProposal, write_off_check
from writeoffs.errors import Problem, WriteOffErrorCode
from writeoffs.keys import LedgerKey
from writeoffs.models import (
    WRITE_OFF_PERMISSION,
    CreditMemo,
    CreditMemoItem,
    NumberSequence,
    ReasonCode,
    RequestKey,
)

CREDIT_MEMO_SEQUENCE = "credit_memo"


class WriteOffRefused(Exception):
    """The write-off breaks a rule; `check` holds every problem. Nothing was written."""

    def __init__(self, check: WriteOffCheck):
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in check.problems))
        self.check = check


@refusals_recorded
def document_write_off(
    *,
    document: BillingDocument,
    user,
    proposal: WriteOffProposal,
    key: LedgerKey | None = None,
) -> CreditMemo:
    """Write off `document` as `proposal` asks: create a credit memo and apply it in full
    (SPEC W10), in one transaction under the document's row lock (W11).

    With `key`, a repeat of the same request under the same key returns the memo the first one
    made (W12); the same key with another request is refused. Raises `PermissionDenied`
    without the write-off permission and `WriteOffRefused` when any rule is broken.
    """
    if not user.has_perm(WRITE_OFF_PERMISSION):
        raise PermissionDenied("You do not have permission to write off billing documents.")
    with transaction.atomic():
        # The document row lock serialises write-offs of one document; everything below is
        # read after it, so it sees what the previous write-off committed.
        document = BillingDocument.objects.select_for_update().get(pk=document.pk)
        entry = ledger_entry(user, key) if key else None
        if entry is not None and entry.credit_memo_id is not None:
            return _repeat(entry, key)
        proposal = _reread_codes(proposal)
        check = write_off_check(document=document, lines=line_rows(document), proposal=proposal)
        if not check.ok:
            raise WriteOffRefused(check)
        memo = _post_credit_memo(document=document, user=user, proposal=proposal, check=check)
        if entry is not None:
            entry.credit_memo = memo
            entry.save(update_fields=["credit_memo"])
        write_off_recorded(memo=memo, check=check)
        # Last, so that the counter row, which every write-off of the tenant needs, is locked
        # only from here to the commit.
        _give_number(memo)
        return memo


document_write_off.alters_data = True


def ledger_entry(user, key: LedgerKey) -> RequestKey:
    """The key's ledger row, made now if the channel did not claim it first, and locked (for a
    write-off and for its reversal alike)."""
    entry, _ = RequestKey.objects.select_for_update().get_or_create(
        user=user,
        channel=key.channel,
        key=key.key,
        defaults={"fingerprint": key.fingerprint, "created": timezone.now()},
    )
    return entry


def _repeat(entry: RequestKey, key: LedgerKey) -> CreditMemo:
    if entry.fingerprint != key.fingerprint:
        problem = Problem(
            "request_key",
            WriteOffErrorCode.REQUEST_KEY_REUSED,
            f"This request was already saved as credit memo {entry.credit_memo.number}, with "
            "other values; open the document again to write off more.",
        )
        raise WriteOffRefused(WriteOffCheck((problem,)))
    return CreditMemo.objects.select_related("document").get(pk=entry.credit_memo_id)


def reread(row):
    """`row` as it is now, in this transaction (an admin may have made a code inactive, or
    deleted it, since the channel read it); None for None or a row gone."""
    return None if row is None else type(row)._default_manager.filter(pk=row.pk).first()


def _reread_codes(proposal: WriteOffProposal) -> WriteOffProposal:
    """The proposal with its reason and accounting codes as they are now."""
    return replace(
        proposal,
        reason_code=reread(proposal.reason_code),
        accounting_code=reread(proposal.accounting_code),
    )


def _post_credit_memo(
    *, document: BillingDocument, user, proposal: WriteOffProposal, check: WriteOffCheck
) -> CreditMemo:
    """The memo, its items and the new balances; numbered by `_give_number` at the end."""
    revenue_impacting, accounting_code = proposal.revenue_impacting, proposal.accounting_code
    memo = CreditMemo.objects.create(
        # Unique until the memo gets its number, just before the commit; never seen outside
        # this transaction.
        number=f"CM-{secrets.token_hex(8)}",
        document=document,
        memo_date=proposal.memo_date,
        reason_code=proposal.reason_code,
        comment=proposal.comment,
        revenue_impacting=revenue_impacting,
        total=check.total,
        created_by=user,
    )
    CreditMemoItem.objects.bulk_create(
        CreditMemoItem(
            memo=memo,
            source_line_id=line.pk,
            amount=amount,
            accounting_code_id=line.accounting_code_id if revenue_impacting else accounting_code.pk,
        )
        for line, amount in check.amounts
    )
    # Computed here in Decimal, not as `balance - amount` in SQL: SQLite would subtract in
    # binary floating point. The row lock makes the balances read above the current ones.
    set_line_balances({line.pk: line.balance - amount for line, amount in check.amounts})
    document.balance -= check.total
    document.save(update_fields=["balance"])
    return memo


def set_line_balances(balances: dict[int, Decimal]) -> None:
    """Set line balances, for a write-off and for its reversal alike, in one statement for any
    number of lines: on PostgreSQL an `UPDATE ... FROM unnest()` of two arrays, whose SQL is
    the same size for 1 line or 2,000."""
    if connection.vendor != "postgresql":
        LineItem.objects.bulk_update(
            [LineItem(pk=pk, balance=balance) for pk, balance in balances.items()], ["balance"]
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {LineItem._meta.db_table} AS line SET balance = new.balance "
            "FROM unnest(%s::bigint[], %s::numeric[]) AS new(id, balance) "
            "WHERE line.id = new.id",
            [list(balances), list(balances.values())],
        )


def _give_number(memo: CreditMemo) -> None:
    """`CM` and 8 digits from a gapless counter (SPEC 1). Its row stays locked until the
    memo's transaction ends, so a number is used up only when the memo is committed: a
    database sequence would leave gaps on rollback, and `MAX()+1` would collide.

    The document lock is always taken first and this one last, so two write-offs never wait
    on each other in opposite order; on PostgreSQL one statement draws the number and writes
    it, so the counter is held for that statement and the commit only.
    """
    counter, memos = NumberSequence._meta.db_table, CreditMemo._meta.db_table
    deferred_constraints_checked()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH drawn AS (UPDATE {counter} SET last_value = last_value + 1 "
                "WHERE name = %s RETURNING last_value::text AS value) "
                f"UPDATE {memos} SET number = 'CM' || lpad(value, greatest(8, length(value)), '0') "
                "FROM drawn WHERE id = %s RETURNING number",
                [CREDIT_MEMO_SEQUENCE, memo.pk],
            )
            (memo.number,) = cursor.fetchone()
            return
        cursor.execute(
            f"UPDATE {counter} SET last_value = last_value + 1 WHERE name = %s "
            "RETURNING last_value",
            [CREDIT_MEMO_SEQUENCE],
        )
        (value,) = cursor.fetchone()
    memo.number = f"CM{value:08d}"
    CreditMemo.objects.filter(pk=memo.pk).update(number=memo.number)


def deferred_constraints_checked() -> None:
    """Check now, on PostgreSQL, the foreign keys of every row the transaction wrote, which
    Django's constraints defer to the commit: called just before a gapless counter is taken,
    so that the commit, until which the counter's row stays locked, no longer checks them
    while every other write-off waits. A broken key is refused here rather than at the commit,
    and the transaction rolls back the same."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def reason_code_make_default(*, reason_code: ReasonCode) -> None:
    """Make `reason_code` the one default reason code."""
    with transaction.atomic():
        # Locking the current default makes a second admin doing the same wait, then see this
        # default, so the two never both set one and trip the one-default constraint.
        previous = list(ReasonCode.objects.select_for_update().filter(is_default=True))
        ReasonCode.objects.filter(is_default=True).exclude(pk=reason_code.pk).update(
            is_default=False
        )
        ReasonCode.objects.filter(pk=reason_code.pk).update(is_default=True)
        default_moved_recorded(previous=previous, default=reason_code)


reason_code_make_default.alters_data = True
