"""A write-off request in Zuora's JSON, translated into `invoice_write_off`'s arguments, and the
service's refusals translated back into the JSON paths the client sent.

The rules themselves are the service's (SPEC W1 to W14): this module adds only what the JSON
shape brings, namely that an item is a charge or discount and its taxation items are its own
tax lines (W8), and the look-up of reason and accounting codes by name.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from api.errors import ApiError, Reason
from api.schemas import WriteOffItemRequest, read_write_off_request
from billing.models import AccountingCode, BillingDocument, LineItem
from writeoffs.models import CreditMemo, ReasonCode
from writeoffs.services import LineAmount, invoice_write_off, write_off_date_default

ITEM_KINDS = (LineItem.Kind.CHARGE, LineItem.Kind.DISCOUNT)

# The service's error keys and the request fields they concern. A total is the sum of the items.
_FIELDS = {
    "memo_date": "memoDate",
    "reason_code": "reasonCode",
    "comment": "comment",
    "revenue_impacting": "revenueImpacting",
    "accounting_code": "nonRevenueWriteOffAccountingCode",
    "lines": "items",
    "total": "items",
}
_LINE_KEY = re.compile(r"lines\[([0-9]+)\]")
# Errors about which line was named, rather than about its amount.
_LINE_ID_CODES = {"unknown_line", "duplicate_line"}


@dataclass(frozen=True)
class _LinePath:
    """Where one `LineAmount` came from in the request."""

    id: str
    amount: str


def write_off(
    *, document: BillingDocument, user, body: bytes, request_key: str | None
) -> CreditMemo:
    """Write off `document` as the JSON `body` asks; `ApiError` (400 or 422) when it cannot."""
    request = read_write_off_request(body)
    items = request.items or []
    reasons = _nesting_reasons(document, items)
    reason_code = _reason_code(request.reasonCode, reasons)
    accounting_code = _accounting_code(request.nonRevenueWriteOffAccountingCode, reasons)
    if reasons:
        raise ApiError(422, *reasons)
    lines, paths = _line_amounts(items)
    try:
        return invoice_write_off(
            document=document,
            user=user,
            memo_date=request.memoDate or write_off_date_default(document),
            reason_code=reason_code,
            comment=request.comment or "",
            revenue_impacting=request.revenueImpacting == "Yes",
            accounting_code=accounting_code,
            lines=lines,
            full_balance=request.items is None,
            request_key=request_key,
        )
    except ValidationError as error:
        raise ApiError(422, *_service_reasons(error, paths)) from None


def _line_amounts(items: list[WriteOffItemRequest]) -> tuple[list[LineAmount], list[_LinePath]]:
    lines, paths = [], []
    for i, item in enumerate(items):
        lines.append(LineAmount(item.invoiceItemId, item.amountWithoutTax))
        paths.append(_LinePath(f"items[{i}].invoiceItemId", f"items[{i}].amountWithoutTax"))
        for j, tax in enumerate(item.taxationItems):
            path = f"items[{i}].taxationItems[{j}]"
            lines.append(LineAmount(tax.taxationItemId, tax.amount))
            paths.append(_LinePath(f"{path}.taxationItemId", f"{path}.amount"))
    return lines, paths


def _nesting_reasons(document: BillingDocument, items: list[WriteOffItemRequest]) -> list[Reason]:
    """An item must be a charge or discount, and each of its taxation items one of its own tax
    lines (W8 as Zuora's JSON nests it)."""
    if not items:
        return []
    lines = {
        pk: (kind, parent_id)
        for pk, kind, parent_id in document.lines.values_list("pk", "kind", "parent_id")
    }
    reasons = []
    for i, item in enumerate(items):
        reasons.append(_misplaced(lines, item.invoiceItemId, f"items[{i}].invoiceItemId"))
        for j, tax in enumerate(item.taxationItems):
            path = f"items[{i}].taxationItems[{j}].taxationItemId"
            reasons.append(_misplaced(lines, tax.taxationItemId, path, item.invoiceItemId))
    return [reason for reason in reasons if reason]


def _misplaced(lines, line_id: int, path: str, item_id: int | None = None) -> Reason | None:
    """Why `line_id` cannot be an item (`item_id` None) or a taxation item of `item_id`.

    An id that is no line of the document passes here: the service refuses it, as for the dialog.
    """
    kind, parent_id = lines.get(line_id, (None, None))
    if kind is None:
        return None
    if item_id is None and kind not in ITEM_KINDS:
        message = (
            f"Line {line_id} is a tax line: send it among the taxationItems of the charge or "
            "discount it taxes."
        )
        return Reason("not_an_invoice_item", message, path)
    if item_id is not None and kind in ITEM_KINDS:
        message = f"Line {line_id} is a {kind} line, not a tax line: send it as an item."
        return Reason("not_a_taxation_item", message, path)
    if item_id is not None and parent_id != item_id:
        message = f"Line {line_id} is the tax of line {parent_id}, not of line {item_id}."
        return Reason("taxation_item_of_another_item", message, path)
    return None


def _reason_code(name: str | None, reasons: list[Reason]) -> ReasonCode | None:
    """The reason code of that name (the service checks that it is active), or the default."""
    if not name:
        return ReasonCode.objects.filter(is_default=True).first()
    reason_code = ReasonCode.objects.filter(name=name).first()
    if reason_code is None:
        reasons.append(
            Reason("unknown_reason_code", f"There is no reason code {name!r}.", "reasonCode")
        )
    return reason_code


def _accounting_code(code: str | None, reasons: list[Reason]) -> AccountingCode | None:
    """The accounting code of that code; the service checks its type and that it is active."""
    if not code:
        return None
    accounting_code = AccountingCode.objects.filter(code=code).first()
    if accounting_code is None:
        reasons.append(
            Reason(
                "unknown_accounting_code",
                f"There is no accounting code {code!r}.",
                "nonRevenueWriteOffAccountingCode",
            )
        )
    return accounting_code


def _service_reasons(error: ValidationError, paths: list[_LinePath]) -> list[Reason]:
    return [
        Reason(refusal.code, refusal.message, _field(key, refusal.code, paths))
        for key, refusals in error.error_dict.items()
        for refusal in refusals
    ]


def _field(key: str, code: str, paths: list[_LinePath]) -> str | None:
    """`lines[3]` -> the path of the fourth amount passed; `__all__` (the document) -> None."""
    if match := _LINE_KEY.fullmatch(key):
        path = paths[int(match[1])]
        return path.id if code in _LINE_ID_CODES else path.amount
    return _FIELDS.get(key)
