"""Every page and API answer is sent with no-store and a Permissions-Policy; refusals are logged
in one line; the proxy and HSTS preload are trusted only when the deployment says so (D6)."""

import io
import logging

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from api.services import api_token_create
from audit.context import client_address
from billing.middleware import NoStoreMiddleware
from config.logging import RefusalsInOneLine
from tests.api.helpers import bearer
from tests.factories import DebitMemoFactory, invoice_with_all_kinds, write_off
from tests.test_settings import PRODUCTION, manage

pytestmark = pytest.mark.django_db

PAGES = [
    "/billing/invoices/",
    "/billing/invoices/INV00000101/",
    "/billing/invoices/INV00000101/history/",
    "/billing/debit-memos/",
    "/billing/debit-memos/DM00000101/",
    "/billing/debit-memos/DM00000101/history/",
    "/billing/credit-memos/",
    "/billing/credit-memos/{memo}/",
    "/billing/credit-memos/{memo}/history/",
    "/billing/reports/write-offs/",
    "/billing/reports/write-offs/csv/",
    "/billing/bulk-write-offs/",
    "/accounts/login/",
    "/admin/",
    "/admin/billing/invoice/",
    "/admin/writeoffs/creditmemo/",
    "/admin/audit/auditentry/",
    "/api/v1/docs",
    "/api/v1/openapi.json",
]
API = [
    "/api/v1/invoices/INV00000101",
    "/api/v1/debitmemos/DM00000101",
    "/api/v1/credit-memos/{memo}",
    "/api/v1/invoices/INV404",
]


@pytest.fixture
def memo(admin_user):
    invoice, charge, *_ = invoice_with_all_kinds(number="INV00000101")
    invoice_with_all_kinds(number="DM00000101", document_factory=DebitMemoFactory)
    return write_off(invoice, admin_user, [(charge, "1.00")])


def assert_never_kept(response):
    assert "no-store" in response["Cache-Control"], response
    assert response["Permissions-Policy"].startswith("accelerometer=()")


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_sent_with_no_store(admin_client, memo, path):
    response = admin_client.get(path.format(memo=memo.number))
    assert response.status_code == 200, path
    assert_never_kept(response)


@pytest.mark.parametrize("path", API)
def test_every_api_answer_is_sent_with_no_store(client, admin_user, memo, path):
    token = api_token_create(user=admin_user, name="script")[1]
    response = client.get(path.format(memo=memo.number), headers=bearer(token))
    assert response.status_code in (200, 404)
    assert_never_kept(response)
    assert_never_kept(client.get(path.format(memo=memo.number)))  # 401


def test_a_dialog_and_a_refusal_are_sent_with_no_store(client, viewer, memo):
    client.force_login(viewer)
    response = client.get("/billing/invoices/INV00000101/write-off/", HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert_never_kept(response)


def test_a_view_that_sets_its_own_cache_control_is_made_no_store_too(rf):
    def cached(request):
        response = HttpResponse("balances")
        response["Cache-Control"] = "public, max-age=3600"
        return response

    response = NoStoreMiddleware(cached)(rf.get("/"))
    assert "no-store" in response["Cache-Control"]


def test_a_refusal_is_logged_in_one_line_without_a_traceback(client, viewer, memo):
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RefusalsInOneLine) for f in h.filters)
    )
    client.force_login(viewer)
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        response = client.post("/billing/invoices/INV00000101/write-off/", {})
    finally:
        handler.setStream(old)
    assert response.status_code == 403
    logged = stream.getvalue()
    assert logged == "Forbidden (Permission denied): /billing/invoices/INV00000101/write-off/\n"


def test_a_body_too_large_is_logged_in_one_line_without_a_traceback(client):
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RefusalsInOneLine) for f in h.filters)
    )
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        response = client.post("/accounts/login/", {"username": "x" * 3_000_000})
    finally:
        handler.setStream(old)
    assert response.status_code == 400
    assert stream.getvalue().startswith("Request body exceeded")
    assert len(stream.getvalue().splitlines()) == 1


def test_the_client_address_is_the_proxys_last_only_behind_a_proxy(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.4"
    )
    settings.BEHIND_PROXY = False
    assert client_address(request) == "10.0.0.2"
    settings.BEHIND_PROXY = True
    assert client_address(request) == "198.51.100.4"
    request.META["HTTP_X_FORWARDED_FOR"] = "not an address"
    assert client_address(request) is None


def setting(name: str, **env) -> str:
    code = f"from django.conf import settings; print(getattr(settings, {name!r}, None))"
    result = manage("shell", "-v", "0", "-c", code, **{**PRODUCTION, **env})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_proxy_header_is_trusted_only_behind_a_proxy():
    assert setting("SECURE_PROXY_SSL_HEADER") == "None"
    assert setting("SECURE_PROXY_SSL_HEADER", DJANGO_BEHIND_PROXY="1") == (
        "('HTTP_X_FORWARDED_PROTO', 'https')"
    )


def test_hsts_preload_only_when_asked_for():
    assert setting("SECURE_HSTS_PRELOAD") == "False"
    assert setting("SECURE_HSTS_PRELOAD", DJANGO_HSTS_PRELOAD="1") == "True"


@pytest.mark.parametrize(
    "env", [{}, {"DJANGO_BEHIND_PROXY": "1", "DJANGO_HSTS_PRELOAD": "1"}], ids=["plain", "proxy"]
)
def test_check_deploy_is_clean_either_way(env):
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, **env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_idle_minutes_come_from_the_environment():
    assert setting("SESSION_COOKIE_AGE") == "1800"
    assert setting("SESSION_COOKIE_AGE", DJANGO_SESSION_IDLE_MINUTES="5") == "300"
    for value in ("0", "half"):
        result = manage("check", **{**PRODUCTION, "DJANGO_SESSION_IDLE_MINUTES": value})
        assert result.returncode != 0
        assert "DJANGO_SESSION_IDLE_MINUTES must be" in result.stderr
