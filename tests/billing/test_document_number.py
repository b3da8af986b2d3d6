"""A document's number is unique by the model's constraint `document_number_unique`, with one
index: what looks a document up by its number reads it, and a number given twice is refused."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from billing.models import BillingDocument
from tests.conftest import plan, postgresql_indexes
from tests.factories import InvoiceFactory

pytestmark = pytest.mark.django_db


@postgresql_indexes
def test_the_number_has_one_index_which_its_look_up_reads():
    InvoiceFactory(number="INV00000001")

    assert "document_number_unique" in plan(BillingDocument.objects.filter(number="INV00000001"))
    with connection.cursor() as cursor:
        # The b-trees that start with the number (the search's trigrams are of UPPER(number)).
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename = 'billing_billingdocument' AND indexdef LIKE '%%btree (number%%'"
        )
        indexes = dict(cursor.fetchall())
    assert list(indexes) == ["document_number_unique"]
    assert indexes["document_number_unique"].startswith("CREATE UNIQUE INDEX")


def test_a_number_given_twice_is_refused_by_the_database_and_by_validation():
    first = InvoiceFactory(number="INV00000001")
    second = InvoiceFactory.build(number="INV00000001", account=first.account)

    with pytest.raises(ValidationError, match="with this Number already exists"):
        second.validate_constraints()
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()
    assert BillingDocument.objects.filter(number="INV00000001").count() == 1
