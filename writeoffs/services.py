"""The write-off service: the only code that writes off a billing document.

Every caller (the dialog, the API, the shell) goes through `invoice_write_off`, so every rule of
SPEC section 2 is checked in one place, against balances read under the document's row lock.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from billing.models import MAX_LINES_PER_DOCUMENT, AccountingCode, BillingDocument, LineItem
from billing.money import MoneyError, format_amount, to_currency
from writeoffs.models import (
    CreditMemo,
    CreditMemoItem,
    NumberSequence,
    ReasonCode,
    WriteOffSettings,
)

WRITE_OFF_PERMISSION = "writeoffs.write_off_invoice"
MAX_COMMENT_LENGTH = 255
CREDIT_MEMO_SEQUENCE = "credit_memo"


@dataclass(frozen=True)
class LineAmount:
    """An amount to write off one line. Its errors are reported as `lines[<index>]`, the index
    being its place in the sequence given to the service."""

    line_id: int
    amount: Decimal


def line_error_key(index: int) -> str:
    return f"lines[{index}]"


def write_off_date_default(document: BillingDocument, today: date | None = None) -> date:
    """Today, or the document date when that is later (SPEC W2)."""
    today = today or timezone.localdate()
    return max(today, document.date)


def invoice_write_off(
    *,
    document: BillingDocument,
    user,
    memo_date: date | None,
    reason_code: ReasonCode | None,
    comment: str = "",
    revenue_impacting: bool = True,
    accounting_code: AccountingCode | None = None,
    lines: Sequence[LineAmount] = (),
    full_balance: bool = False,
    request_key: str | None = None,
) -> CreditMemo:
    """Write off `document` line by line: create a credit memo and apply it in full (SPEC W10).

    `lines` gives the amount per line (lines left out are zero); `full_balance=True` instead
    writes off every line's whole balance (W13). `request_key`, when given, makes a repeat of
    the same request return the memo it made the first time instead of a second one (W12).

    Raises `PermissionDenied` without the write-off permission, and otherwise one
    `ValidationError` whose dict names each field (`memo_date`, `reason_code`, `comment`,
    `revenue_impacting`, `accounting_code`, `lines`, `lines[<index>]`, `total`, and
    `__all__` for the document itself) with every rule it breaks. Nothing is written then.
    """
    if not user.has_perm(WRITE_OFF_PERMISSION):
        raise PermissionDenied("You do not have permission to write off invoices.")
    with transaction.atomic():
        # The document row lock serialises write-offs of one document; everything below is
        # read after it, so it sees what the previous write-off committed.
        document = BillingDocument.objects.select_for_update().get(pk=document.pk)
        if request_key:
            repeat = CreditMemo.objects.filter(request_key=request_key).first()
            if repeat is not None:
                if repeat.document_id != document.pk:
                    errors = _Errors()
                    errors.add(
                        NON_FIELD_ERRORS,
                        "This request was already used for another document.",
                        "request_key_reused",
                    )
                    errors.raise_if_any()
                return repeat
        errors = _Errors()
        _check_document(document, errors)
        _check_memo_date(document, memo_date, errors)
        reason_code = _check_reason_code(reason_code, errors)
        if len(comment) > MAX_COMMENT_LENGTH:
            errors.add(
                "comment",
                f"Keep the comment to {MAX_COMMENT_LENGTH} characters; it has {len(comment)}.",
                "comment_too_long",
            )
        accounting_code = _check_accounting(revenue_impacting, accounting_code, errors)
        document_lines = _document_lines(document)
        amounts = _line_amounts(document, document_lines, lines, full_balance, errors)
        total = sum((amount for _, amount in amounts), Decimal(0))
        if not errors.has_line_errors:
            _check_total(document, document_lines, amounts, errors)
        errors.raise_if_any()
        return _post_credit_memo(
            document=document,
            user=user,
            memo_date=memo_date,
            reason_code=reason_code,
            comment=comment,
            revenue_impacting=revenue_impacting,
            accounting_code=accounting_code,
            amounts=amounts,
            total=total,
            request_key=request_key or None,
        )


invoice_write_off.alters_data = True


@dataclass(frozen=True)
class WriteOffPreview:
    """What saving some line amounts would write off; `errors` as `invoice_write_off` names
    them (`lines`, `lines[<index>]`, `total`). `total` is None while any line is wrong, so
    that no partial sum is ever shown as the write-off amount."""

    total: Decimal | None
    remaining_balance: Decimal | None
    errors: dict[str, list[str]]


def write_off_preview(*, document: BillingDocument, lines: Sequence[LineAmount]) -> WriteOffPreview:
    """Check line amounts and total them as a save would (W6 to W9), writing nothing.

    It reads the current balances without a lock: the save checks everything again under it.
    """
    errors = _Errors()
    document_lines = _document_lines(document)
    amounts = _line_amounts(document, document_lines, lines, False, errors)
    if errors.has_line_errors:
        return WriteOffPreview(None, None, errors.messages)
    total = sum((amount for _, amount in amounts), Decimal(0))
    if total:
        _check_total(document, document_lines, amounts, errors)
    return WriteOffPreview(total, document.balance - total, errors.messages)


class _Errors:
    def __init__(self):
        self.by_field: dict[str, list[ValidationError]] = {}

    def add(self, field: str, message: str, code: str) -> None:
        self.by_field.setdefault(field, []).append(ValidationError(message, code=code))

    @property
    def has_line_errors(self) -> bool:
        return any(field.startswith("lines") for field in self.by_field)

    @property
    def messages(self) -> dict[str, list[str]]:
        return {field: [e.message for e in errors] for field, errors in self.by_field.items()}

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def _check_document(document: BillingDocument, errors: _Errors) -> None:
    if refusal := document.write_off_refusal:
        code = "not_posted" if document.status != document.Status.POSTED else "no_balance"
        errors.add(NON_FIELD_ERRORS, refusal, code)


def _check_memo_date(document: BillingDocument, memo_date: date | None, errors: _Errors) -> None:
    today = timezone.localdate()
    if memo_date is None:
        errors.add("memo_date", "Enter the write-off date.", "required")
    elif memo_date < document.date:
        errors.add(
            "memo_date",
            f"The write-off date cannot be before the document date, {document.date:%Y-%m-%d}.",
            "date_before_document",
        )
    elif memo_date > max(today, document.date):
        errors.add(
            "memo_date",
            "The write-off date cannot be in the future."
            if document.date <= today
            else f"This document is dated in the future; write it off on its date, "
            f"{document.date:%Y-%m-%d}.",
            "date_in_future",
        )


def _check_reason_code(reason_code: ReasonCode | None, errors: _Errors) -> ReasonCode | None:
    if reason_code is None:
        errors.add("reason_code", "Choose a reason code.", "required")
        return None
    current = ReasonCode.objects.filter(pk=reason_code.pk, active=True).first()
    if current is None:
        errors.add("reason_code", f"The reason code {reason_code.name} is not active.", "inactive")
    return current


def _check_accounting(
    revenue_impacting: bool, accounting_code: AccountingCode | None, errors: _Errors
) -> AccountingCode | None:
    if revenue_impacting:
        if accounting_code is not None:
            errors.add(
                "accounting_code",
                "A revenue-impacting write-off books each line to its own code; "
                "choose an accounting code only when it is not revenue impacting.",
                "not_applicable",
            )
        return None
    if not WriteOffSettings.load().enhanced_write_off:
        errors.add(
            "revenue_impacting",
            "Write-offs must be revenue impacting: enhanced write-off is off for this tenant.",
            "enhanced_write_off_off",
        )
        return None
    if accounting_code is None:
        errors.add(
            "accounting_code",
            "Choose the bad-debt or other expense accounting code to book the write-off to.",
            "required",
        )
        return None
    current = AccountingCode.objects.filter(
        pk=accounting_code.pk, active=True, type__in=AccountingCode.WRITE_OFF_EXPENSE_TYPES
    ).first()
    if current is None:
        errors.add(
            "accounting_code",
            f"{accounting_code.code} is not an active BadDebt or OtherExpenses accounting code.",
            "invalid_accounting_code",
        )
    return current


def _document_lines(document: BillingDocument) -> dict[int, LineItem]:
    return {line.pk: line for line in LineItem.objects.filter(document=document)}


def _line_amounts(
    document: BillingDocument,
    lines: dict[int, LineItem],
    requested: Sequence[LineAmount],
    full_balance: bool,
    errors: _Errors,
) -> list[tuple[LineItem, Decimal]]:
    """The non-zero (line, amount) pairs to write off, each checked against SPEC W6 and W8."""
    if full_balance and requested:
        errors.add("lines", "Give line amounts or write off the full balance, not both.", "both")
        return []
    if len(requested) > MAX_LINES_PER_DOCUMENT:
        errors.add(
            "lines",
            f"A write-off can name at most {MAX_LINES_PER_DOCUMENT} lines.",
            "too_many_lines",
        )
        return []
    if len(lines) > MAX_LINES_PER_DOCUMENT:
        errors.add(
            "lines",
            f"Documents of more than {MAX_LINES_PER_DOCUMENT} lines cannot be written off here.",
            "too_many_lines",
        )
        return []
    if full_balance:
        return [(line, line.balance) for line in lines.values() if line.balance]
    amounts = []
    seen = set()
    for index, entry in enumerate(requested):
        key = line_error_key(index)
        line = lines.get(entry.line_id)
        if line is None:
            errors.add(key, f"Line {entry.line_id} is not a line of {document}.", "unknown_line")
        elif entry.line_id in seen:
            errors.add(key, f"The line {line} is given more than once.", "duplicate_line")
        elif amount := _check_line_amount(document, line, entry.amount, key, errors):
            # A refused amount is None and a zero one makes no item: neither is appended.
            amounts.append((line, amount))
        seen.add(entry.line_id)
    return amounts


def _check_line_amount(
    document: BillingDocument, line: LineItem, amount: Decimal, key: str, errors: _Errors
) -> Decimal | None:
    currency = document.currency
    try:
        amount = to_currency(amount, currency)
    except MoneyError as error:
        errors.add(key, str(error), "invalid_amount")
        return None
    balance = format_amount(line.balance, currency)
    if amount and not line.balance:
        errors.add(key, "Nothing is left to write off on this line.", "line_has_no_balance")
    elif amount and (amount > 0) != (line.balance > 0):
        sign = "negative" if line.balance < 0 else "positive"
        errors.add(
            key,
            f"Enter a {sign} amount: this line's balance is {balance}.",
            "wrong_sign",
        )
    elif abs(amount) > abs(line.balance):
        errors.add(
            key,
            f"{format_amount(amount, currency)} is more than this line's balance, {balance}.",
            "above_line_balance",
        )
    else:
        return amount
    return None


def _check_total(
    document: BillingDocument,
    lines: dict[int, LineItem],
    amounts: list[tuple[LineItem, Decimal]],
    errors: _Errors,
) -> None:
    currency = document.currency
    total = sum((amount for _, amount in amounts), Decimal(0))
    if total <= 0:
        errors.add(
            "total",
            f"The write-off total must be more than zero; it is {format_amount(total, currency)}.",
            "total_not_positive",
        )
    elif total > document.balance:
        errors.add(
            "total",
            f"The write-off total {format_amount(total, currency)} is more than the document's "
            f"balance, {format_amount(document.balance, currency)}.",
            "total_above_balance",
        )
    elif total == document.balance:
        # A document written off to zero must have no line left open: otherwise its charges
        # and discounts would keep offsetting balances that no later write-off could clear
        # (a document at zero cannot be written off, W1).
        written = {line.pk: amount for line, amount in amounts}
        left = [line for line in lines.values() if line.balance != written.get(line.pk, 0)]
        if left:
            names = ", ".join(line.description for line in left[:3])
            more = f" and {len(left) - 3} more" if len(left) > 3 else ""
            errors.add(
                "total",
                f"This would bring the balance to zero but leave {names}{more} open; write off "
                "their balances too, or use Write off all balances.",
                "leaves_lines_open",
            )


def _post_credit_memo(
    *,
    document: BillingDocument,
    user,
    memo_date: date,
    reason_code: ReasonCode,
    comment: str,
    revenue_impacting: bool,
    accounting_code: AccountingCode | None,
    amounts: list[tuple[LineItem, Decimal]],
    total: Decimal,
    request_key: str | None,
) -> CreditMemo:
    memo = CreditMemo.objects.create(
        number=_next_credit_memo_number(),
        document=document,
        memo_date=memo_date,
        reason_code=reason_code,
        comment=comment,
        revenue_impacting=revenue_impacting,
        total=total,
        created_by=user,
        request_key=request_key,
    )
    CreditMemoItem.objects.bulk_create(
        CreditMemoItem(
            memo=memo,
            source_line=line,
            amount=amount,
            accounting_code_id=line.accounting_code_id if revenue_impacting else accounting_code.pk,
        )
        for line, amount in amounts
    )
    for line, amount in amounts:
        line.balance -= amount
    LineItem.objects.bulk_update([line for line, _ in amounts], ["balance"])
    # Computed here in Decimal, not as `F("balance") - total`: SQLite would subtract in binary
    # floating point. The row lock makes the value read above the current one.
    document.balance -= total
    document.save(update_fields=["balance"])
    return memo


def _next_credit_memo_number() -> str:
    """`CM` and 8 digits from a gapless counter, locked until the memo's transaction ends.

    The document lock is always taken first and this one second, so two write-offs can never
    wait on each other in opposite order.
    """
    sequence = NumberSequence.objects.select_for_update().get(name=CREDIT_MEMO_SEQUENCE)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return f"CM{sequence.last_value:08d}"


def reason_code_make_default(*, reason_code: ReasonCode) -> None:
    """Make `reason_code` the one default reason code."""
    with transaction.atomic():
        # Locking the current default makes a second admin doing the same wait, then see this
        # default, so the two never both set one and trip the one-default constraint.
        list(ReasonCode.objects.select_for_update().filter(is_default=True))
        ReasonCode.objects.filter(is_default=True).exclude(pk=reason_code.pk).update(
            is_default=False
        )
        ReasonCode.objects.filter(pk=reason_code.pk).update(is_default=True)


reason_code_make_default.alters_data = True
