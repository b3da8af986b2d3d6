"""A write-off request in Zuora's JSON, translated into a `WriteOffProposal`, and the service's
refusals translated back into the JSON paths the client sent.

The rules are the one check's (`writeoffs.checks`), including W8 as Zuora nests it (an item is
a charge or discount, its taxation items are its own tax lines): this module says how each line
was nested, and the check judges it against the lines it reads under the document's lock. It
adds only the look-up of reason and accounting codes by name. What it cannot read or look up
goes into the proposal as unread, so that one refusal lists everything.
"""

import re
from dataclasses import dataclass

from api.errors import ApiError, Reason
from api.schemas import WriteOffItem, WriteOffRequest, read_write_off_request
from billing import selectors as billing_selectors
from billing.models import BillingDocument
from writeoffs import selectors as writeoff_selectors
from writeoffs.checks import LineAmount, WriteOffProposal, write_off_date_default
from writeoffs.errors import Problem, WriteOffErrorCode
from writeoffs.keys import LedgerKey
from writeoffs.models import CreditMemo
from writeoffs.services import WriteOffRefused, document_write_off

Code = WriteOffErrorCode

# The check's fields and the request fields they concern. A total is the sum of the items.
_FIELDS = {
    "memo_date": "memoDate",
    "reason_code": "reasonCode",
    "comment": "comment",
    "revenue_impacting": "revenueImpacting",
    "accounting_code": "nonRevenueWriteOffAccountingCode",
    "lines": "items",
    "total": "items",
    "request_key": "Idempotency-Key",
}
_LINE_KEY = re.compile(r"lines\[([0-9]+)\]")
# Problems about which line was named, rather than about its amount.
_LINE_ID_CODES = {
    Code.UNKNOWN_LINE,
    Code.DUPLICATE_LINE,
    Code.NOT_AN_INVOICE_ITEM,
    Code.NOT_A_TAXATION_ITEM,
    Code.TAXATION_ITEM_OF_ANOTHER_ITEM,
}


@dataclass(frozen=True)
class _LinePath:
    """Where one `LineAmount` came from in the request."""

    id: str
    amount: str


def write_off(
    *,
    document: BillingDocument,
    user,
    body: bytes,
    request_model: type[WriteOffRequest],
    key: LedgerKey | None,
) -> CreditMemo:
    """Write off `document` as the JSON `body`, read as the document kind's `request_model`,
    asks; `ApiError` (400 or 422) when it cannot."""
    request = read_write_off_request(body, request_model)
    proposal, paths = _proposal(document, request)
    try:
        return document_write_off(document=document, user=user, proposal=proposal, key=key)
    except WriteOffRefused as refused:
        reasons = [_reason(problem, paths) for problem in refused.check.problems]
        raise ApiError(422, *reasons) from None


def _proposal(
    document: BillingDocument, request: WriteOffRequest
) -> tuple[WriteOffProposal, list[_LinePath]]:
    unread: list[Problem] = []
    items = request.items or []
    lines, paths = _line_amounts(items)
    revenue_impacting = request.revenueImpacting == "Yes"
    proposal = WriteOffProposal(
        memo_date=request.memoDate or write_off_date_default(document),
        reason_code=reason_code_named(request.reasonCode, unread),
        comment=request.comment or "",
        revenue_impacting=revenue_impacting,
        accounting_code=_accounting_code(request.nonRevenueWriteOffAccountingCode, unread),
        lines=tuple(lines),
        full_balance=request.items is None,
        unread=tuple(unread),
    )
    return proposal, paths


def _line_amounts(items: list[WriteOffItem]) -> tuple[list[LineAmount], list[_LinePath]]:
    lines, paths = [], []
    for i, item in enumerate(items):
        lines.append(LineAmount(item.line_id, item.amountWithoutTax, as_item=True))
        paths.append(_LinePath(f"items[{i}].{item.line_id_name()}", f"items[{i}].amountWithoutTax"))
        for j, tax in enumerate(item.taxationItems):
            path = f"items[{i}].taxationItems[{j}]"
            lines.append(LineAmount(tax.taxationItemId, tax.amount, taxation_item_of=item.line_id))
            paths.append(_LinePath(f"{path}.taxationItemId", f"{path}.amount"))
    return lines, paths


def reason_code_named(name: str | None, unread: list[Problem]):
    """The reason code of that name (the check says whether it is active), or the default."""
    if not name:
        return writeoff_selectors.default_reason_code()
    reason_code = writeoff_selectors.reason_code_by_name(name)
    if reason_code is None:
        message = f"There is no reason code {name[:100]!r}."
        unread.append(Problem("reason_code", Code.UNKNOWN_REASON_CODE, message))
    return reason_code


def _accounting_code(code: str | None, unread: list[Problem]):
    """The accounting code of that code; the check says whether it may be used."""
    if not code:
        return None
    accounting_code = billing_selectors.accounting_code_by_code(code)
    if accounting_code is None:
        message = f"There is no accounting code {code[:100]!r}."
        unread.append(Problem("accounting_code", Code.UNKNOWN_ACCOUNTING_CODE, message))
    return accounting_code


def _reason(problem: Problem, paths: list[_LinePath]) -> Reason:
    return Reason(problem.code, problem.message, _field(problem, paths))


def _field(problem: Problem, paths: list[_LinePath]) -> str | None:
    """`lines[3]` -> the path of the fourth amount sent; `document` -> None."""
    if match := _LINE_KEY.fullmatch(problem.field):
        path = paths[int(match[1])]
        return path.id if problem.code in _LINE_ID_CODES else path.amount
    return _FIELDS.get(problem.field)
