"""A reversal request in Zuora's JSON (`PUT /v1/credit-memos/{creditMemoKey}/reverse`),
translated into a `ReversalProposal`, and the service's refusals translated back into the
fields the client sent (SPEC D2).

The rules are the reversal service's (`writeoffs.reversals`); this module adds only what
Zuora's request brings: the reason code looked up by name as for a write-off, and
`applyEffectiveDate`. Zuora applies the credit memo to the reversing debit memo on that date;
here the memo is unapplied and applied to the debit memo in one step on the reversal date, so
`applyEffectiveDate` may be left out or name that same day (`memoDate`, or its default), and
any other day is refused rather than silently ignored.
"""

from api.errors import ApiError, Reason
from api.schemas import ReverseCreditMemoRequest, read_request
from api.writeoff import reason_code_named
from billing.models import BillingDocument
from writeoffs.errors import Problem, WriteOffErrorCode
from writeoffs.keys import LedgerKey
from writeoffs.models import CreditMemo
from writeoffs.reversals import ReversalProposal, credit_memo_reverse, reversal_date_default
from writeoffs.services import WriteOffRefused

Code = WriteOffErrorCode

# The service's fields and the request fields they concern; `memo` is the credit memo itself.
_FIELDS = {
    "reversal_date": "memoDate",
    "apply_effective_date": "applyEffectiveDate",
    "reason_code": "reasonCode",
    "comment": "comment",
    "request_key": "Idempotency-Key",
}


def reverse(*, memo: CreditMemo, user, body: bytes, key: LedgerKey | None) -> BillingDocument:
    """Reverse `memo` as the JSON `body` asks; the reversing debit memo. `ApiError` (400 or
    422) when it cannot; `PermissionDenied` without the reverse permission."""
    request = read_request(body, ReverseCreditMemoRequest)
    proposal = _proposal(memo, request)
    try:
        return credit_memo_reverse(memo=memo, user=user, proposal=proposal, key=key)
    except WriteOffRefused as refused:
        reasons = [
            Reason(problem.code, problem.message, _FIELDS.get(problem.field))
            for problem in refused.check.problems
        ]
        raise ApiError(422, *reasons) from None


def _proposal(memo: CreditMemo, request: ReverseCreditMemoRequest) -> ReversalProposal:
    unread: list[Problem] = []
    reversal_date = request.memoDate or reversal_date_default(memo)
    apply_date = request.applyEffectiveDate
    if apply_date is not None and apply_date != reversal_date:
        unread.append(
            Problem(
                "apply_effective_date",
                Code.APPLY_DATE_NOT_REVERSAL_DATE,
                f"The credit memo is applied to the reversing debit memo on the reversal date, "
                f"{reversal_date:%Y-%m-%d}: send that date as applyEffectiveDate, or leave it out.",
            )
        )
    return ReversalProposal(
        reversal_date=reversal_date,
        reason_code=reason_code_named(request.reasonCode, unread),
        comment=request.comment or "",
        unread=tuple(unread),
    )
