"""The report's indexes answer its queries (PostgreSQL plans; reports migration 0001)."""

import datetime

import pytest

from reports.selectors import ReportFilters, reversed_items, written_off_items
from tests.conftest import plan, postgresql_indexes

pytestmark = [pytest.mark.django_db, postgresql_indexes]

NOVEMBER = ReportFilters(datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))


def test_a_period_s_reversals_are_found_by_their_reversal_date():
    used = plan(reversed_items(NOVEMBER).values("memo_id"), only_bitmaps=True)
    assert "report_memo_reversal_number" in used


def test_a_period_s_memos_items_and_currencies_are_found_by_the_report_s_indexes():
    """(Whether from the index alone depends on the visibility map, which an empty test
    database does not have: the benchmark shows index-only scans at a million items.)"""
    items = written_off_items(NOVEMBER).values("memo__document__currency", "amount")
    used = plan(items)
    for index in ("report_memo_date_number", "report_item_memo", "report_document_currency"):
        assert index in used


def test_the_csv_s_write_offs_come_in_the_order_of_an_index():
    rows = written_off_items(NOVEMBER).order_by("memo__memo_date", "memo__number")
    used = plan(rows.values("memo__number"))
    assert "report_memo_date_number" in used
    assert "Sort" not in used
