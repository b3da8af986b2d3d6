import datetime
from decimal import Decimal

import pytest

from bulk.models import BulkJob
from bulk.services import bulk_job_prepare, bulk_job_start
from tests.conftest import VIEW_DOCUMENTS, WRITE_OFF
from tests.factories import AccountFactory, InvoiceFactory, UserFactory, add_line
from writeoffs.checks import WriteOffProposal
from writeoffs.models import BULK_WRITE_OFF_PERMISSION, ReasonCode

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
DUMMY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def immediate_tasks(settings):
    """Tasks run inside the call that queues them, as with no worker at all."""
    settings.TASKS = IMMEDIATE


@pytest.fixture
def bulk_clerk(db):
    """A clerk who may see documents, write them off, and do so in bulk."""
    return UserFactory(
        username="bulk-clerk", permissions=[VIEW_DOCUMENTS, WRITE_OFF, BULK_WRITE_OFF_PERMISSION]
    )


def invoices(count, *, amount="10.00", currency="USD", account=None, **kwargs):
    """`count` posted one-line invoices of `amount`, for one account."""
    account = account or AccountFactory()
    made = []
    for _ in range(count):
        invoice = InvoiceFactory(currency=currency, account=account, **kwargs)
        add_line(invoice, amount=amount)
        made.append(invoice)
    return made


def proposal(**fields) -> WriteOffProposal:
    fields.setdefault("memo_date", datetime.date(2026, 11, 1))
    fields.setdefault("reason_code", ReasonCode.objects.default())
    return WriteOffProposal(full_balance=True, **fields)


def started_job(user, documents, *, enqueue=lambda job_id: None, **fields) -> BulkJob:
    """A job of `documents` started by `user`; by default nothing is queued."""
    job = bulk_job_prepare(user=user, documents=documents, chosen_by="test")
    return bulk_job_start(job=job, user=user, proposal=proposal(**fields), enqueue=enqueue)


def total_written_off(document) -> Decimal:
    return sum((memo.total for memo in document.credit_memos.all()), Decimal(0))
