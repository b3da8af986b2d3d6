"""The one check of a proposed write-off (SPEC section 2, Q7).

The live total, the dialog's save, the API and bulk jobs all ask `write_off_check`, and the save
asks it again against what it reads under the document's lock. It reads nothing itself: the
caller passes the document, its lines and the codes it has already fetched, so one request
reads each of them once (the live total passes a `DocumentLines`, which reads every line only
if the check goes through them all). It returns every problem at once, each keyed by field or
line, and the total only when every line amount is right: a line that is wrong or could not
be read leaves the total unknown, never a partial sum (W14).
"""

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from billing.models import MAX_LINES_PER_DOCUMENT, AccountingCode, BillingDocument, LineItem
from billing.money import MoneyError, format_amount, misfit, to_currency
from writeoffs.errors import Problem, WriteOffErrorCode, line_field, named
from writeoffs.models import MAX_COMMENT_LENGTH, ReasonCode, WriteOffSettings

Code = WriteOffErrorCode


@dataclass(frozen=True)
class LineAmount:
    """An amount to write off one line; None when the channel could not read what was sent
    (its problem is then among the proposal's `unread`).

    A channel whose format nests lines (the API, as Zuora does: items, each with its own
    taxationItems) says how this one was sent: as an item (`as_item`), or as a taxation item
    of the item whose line id is `taxation_item_of`. The dialog and bulk jobs nest nothing.
    """

    line_id: int
    amount: Decimal | None
    as_item: bool = False
    taxation_item_of: int | None = None


@dataclass(frozen=True)
class WriteOffProposal:
    """A write-off as a channel read it, before any rule is applied.

    `lines` gives the amount per line (lines left out are zero); `full_balance` instead asks
    for every line's whole balance (W13). `seen_balance` is the document's balance as the
    clerk saw it when they chose the amounts, when the channel shows one: if the document has
    changed since, the write-off is refused so that they can look again. `unread` holds what
    the channel could not turn into these values, keyed as the check keys its own problems (a
    line's as `lines[<i>]`).
    """

    memo_date: date | None = None
    reason_code: ReasonCode | None = None
    comment: str = ""
    revenue_impacting: bool = True
    accounting_code: AccountingCode | None = None
    lines: tuple[LineAmount, ...] = ()
    full_balance: bool = False
    seen_balance: Decimal | None = None
    unread: tuple[Problem, ...] = ()

    def fingerprint(self, document: BillingDocument) -> str:
        """What this asks of `document`, as SHA-256: a repeated key must ask the same."""
        asked = [
            document.pk,
            str(self.memo_date),
            self.reason_code and self.reason_code.pk,
            self.comment,
            self.revenue_impacting,
            self.accounting_code and self.accounting_code.pk,
            sorted((line.line_id, str(line.amount)) for line in self.lines),
            self.full_balance,
        ]
        return hashlib.sha256(json.dumps(asked).encode()).hexdigest()


@dataclass(frozen=True)
class WriteOffCheck:
    """What `write_off_check` found. `amounts` are the non-zero (line, amount) pairs a save
    would write off; `total` and `remaining_balance` are None while any line is wrong, and
    `remaining_balance` also while the total is above the balance."""

    problems: tuple[Problem, ...]
    amounts: tuple[tuple[LineItem, Decimal], ...] = ()
    total: Decimal | None = None
    remaining_balance: Decimal | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def document_changed(self) -> bool:
        return any(problem.code == Code.DOCUMENT_CHANGED for problem in self.problems)

    def codes(self) -> dict[str, list[str]]:
        """`{field: [code, ...]}`, for tests and logs."""
        codes: dict[str, list[str]] = {}
        for problem in self.problems:
            codes.setdefault(problem.field, []).append(problem.code.value)
        return codes


def write_off_date_default(document: BillingDocument, today: date | None = None) -> date:
    """Today, or the document date when that is later (SPEC W2)."""
    return max(today or timezone.localdate(), document.date)


