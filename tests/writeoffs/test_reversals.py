"""Reversing a write-off (SPEC D2) through `credit_memo_reverse`: every rule, exact balances,
the reversing debit memo, keys, and reversals racing each other and write-offs."""

import datetime
import itertools
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.models import BillingDocument, LineItem
from tests.conftest import postgresql_only
from tests.factories import (
    DebitMemoFactory,
    InvoiceFactory,
    ReasonCodeFactory,
    UserFactory,
    add_line,
    invoice_with_all_kinds,
    write_off,
)
from writeoffs import reversals
from writeoffs.keys import Channel, LedgerKey
from writeoffs.models import (
    REVERSE_PERMISSION,
    WRITE_OFF_PERMISSION,
    CreditMemo,
    CreditMemoItem,
    ReasonCode,
)
from writeoffs.reversals import ReversalProposal, credit_memo_reverse, reversal_check
from writeoffs.services import WriteOffRefused

pytestmark = pytest.mark.django_db

MEMO_DATE = datetime.date(2026, 10, 15)
_examples = itertools.count(1)


@pytest.fixture
def controller(db):
    """Someone who may write off and reverse."""
    return UserFactory(
        username="controller", permissions=[WRITE_OFF_PERMISSION, REVERSE_PERMISSION]
    )


@pytest.fixture(
    params=[(InvoiceFactory, "INV00009999"), (DebitMemoFactory, "DM00009999")],
    ids=["invoice", "debit memo"],
)
def document(request):
    """Gold Plan 100.00, its tax 8.25, a discount -10.00 and its tax -0.83 (balance 97.42)."""
    factory, number = request.param
    return invoice_with_all_kinds(number=number, document_factory=factory)


def reverse(memo, user, **fields):
    fields.setdefault("reversal_date", MEMO_DATE)
    fields.setdefault("reason_code", ReasonCode.objects.get(name="Correcting Invoice Error"))
    key = fields.pop("key", None)
    return credit_memo_reverse(memo=memo, user=user, proposal=ReversalProposal(**fields), key=key)


def balances(document):
    document.refresh_from_db()
    return document.balance, list(
        document.lines.order_by("position").values_list("balance", flat=True)
    )


def test_a_reversal_restores_every_balance_to_the_cent(controller, document):
    record, charge, tax, discount, _discount_tax = document
    before = balances(record)
    memo = write_off(
        record,
        controller,
        [(charge, "40.00"), (tax, "3.30"), (discount, "-4.00")],
        memo_date=MEMO_DATE,
    )
    assert balances(record) != before
    debit_memo = reverse(memo, controller, comment="Written off by mistake")
    assert balances(record) == before
    memo.refresh_from_db()
    assert memo.status == CreditMemo.Status.REVERSED
    assert (memo.reversing_debit_memo, memo.reversal_date, memo.reversed_by) == (
        debit_memo,
        MEMO_DATE,
        controller,
    )
    assert memo.reversal_comment == "Written off by mistake"
    assert memo.reversal_reason_code.name == "Correcting Invoice Error"
    assert memo.reversed_at is not None


def test_the_reversing_debit_memo_mirrors_the_memo_and_is_settled(controller, document):
    record, charge, tax, _discount, _discount_tax = document
    memo = write_off(record, controller, [(charge, "40.00"), (tax, "3.30")], memo_date=MEMO_DATE)
    debit_memo = reverse(memo, controller)
    assert debit_memo.number == "DM00000001"
    assert (debit_memo.type, debit_memo.status) == ("debit_memo", "Posted")
    assert (debit_memo.amount, debit_memo.balance, debit_memo.date) == (
        Decimal("43.30"),
        0,
        MEMO_DATE,
    )
    assert (debit_memo.account_id, debit_memo.currency) == (record.account_id, record.currency)
    lines = list(debit_memo.lines.order_by("position"))
    assert [(line.kind, line.description, line.amount, line.balance) for line in lines] == [
        ("charge", "Gold Plan", Decimal("40.00"), 0),
        ("tax", "CA State Tax", Decimal("3.30"), 0),
    ]
    assert lines[1].parent == lines[0]
    assert lines[0].accounting_code_id == charge.accounting_code_id


def test_a_parent_no_item_names_is_mirrored_at_zero(controller, document):
    record, charge, _tax, _discount, discount_tax = document
    memo = write_off(record, controller, [(charge, "5.00"), (discount_tax, "-0.83")])
    lines = list(reverse(memo, controller).lines.order_by("position"))
    assert [(line.kind, line.amount) for line in lines] == [
        ("charge", Decimal("5.00")),
        ("discount", Decimal("0")),
        ("discount_tax", Decimal("-0.83")),
    ]
    assert lines[2].parent == lines[1] and lines[1].parent == lines[0]


