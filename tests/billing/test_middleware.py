"""Pages and API answers with billing data are never kept by a browser or proxy."""

import pytest

from api.services import api_token_create
from tests.api.helpers import bearer
from tests.factories import invoice_with_all_kinds

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/billing/invoices/",
        "/billing/invoices/INV00000101/",
        "/billing/credit-memos/",
        "/accounts/login/",
    ],
)
def test_pages_are_sent_with_no_store(client, clerk, path):
    invoice_with_all_kinds(number="INV00000101")
    client.force_login(clerk)
    response = client.get(path)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_the_dialog_and_the_api_are_sent_with_no_store(client, clerk):
    invoice_with_all_kinds(number="INV00000101")
    client.force_login(clerk)
    dialog = client.get("/billing/invoices/INV00000101/write-off/", HTTP_HX_REQUEST="true")
    token = api_token_create(user=clerk, name="script")[1]
    api = client.get("/api/v1/invoices/INV00000101", headers=bearer(token))
    refused = client.get("/api/v1/invoices/INV404", headers=bearer(token))
    for response in (dialog, api, refused):
        assert "no-store" in response["Cache-Control"], response