def write_off_check(
    *,
    document: BillingDocument,
    lines: Iterable[LineItem] | Mapping[int, LineItem],
    proposal: WriteOffProposal,
    settings: WriteOffSettings | None = None,
) -> WriteOffCheck:
    """Every rule of SPEC W1 to W9 for `proposal` against `document` and its `lines` (or its
    lines by id: a `billing.selectors.DocumentLines` reads only those the check looks at).

    `settings` is read only when the write-off is not revenue impacting and none is given.
    """
    found = Found(proposal.unread)
    if not isinstance(lines, Mapping):
        lines = {line.pk: line for line in lines}
    _check_document(document, len(lines), found)
    _check_seen_balance(document, proposal.seen_balance, found)
    _check_memo_date(document, proposal.memo_date, found)
    check_reason_code(proposal.reason_code, found)
    check_comment(proposal.comment, found)
    _check_accounting(proposal, settings, found)
    amounts = _line_amounts(document, lines, proposal, found)
    if amounts is None:
        return WriteOffCheck(found.sorted())
    total = sum((amount for _, amount in amounts), Decimal(0))
    _check_total(document, lines, amounts, total, found)
    # A balance below zero cannot exist, so none is ever shown as what would remain.
    remaining = document.balance - total if total <= document.balance else None
    return WriteOffCheck(found.sorted(), tuple(amounts), total, remaining)


# Problems are listed in the order a clerk reads the dialog.
_FIELD_ORDER = {
    name: place
    for place, name in enumerate(
        [
            "document",
            "memo",
            "request_key",
            "memo_date",
            "reversal_date",
            "reason_code",
            "comment",
            "revenue_impacting",
            "accounting_code",
            "lines",
        ]
    )
}


def _reading_order(problem: Problem) -> tuple[int, int]:
    if problem.field.startswith("lines["):
        return len(_FIELD_ORDER), int(problem.field[6:-1])
    return _FIELD_ORDER.get(problem.field, len(_FIELD_ORDER) + 1), 0


class Found:
    """The problems found so far, starting with what the channel could not read."""

    def __init__(self, unread: tuple[Problem, ...]):
        self.problems = list(unread)
        self.unread_fields = {problem.field for problem in unread}

    def add(self, where: str, code: Code, message: str) -> None:
        self.problems.append(Problem(where, code, message))

    def readable(self, where: str) -> bool:
        """Whether `where` was read: a value that was not is not judged again."""
        return where not in self.unread_fields

    def sorted(self) -> tuple[Problem, ...]:
        return tuple(sorted(self.problems, key=_reading_order))


def document_problems(document: BillingDocument) -> tuple[Problem, ...]:
    """Why `document` itself cannot be written off (W1), whatever is asked of it."""
    found = Found(())
    _check_document(document, 0, found)
    return found.sorted()


def _check_document(document: BillingDocument, line_count: int, found: Found) -> None:
    if document.status != document.Status.POSTED:
        found.add(
            "document",
            Code.NOT_POSTED,
            f"Only posted documents can be written off; {document} is {document.status}.",
        )
    elif document.balance <= 0:
        found.add("document", Code.NO_BALANCE, "Nothing is left to write off: the balance is zero.")
    if line_count > MAX_LINES_PER_DOCUMENT:
        found.add(
            "document",
            Code.TOO_MANY_LINES,
            f"Documents of more than {MAX_LINES_PER_DOCUMENT} lines cannot be written off.",
        )


def _check_seen_balance(
    document: BillingDocument, seen_balance: Decimal | None, found: Found
) -> None:
    if seen_balance is None or seen_balance == document.balance:
        return
    currency = document.currency
    found.add(
        "document",
        Code.DOCUMENT_CHANGED,
        f"{document} changed since you opened it: its balance is now "
        f"{format_amount(document.balance, currency)} {currency}, not "
        f"{format_amount(seen_balance, currency)}. The balances shown are now the current ones; "
        "check the amounts and save again.",
    )


def _check_memo_date(document: BillingDocument, memo_date: date | None, found: Found) -> None:
    if not found.readable("memo_date"):
        return
    today = timezone.localdate()
    if memo_date is None:
        found.add("memo_date", Code.REQUIRED, "Enter the write-off date.")
    elif memo_date < document.date:
        found.add(
            "memo_date",
            Code.DATE_BEFORE_DOCUMENT,
            f"The write-off date cannot be before the document date, {document.date:%Y-%m-%d}.",
        )
    elif memo_date > max(today, document.date):
        found.add(
            "memo_date",
            Code.DATE_IN_FUTURE,
            "The write-off date cannot be in the future."
            if document.date <= today
            else f"This document is dated in the future; write it off on its date, "
            f"{document.date:%Y-%m-%d}.",
        )