def test_the_document_may_be_written_off_again_after_a_reversal(controller, document):
    record, *_lines = document
    full = write_off(record, controller, full_balance=True)
    assert balances(record)[0] == 0
    reverse(full, controller)
    again = write_off(record, controller, full_balance=True)
    assert again.total == Decimal("97.42")
    assert balances(record)[0] == 0


def refused(memo, user, **fields) -> dict[str, list[str]]:
    books = (
        CreditMemo.objects.filter(status="Reversed").count(),
        BillingDocument.objects.count(),
        list(LineItem.objects.order_by("pk").values_list("balance", flat=True)),
    )
    with pytest.raises(WriteOffRefused) as refusal:
        reverse(memo, user, **fields)
    assert books == (
        CreditMemo.objects.filter(status="Reversed").count(),
        BillingDocument.objects.count(),
        list(LineItem.objects.order_by("pk").values_list("balance", flat=True)),
    )
    return refusal.value.check.codes()


def test_a_memo_is_reversed_once(controller, document):
    memo = write_off(document[0], controller, [(document[1], "1.00")])
    debit_memo = reverse(memo, controller)
    assert refused(memo, controller) == {"memo": ["already_reversed"]}
    with pytest.raises(WriteOffRefused) as refusal:
        reverse(memo, controller)
    assert debit_memo.number in refusal.value.check.problems[0].message


def test_the_reversal_date_is_not_before_the_memo_nor_in_the_future(controller, document):
    memo = write_off(document[0], controller, [(document[1], "1.00")], memo_date=MEMO_DATE)
    before = MEMO_DATE - datetime.timedelta(days=1)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert refused(memo, controller, reversal_date=before) == {
        "reversal_date": ["date_before_memo"]
    }
    assert refused(memo, controller, reversal_date=tomorrow) == {
        "reversal_date": ["date_in_future"]
    }
    assert refused(memo, controller, reversal_date=None) == {"reversal_date": ["required"]}


def test_every_problem_is_said_at_once(controller, document):
    memo = write_off(document[0], controller, [(document[1], "1.00")], memo_date=MEMO_DATE)
    old = ReasonCodeFactory(name="Old reason", active=False)
    assert refused(
        memo,
        controller,
        reversal_date=MEMO_DATE - datetime.timedelta(days=1),
        reason_code=old,
        comment="x" * 256,
    ) == {
        "reversal_date": ["date_before_memo"],
        "reason_code": ["inactive"],
        "comment": ["comment_too_long"],
    }
    assert refused(memo, controller, reason_code=None) == {"reason_code": ["required"]}


def test_reversing_needs_its_own_permission(clerk, controller, document):
    memo = write_off(document[0], controller, [(document[1], "1.00")])
    with pytest.raises(PermissionDenied):
        reverse(memo, clerk)  # may write off, may not reverse
    memo.refresh_from_db()
    assert memo.status == "Posted"


def test_a_repeated_reversal_returns_the_first_debit_memo(controller, document):
    memo = write_off(document[0], controller, [(document[1], "1.00")])
    proposal = ReversalProposal(MEMO_DATE, ReasonCode.objects.default())
    key = LedgerKey(Channel.DIALOG, "reverse-1", proposal.fingerprint(memo))
    first = credit_memo_reverse(memo=memo, user=controller, proposal=proposal, key=key)
    again = credit_memo_reverse(memo=memo, user=controller, proposal=proposal, key=key)
    assert again == first
    assert BillingDocument.objects.filter(type="debit_memo").exclude(pk=document[0].pk).count() == 1
    other = ReversalProposal(MEMO_DATE, ReasonCode.objects.default(), comment="other")
    with pytest.raises(WriteOffRefused) as refusal:
        credit_memo_reverse(
            memo=memo,
            user=controller,
            proposal=other,
            key=LedgerKey(Channel.DIALOG, "reverse-1", other.fingerprint(memo)),
        )
    assert refusal.value.check.codes() == {"request_key": ["request_key_reused"]}


