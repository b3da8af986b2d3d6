"""A line's parent and revenue code are indexed only where set; what looks lines up by them
(Django's PROTECT, the database's foreign keys) still reads those indexes, and still refuses."""

import pytest
from django.db import connection
from django.db.models import ProtectedError

from billing.models import LineItem
from tests.conftest import plan, postgresql_indexes
from tests.factories import invoice_with_all_kinds

pytestmark = pytest.mark.django_db


@pytest.fixture
def charge():
    _, charge, *_ = invoice_with_all_kinds()
    return charge


@postgresql_indexes
def test_the_look_ups_by_parent_and_revenue_code_read_their_partial_indexes(charge):
    # What Django's PROTECT asks before a line or an accounting code is deleted.
    assert "line_parent" in plan(LineItem.objects.filter(parent__in=[charge.pk]))
    assert "line_revenue_code" in plan(
        LineItem.objects.filter(revenue_code__in=[charge.accounting_code_id])
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'billing_lineitem' "
            "AND indexname IN ('line_parent', 'line_revenue_code') ORDER BY indexname"
        )
        definitions = dict(cursor.fetchall())
    assert definitions["line_parent"].endswith("WHERE (parent_id IS NOT NULL)")
    assert definitions["line_revenue_code"].endswith("WHERE (revenue_code_id IS NOT NULL)")


def test_a_parent_line_and_a_revenue_code_in_use_are_still_protected(charge):
    charge.revenue_code = charge.accounting_code
    charge.save(update_fields=["revenue_code"])

    with pytest.raises(ProtectedError):
        charge.delete()
    with pytest.raises(ProtectedError):
        charge.revenue_code.delete()