def check_reason_code(reason_code: ReasonCode | None, found: Found) -> None:
    if not found.readable("reason_code"):
        return
    if reason_code is None:
        found.add("reason_code", Code.REQUIRED, "Choose a reason code.")
    elif not reason_code.active:
        message = f"The reason code {named(reason_code)} is not active."
        found.add("reason_code", Code.INACTIVE, message)


def check_comment(comment: str, found: Found) -> None:
    if found.readable("comment") and len(comment) > MAX_COMMENT_LENGTH:
        found.add(
            "comment",
            Code.COMMENT_TOO_LONG,
            f"Keep the comment to {MAX_COMMENT_LENGTH} characters; it has {len(comment)}.",
        )


def _check_accounting(
    proposal: WriteOffProposal, settings: WriteOffSettings | None, found: Found
) -> None:
    code = proposal.accounting_code
    if not found.readable("accounting_code") or not found.readable("revenue_impacting"):
        return
    if proposal.revenue_impacting:
        if code is not None:
            found.add(
                "accounting_code",
                Code.NOT_APPLICABLE,
                "A revenue-impacting write-off books each line to its own code; an accounting "
                "code is chosen only when it is not revenue impacting.",
            )
        return
    if not (settings or WriteOffSettings.load()).enhanced_write_off:
        found.add(
            "revenue_impacting",
            Code.ENHANCED_WRITE_OFF_OFF,
            "Write-offs must be revenue impacting: enhanced write-off is off for this tenant.",
        )
    elif code is None:
        found.add(
            "accounting_code",
            Code.REQUIRED,
            "Choose the bad-debt or other expense accounting code to book the write-off to.",
        )
    elif not code.is_write_off_expense:
        found.add(
            "accounting_code",
            Code.INVALID_ACCOUNTING_CODE,
            f"{code.code} is not an active BadDebt or OtherExpenses accounting code.",
        )


def _line_amounts(
    document: BillingDocument,
    lines: Mapping[int, LineItem],
    proposal: WriteOffProposal,
    found: Found,
) -> list[tuple[LineItem, Decimal]] | None:
    """The non-zero (line, amount) pairs, each checked against SPEC W6 and W8; None when any
    line is wrong, so that no total is made of the rest."""
    requested = proposal.lines
    if proposal.full_balance and requested:
        found.add(
            "lines",
            Code.LINES_AND_FULL_BALANCE,
            "Give line amounts or write off the full balance, not both.",
        )
    elif len(requested) > MAX_LINES_PER_DOCUMENT:
        found.add(
            "lines",
            Code.TOO_MANY_LINES,
            f"A write-off can name at most {MAX_LINES_PER_DOCUMENT} lines.",
        )
    elif proposal.full_balance:
        return [(line, line.balance) for line in lines.values() if line.balance]
    else:
        amounts = _requested_amounts(document, lines, requested, found)
        if not any(problem.field.startswith("lines") for problem in found.problems):
            return amounts
    return None


def _requested_amounts(
    document: BillingDocument,
    lines: Mapping[int, LineItem],
    requested: Sequence[LineAmount],
    found: Found,
) -> list[tuple[LineItem, Decimal]]:
    amounts, seen = [], set()
    for index, entry in enumerate(requested):
        where = line_field(index)
        line = lines.get(entry.line_id)
        if not found.readable(where):
            pass  # the channel said what is wrong with it
        elif line is not None and (misplaced := _misplaced(line, entry)):
            found.add(where, *misplaced)
        elif entry.amount is None:
            found.add(where, Code.INVALID_AMOUNT, "The amount could not be read.")
        elif line is None:
            found.add(
                where, Code.UNKNOWN_LINE, f"Line {entry.line_id} is not a line of {document}."
            )
        elif entry.line_id in seen:
            message = f"The line {named(line)} is given more than once."
            found.add(where, Code.DUPLICATE_LINE, message)
        elif amount := _line_amount(document, line, entry.amount, where, found):
            amounts.append((line, amount))
        seen.add(entry.line_id)
    return amounts


