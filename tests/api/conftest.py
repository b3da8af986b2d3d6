"""Fixtures for calling the API as a script would: with a bearer token and a raw JSON body.

A test that asks for `kind` (or `example`) runs once for invoices and once for debit memos."""

import json

import pytest

from api.services import api_token_create
from billing.models import VIEW_DOCUMENTS
from tests.api.helpers import KINDS, bearer
from tests.factories import UserFactory, invoice_with_all_kinds
from writeoffs.models import REVERSE_PERMISSION


@pytest.fixture
def clerk_token(clerk) -> str:
    return api_token_create(user=clerk, name="tests")[1]


@pytest.fixture
def viewer_token(viewer) -> str:
    return api_token_create(user=viewer, name="tests")[1]


@pytest.fixture
def controller(db):
    """Someone who may see documents and reverse write-offs, but not write off (as the demo's
    controller)."""
    return UserFactory(username="controller", permissions=[VIEW_DOCUMENTS, REVERSE_PERMISSION])


@pytest.fixture
def controller_token(controller) -> str:
    return api_token_create(user=controller, name="tests")[1]


@pytest.fixture
def put_write_off(client, clerk_token):
    """`put_write_off(path, body, **headers)`: a PUT as the clerk. A `str` body is sent as it
    is (to send `1e3` or `NaN`), anything else as JSON."""

    def put(path, body, token=clerk_token, **headers):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return client.put(
            path,
            data,
            content_type="application/json",
            headers={**bearer(token), **headers},
        )

    return put


@pytest.fixture
def get_as_clerk(client, clerk_token):
    def get(path):
        return client.get(path, headers=bearer(clerk_token))

    return get


@pytest.fixture
def invoice():
    """INV00000101: Gold Plan 100.00, its tax 8.25, a discount -10.00 and its tax -0.83."""
    return invoice_with_all_kinds(number="INV00000101")


@pytest.fixture(params=KINDS, ids=str)
def kind(request):
    """Invoices, then debit memos: what the API does for one it does for the other."""
    return request.param


@pytest.fixture
def example(kind):
    """INV00000101 or DM00000101, as `invoice`: the charge, its tax, the discount, its tax."""
    return kind.with_all_kinds()
