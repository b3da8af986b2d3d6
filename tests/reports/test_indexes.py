"""The report's indexes (reports migration 0001) on PostgreSQL: each is there, and the one no
other index could stand in for answers its query. (Which of two indexes on the same leading
column PostgreSQL picks depends on table statistics, which a test database does not have:
`make bench-report` shows the plans at a million memo items.)"""

import datetime

import pytest
from django.db import connection

from reports.selectors import ReportFilters, reversed_items
from tests.conftest import plan, postgresql_indexes

pytestmark = [pytest.mark.django_db, postgresql_indexes]

NOVEMBER = ReportFilters(datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))


def test_the_report_s_indexes_exist_with_what_they_carry():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'report\\_%%'"
        )
        found = dict(cursor.fetchall())
    assert {name: found[name].split(" USING btree ")[1] for name in found} == {
        "report_memo_date_number": (
            "(memo_date, number) INCLUDE (id, document_id, reason_code_id, revenue_impacting)"
        ),
        "report_memo_reversal_number": (
            "(reversal_date, number) INCLUDE (id, document_id, reason_code_id, "
            "revenue_impacting) WHERE (reversal_date IS NOT NULL)"
        ),
        "report_item_memo": "(memo_id) INCLUDE (amount, accounting_code_id)",
        "report_document_currency": "(id) INCLUDE (currency, account_id)",
    }


def test_a_period_s_reversals_are_found_by_their_reversal_date():
    used = plan(reversed_items(NOVEMBER).values("memo_id"), only_bitmaps=True)
    assert "report_memo_reversal_number" in used
