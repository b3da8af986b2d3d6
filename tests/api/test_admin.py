"""API tokens in the admin: made there and shown once, revoked there."""

import re

import pytest

from api.models import ApiToken
from api.services import api_token_create
from tests.api.helpers import bearer

pytestmark = pytest.mark.django_db

INVOICE = "/api/v1/invoices/INV00000101"


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("admin", password="x"))
    return client


def test_admin_makes_a_token_and_shows_it_once(admin_client, clerk, invoice):
    response = admin_client.post(
        "/admin/api/apitoken/add/", {"user": clerk.pk, "name": "billing script"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = re.search(r'<code id="api-token">([^<]+)</code>', response.content.decode())[1]
    api_token = ApiToken.objects.get(user=clerk)
    assert api_token.name == "billing script"
    assert admin_client.get(INVOICE, headers=bearer(token)).status_code == 200
    change_page = admin_client.get(f"/admin/api/apitoken/{api_token.pk}/change/")
    assert token not in change_page.content.decode()


def test_admin_revokes_tokens(admin_client, clerk, invoice):
    api_token, token = api_token_create(user=clerk, name="x")
    response = admin_client.post(
        "/admin/api/apitoken/", {"action": "revoke", "_selected_action": [api_token.pk]}
    )
    assert response.status_code == 302
    api_token.refresh_from_db()
    assert api_token.revoked_at is not None
    assert admin_client.get(INVOICE, headers=bearer(token)).status_code == 401