def test_debit_memo_numbers_have_no_gap_when_a_reversal_fails_after_drawing_one(
    controller, document, monkeypatch
):
    record, charge, *_ = document
    memos = [write_off(record, controller, [(charge, "1.00")]) for _ in range(3)]
    give = reversals._give_debit_memo_number

    def number_then_fail(debit_memo):
        give(debit_memo)
        raise RuntimeError(f"the connection was lost after {debit_memo.number} was drawn")

    first = reverse(memos[0], controller)
    with monkeypatch.context() as patch:
        patch.setattr(reversals, "_give_debit_memo_number", number_then_fail)
        with pytest.raises(RuntimeError, match="DM00000002"):
            reverse(memos[1], controller)
    second = reverse(memos[1], controller)
    assert (first.number, second.number) == ("DM00000001", "DM00000002")
    assert CreditMemoItem.objects.count() == 3


def test_a_debit_memo_number_held_by_an_imported_debit_memo_is_passed_over(controller):
    DebitMemoFactory(number="DM00000001")
    record = InvoiceFactory()
    memo = write_off(record, controller, [(add_line(record), "1.00")])
    assert reverse(memo, controller).number == "DM00000002"


# Any sequence of write-offs and reversals keeps each balance equal to the amount less the
# write-offs that stand.


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(st.tuples(st.booleans(), st.integers(0, 100), st.integers(0, 10)), max_size=8)
)
def test_write_offs_and_reversals_keep_every_balance_exact(controller, steps):
    record, *lines = invoice_with_all_kinds(number=f"INVP{next(_examples):07d}")
    memos = []
    for reverse_one, cents, pick in steps:
        open_memos = [memo for memo in memos if not memo.is_reversed]
        if reverse_one and open_memos:
            memo = open_memos[pick % len(open_memos)]
            reverse(memo, controller, reversal_date=timezone.localdate())
            memo.refresh_from_db()
            continue
        charge = lines[0]
        charge.refresh_from_db()
        amount = min(Decimal(cents) / 100, charge.balance)
        if 0 < amount < BillingDocument.objects.get(pk=record.pk).balance:
            memos.append(write_off(record, controller, [(charge, str(amount))]))
    for line in LineItem.objects.filter(document=record):
        standing = CreditMemoItem.objects.filter(source_line=line, memo__status="Posted")
        assert line.balance == line.amount - sum(item.amount for item in standing)
    record.refresh_from_db()
    standing = CreditMemo.objects.filter(document=record, status="Posted")
    assert record.balance == record.amount - sum(memo.total for memo in standing)


# Races (PostgreSQL)


def run_at_once(count, work):
    start = threading.Barrier(count)
    outcomes = []

    def run(index):
        try:
            start.wait()
            outcomes.append(work(index))
        except Exception as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "hung (deadlock?)"
    return outcomes


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_sixteen_reversals_of_one_memo_at_once_make_one_debit_memo(controller):
    record, charge, *_ = invoice_with_all_kinds()
    memo = write_off(record, controller, [(charge, "10.00")])
    outcomes = run_at_once(16, lambda index: reverse(memo, controller).number)
    numbers = [outcome for outcome in outcomes if isinstance(outcome, str)]
    refusals = [outcome for outcome in outcomes if isinstance(outcome, WriteOffRefused)]
    assert numbers == ["DM00000001"], outcomes
    assert len(refusals) == 15
    assert all(r.check.codes() == {"memo": ["already_reversed"]} for r in refusals)
    charge.refresh_from_db()
    assert charge.balance == Decimal("100.00")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_reversals_racing_write_offs_of_one_document_never_over_credit(controller):
    record, charge, *_ = invoice_with_all_kinds()
    memos = [write_off(record, controller, [(charge, "20.00")]) for _ in range(4)]

    def work(index):
        if index % 2:
            return reverse(memos[index // 2], controller)
        return write_off(record, controller, [(charge, "30.00")])

    outcomes = run_at_once(8, work)
    assert all(not isinstance(o, Exception) or isinstance(o, WriteOffRefused) for o in outcomes)
    charge.refresh_from_db()
    record.refresh_from_db()
    standing = CreditMemo.objects.filter(document=record, status="Posted")
    assert charge.balance == Decimal("100.00") - sum(memo.total for memo in standing)
    assert 0 <= charge.balance <= Decimal("100.00")
    assert record.balance == record.amount - sum(memo.total for memo in standing)


def test_a_reversals_problems_come_in_the_order_its_dialog_reads():
    memo = CreditMemo(memo_date=datetime.date(2026, 3, 1), status=CreditMemo.Status.REVERSED)
    proposal = ReversalProposal(reversal_date=datetime.date(2026, 2, 1), comment="x" * 2000)
    fields = [problem.field for problem in reversal_check(memo=memo, proposal=proposal).problems]
    assert fields == ["memo", "reversal_date", "reason_code", "comment"]
