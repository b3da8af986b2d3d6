"""Bearer tokens (SPEC C8): made by a command or in the admin, stored hashed, revocable; the API
acts with the token's user's permissions (C4)."""

import datetime
import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import ApiToken
from api.services import api_token_create, api_token_revoke
from tests.api.helpers import bearer, reasons, write_off_path
from tests.factories import UserFactory
from writeoffs.models import CreditMemo

pytestmark = pytest.mark.django_db

INVOICE = "/api/v1/invoices/INV00000101"


def test_request_without_a_token_gets_401_with_a_bearer_challenge(client, kind, example):
    response = client.get(kind.path(kind.number()))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert reasons(response) == [("not_authenticated", None)]


@pytest.mark.parametrize(
    "header", ["Basic Y2xlcms6cGFzc3dvcmQ=", "Bearer", "Token abc", "bearer", "Bearer  "]
)
def test_malformed_authorization_header_gets_401(client, invoice, header):
    response = client.get(INVOICE, headers={"Authorization": header})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert reasons(response)[0][0] in {"not_authenticated", "invalid_token"}


def test_unknown_token_gets_401(client, invoice):
    response = client.get(INVOICE, headers=bearer("wo_not-a-real-token"))
    assert response.status_code == 401
    assert reasons(response) == [("invalid_token", None)]


def test_revoked_token_gets_401(client, clerk, invoice):
    api_token, token = api_token_create(user=clerk, name="old script")
    assert client.get(INVOICE, headers=bearer(token)).status_code == 200
    api_token_revoke(api_token=api_token)
    response = client.get(INVOICE, headers=bearer(token))
    assert response.status_code == 401
    assert reasons(response) == [("invalid_token", None)]


def test_token_of_an_inactive_user_gets_401(client, clerk, clerk_token, invoice):
    clerk.is_active = False
    clerk.save()
    assert client.get(INVOICE, headers=bearer(clerk_token)).status_code == 401


def test_token_of_a_user_without_permission_to_see_documents_gets_403(client, kind, example):
    token = api_token_create(user=UserFactory(username="nobody"), name="x")[1]
    response = client.get(kind.path(kind.number()), headers=bearer(token))
    assert response.status_code == 403
    assert reasons(response) == [("permission_denied", None)]


def test_token_of_a_user_without_permission_to_write_off_gets_403(
    client, viewer_token, kind, example
):
    number = kind.number()
    assert client.get(kind.path(number), headers=bearer(viewer_token)).status_code == 200
    response = client.put(
        kind.write_off_path(number), "{}", "application/json", headers=bearer(viewer_token)
    )
    assert response.status_code == 403
    assert reasons(response) == [("permission_denied", None)]
    assert CreditMemo.objects.count() == 0


def test_permission_is_checked_before_the_body_is_read(client, viewer_token, invoice):
    response = client.put(
        write_off_path("INV00000101"), "not json", "text/plain", headers=bearer(viewer_token)
    )
    assert response.status_code == 403


def test_a_superuser_token_may_write_off(client, django_user_model, invoice):
    boss = django_user_model.objects.create_superuser("boss", password="x")
    token = api_token_create(user=boss, name="x")[1]
    response = client.put(write_off_path("INV00000101"), "{}", headers=bearer(token))
    assert response.status_code == 200
    assert CreditMemo.objects.get().created_by == boss


def test_token_is_stored_only_as_its_hash(clerk):
    api_token, token = api_token_create(user=clerk, name="x")
    assert token.startswith("wo_") and len(token) > 40
    stored = ApiToken.objects.get(pk=api_token.pk)
    assert stored.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert stored.prefix == token[:10]
    assert token not in {getattr(stored, f.attname) for f in ApiToken._meta.concrete_fields}


def test_using_a_token_records_when_it_was_last_used(client, clerk, invoice):
    api_token, token = api_token_create(user=clerk, name="x")
    assert api_token.last_used is None
    client.get(INVOICE, headers=bearer(token))
    api_token.refresh_from_db()
    assert api_token.last_used is not None


def writes(client, token) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(INVOICE, headers=bearer(token)).status_code == 200
    return [query["sql"] for query in captured if not query["sql"].startswith("SELECT")]


def test_a_read_writes_nothing_when_the_token_was_used_moments_ago(client, clerk, invoice):
    api_token, token = api_token_create(user=clerk, name="x")
    moments_ago = timezone.now() - datetime.timedelta(seconds=50)
    ApiToken.objects.filter(pk=api_token.pk).update(last_used=moments_ago)
    assert writes(client, token) == []
    api_token.refresh_from_db()
    assert api_token.last_used == moments_ago


def test_a_read_records_the_use_once_the_last_is_a_minute_old(client, clerk, invoice):
    api_token, token = api_token_create(user=clerk, name="x")
    a_minute_ago = timezone.now() - datetime.timedelta(seconds=61)
    ApiToken.objects.filter(pk=api_token.pk).update(last_used=a_minute_ago)
    assert len(writes(client, token)) == 1
    api_token.refresh_from_db()
    assert api_token.last_used > a_minute_ago
    assert writes(client, token) == []


def test_create_api_token_command_prints_a_working_token(client, clerk, invoice):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", "clerk", "--name", "nightly", stdout=out, stderr=err)
    token = out.getvalue().strip()
    assert "not shown again" in err.getvalue()
    assert ApiToken.objects.get(user=clerk).name == "nightly"
    assert client.get(INVOICE, headers=bearer(token)).status_code == 200


def test_create_api_token_command_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="There is no user 'ghost'"):
        call_command("create_api_token", "ghost", stdout=io.StringIO())
