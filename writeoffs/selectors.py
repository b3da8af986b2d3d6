"""Reads of credit memos and reason codes for the screens and the API, each in a fixed number
of queries."""

from datetime import date

from django.db.models import Exists, OuterRef, QuerySet, prefetch_related_objects
from django.shortcuts import get_object_or_404

from billing import selectors as billing_selectors
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


#: The document of a kind and number (or 404), knowing whether it was ever written off
#: (`written_off`): its page reads its credit memos only then. Most documents never were, and
#: the look-up that finds none cost that page more than the one subquery does.
document_for_page = billing_selectors.DocumentRead(
    written_off=lambda: Exists(CreditMemo.objects.filter(document=OuterRef("pk")))
)


def document_credit_memos(document: BillingDocument) -> list[CreditMemo]:
    """The credit memos that wrote off `document`, newest first, each with its reason code and
    its reversal. Most documents were never written off: for them this is one query without
    joins; the related rows are read only when there are memos (a query each)."""
    memos = list(document.credit_memos.order_by("-number"))
    prefetch_related_objects(memos, "reason_code", "reversing_debit_memo", "reversal_reason_code")
    return memos


def reversed_credit_memo(debit_memo: BillingDocument) -> CreditMemo | None:
    """The credit memo that `debit_memo` reverses, when it is a reversal's (SPEC D2)."""
    if debit_memo.type != BillingDocument.Type.DEBIT_MEMO:
        return None
    return (
        CreditMemo.objects.select_related("document")
        .filter(reversing_debit_memo=debit_memo)
        .first()
    )


def credit_memo_list(
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    reason_code: ReasonCode | None = None,
) -> QuerySet[CreditMemo]:
    memos = CreditMemo.objects.select_related(
        "document__account", "reason_code", "created_by", "reversing_debit_memo"
    ).order_by(*CREDIT_MEMO_ORDER.newest_first)
    if date_from:
        memos = memos.filter(memo_date__gte=date_from)
    if date_to:
        memos = memos.filter(memo_date__lte=date_to)
    if reason_code:
        memos = memos.filter(reason_code=reason_code)
    return memos


def credit_memo_get(number: str) -> CreditMemo:
    """The memo with its document, its reason, who made it and its reversal, in one query."""
    memos = CreditMemo.objects.select_related(
        "document__account",
        "reason_code",
        "created_by",
        "reversing_debit_memo",
        "reversal_reason_code",
        "reversed_by",
    )
    return get_object_or_404(memos, number=number)


def credit_memo_items(memo: CreditMemo):
    return memo.items.select_related("source_line__parent", "accounting_code").order_by(
        "source_line__position"
    )
