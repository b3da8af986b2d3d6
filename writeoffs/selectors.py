"""Reads of credit memos and reason codes for the screens and the API, each in a fixed number
of queries."""

from datetime import date

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from billing.models import BillingDocument
from billing.paging import Keyset, number_reader
from writeoffs.models import CreditMemo, ReasonCode

#: Credit Memos' order, newest first, which its pages follow.
CREDIT_MEMO_ORDER = Keyset(number=number_reader(CreditMemo._meta.get_field("number").max_length))


def default_reason_code() -> ReasonCode | None:
    return ReasonCode.objects.default()


def reason_code_by_name(name: str) -> ReasonCode | None:
    """The reason code of exactly that name (as in Zuora, case matters), active or not."""
    if len(name) > ReasonCode._meta.get_field("name").max_length:
        return None
    return ReasonCode.objects.filter(name=name).first()


def document_credit_memos(document: BillingDocument) -> QuerySet[CreditMemo]:
    """The credit memos applied to `document`, newest first."""
    return document.credit_memos.select_related("reason_code").order_by("-number")


def credit_memo_list(
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    reason_code: ReasonCode | None = None,
) -> QuerySet[CreditMemo]:
    memos = CreditMemo.objects.select_related(
        "document__account", "reason_code", "created_by"
    ).order_by(*CREDIT_MEMO_ORDER.newest_first)
    if date_from:
        memos = memos.filter(memo_date__gte=date_from)
    if date_to:
        memos = memos.filter(memo_date__lte=date_to)
    if reason_code:
        memos = memos.filter(reason_code=reason_code)
    return memos


def credit_memo_get(number: str) -> CreditMemo:
    return get_object_or_404(
        CreditMemo.objects.select_related(
            "document__account",
            "reason_code",
            "created_by",
            # A reversed memo names its reversal (SPEC D2), in the same one query.
            "reversing_debit_memo",
            "reversal_reason_code",
            "reversed_by",
        ),
        number=number,
    )


def credit_memo_items(memo: CreditMemo):
    return memo.items.select_related("source_line__parent", "accounting_code").order_by(
        "source_line__position"
    )