def _misplaced(line: LineItem, entry: LineAmount) -> tuple[Code, str] | None:
    """Why `line` cannot be sent as `entry` says it was nested (W8 as Zuora nests it: an item
    is a charge or a discount, its taxation items are its own tax lines), or None."""
    taxes = line.kind in LineItem.TAX_KINDS
    if entry.as_item:
        if not taxes:
            return None
        return Code.NOT_AN_INVOICE_ITEM, (
            f"Line {line.pk} is a tax line: send it among the taxationItems of the charge or "
            "discount it taxes."
        )
    item = entry.taxation_item_of
    if item is None:
        return None  # the channel does not nest its lines
    if not taxes:
        return (
            Code.NOT_A_TAXATION_ITEM,
            f"Line {line.pk} is a {line.kind} line, not a tax line: send it as an item.",
        )
    if line.parent_id != item:
        return Code.TAXATION_ITEM_OF_ANOTHER_ITEM, (
            f"Line {line.pk} is the tax of line {line.parent_id}, not of line {item}."
        )
    return None


def _line_amount(
    document: BillingDocument, line: LineItem, amount: Decimal, where: str, found: Found
) -> Decimal | None:
    """The amount, exact in the document's currency and within the line's balance; None when
    it is zero or wrong (a zero amount writes nothing off and makes no memo item)."""
    currency = document.currency
    try:
        amount = to_currency(amount, currency)
    except MoneyError as error:
        found.add(where, Code.INVALID_AMOUNT, str(error))
        return None
    balance = format_amount(line.balance, currency)
    match misfit(amount, line.balance):
        case "nothing":
            found.add(where, Code.LINE_HAS_NO_BALANCE, "Nothing is left to write off on this line.")
        case "sign":
            sign = "negative" if line.balance < 0 else "positive"
            found.add(
                where, Code.WRONG_SIGN, f"Enter a {sign} amount: this line's balance is {balance}."
            )
        case "size":
            found.add(
                where,
                Code.ABOVE_LINE_BALANCE,
                f"{format_amount(amount, currency)} is more than this line's balance, {balance}.",
            )
        case None:
            return amount or None
    return None


def _check_total(
    document: BillingDocument,
    lines: Mapping[int, LineItem],
    amounts: list[tuple[LineItem, Decimal]],
    total: Decimal,
    found: Found,
) -> None:
    currency = document.currency
    if total <= 0:
        found.add(
            "total",
            Code.TOTAL_NOT_POSITIVE,
            f"The write-off total must be more than zero; it is {format_amount(total, currency)}.",
        )
    elif total > document.balance:
        found.add(
            "total",
            Code.TOTAL_ABOVE_BALANCE,
            f"The write-off total {format_amount(total, currency)} is more than the document's "
            f"balance, {format_amount(document.balance, currency)}.",
        )
    elif total == document.balance:
        # A document written off to zero must have no line left open: otherwise its charges
        # and discounts would keep offsetting balances that no later write-off could clear
        # (a document at zero cannot be written off, W1).
        written = {line.pk: amount for line, amount in amounts}
        left = [line for line in lines.values() if line.balance != written.get(line.pk, 0)]
        if left:
            names = ", ".join(named(line.description) for line in left[:3])
            more = f" and {len(left) - 3} more" if len(left) > 3 else ""
            found.add(
                "total",
                Code.LEAVES_LINES_OPEN,
                f"This would bring the balance to zero but leave {names}{more} open; the "
                "balances of every open line must be written off together.",
            )


def write_off_fields_check(
    proposal: WriteOffProposal, settings: WriteOffSettings | None = None
) -> WriteOffCheck:
    """The rules of W2 to W5 that hold whatever the document, for a bulk write-off whose
    fields are set once for many documents: a date that is given and not in the future, the
    reason, the comment and the accounting. What depends on a document (its date, its lines,
    its balance) is `write_off_check`'s, asked as each document is written off."""
    found = Found(proposal.unread)
    if found.readable("memo_date"):
        if proposal.memo_date is None:
            found.add("memo_date", Code.REQUIRED, "Enter the write-off date.")
        elif proposal.memo_date > timezone.localdate():
            found.add(
                "memo_date", Code.DATE_IN_FUTURE, "The write-off date cannot be in the future."
            )
    check_reason_code(proposal.reason_code, found)
    check_comment(proposal.comment, found)
    _check_accounting(proposal, settings, found)
    return WriteOffCheck(found.sorted())
