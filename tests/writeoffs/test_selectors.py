"""Credit Memos read from indexes in the list's order (PostgreSQL plans)."""

import datetime

import pytest

from tests.conftest import plan, postgresql_indexes
from writeoffs import selectors
from writeoffs.models import ReasonCode

pytestmark = [pytest.mark.django_db, postgresql_indexes]


def test_a_reason_filter_reads_its_index_in_the_lists_order():
    reason = ReasonCode.objects.get(name="Charge Dispute")
    memos = selectors.credit_memo_list(reason_code=reason)
    used = plan(memos.filter(number__lt="CM00000100")[:51])
    assert "credit_memo_reason_list" in used
    assert "Sort" not in used


def test_a_memo_date_filter_is_counted_from_its_index():
    memos = selectors.credit_memo_list(date_from=datetime.date(2026, 10, 1))
    assert "credit_memo_date" in plan(memos.order_by()[:10_001], only_bitmaps=True)
