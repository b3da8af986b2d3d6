"""The login page, the home page and the layout every page shares (base.html)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from tests.factories import ReasonCodeFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # the password UserFactory gives every user


def script_tags(html: str) -> list[str]:
    return re.findall(r"<script\b[^>]*>", html)


def test_login_page_renders_labelled_username_and_password_fields(client):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    html = response.text
    assert re.search(r'<label\s+for="id_username"[^>]*>\s*Username', html)
    assert re.search(r'<label\s+for="id_password"[^>]*>\s*Password', html)
    assert 'id="id_username"' in html
    assert 'type="password"' in html


def test_login_with_a_wrong_password_says_so_and_signs_no_one_in(client):
    UserFactory(username="finance")

    response = client.post("/accounts/login/", {"username": "finance", "password": "wrong"})

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text
    assert "_auth_user_id" not in client.session


def test_login_with_the_right_password_goes_home(client):
    UserFactory(username="finance")

    response = client.post("/accounts/login/", {"username": "finance", "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == "/"


def test_home_sends_an_anonymous_user_to_the_login_page(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/"


def test_home_sends_a_user_who_may_see_invoices_to_all_invoices(clerk, client):
    client.force_login(clerk)

    response = client.get("/")

    assert response.status_code == 302
    assert response.url == "/billing/invoices/"


def test_home_greets_the_signed_in_user_and_offers_a_sign_out_form(client):
    client.force_login(UserFactory(username="finance"))

    response = client.get("/")

    assert response.status_code == 200
    html = response.text
    assert "finance" in html
    sign_out = re.search(r'<form method="post" action="/accounts/logout/".*?</form>', html, re.S)
    assert sign_out
    assert 'name="csrfmiddlewaretoken"' in sign_out.group()
    assert "Sign out" in sign_out.group()
    assert 'href="/admin/"' not in html


def test_home_links_staff_to_the_admin(client):
    client.force_login(UserFactory(is_staff=True))

    response = client.get("/")

    assert 'href="/admin/"' in response.text


def test_signing_out_ends_the_session(client):
    client.force_login(UserFactory())

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response.url == "/accounts/login/"
    assert client.get("/").status_code == 302


def test_pages_send_a_csp_with_a_nonce_that_every_script_tag_carries(client):
    client.force_login(UserFactory())

    response = client.get("/")

    policy = response.headers["Content-Security-Policy"]
    nonce = re.search(r"script-src 'self' 'nonce-([^']+)'", policy).group(1)
    scripts = script_tags(response.text)
    assert any("htmx-2.min.js" in tag for tag in scripts)
    assert any("bootstrap.bundle.min.js" in tag for tag in scripts)
    for tag in scripts:
        assert f'nonce="{nonce}"' in tag
        assert re.search(r'src="/static/', tag), "every script is a file served by this site"


def test_pages_use_no_inline_styles_and_no_outside_assets(client):
    client.force_login(UserFactory(is_staff=True))

    html = client.get("/").text + client.get("/accounts/login/").text

    assert " style=" not in html
    assert "<style" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_htmx_requests_carry_the_csrf_token_in_a_header(client):
    client.force_login(UserFactory())

    response = client.get("/")

    token = re.search(r"""<body hx-headers='\{"X-CSRFToken": "([^"]+)"\}'>""", response.text)
    assert token
    assert token.group(1)


def test_messages_show_as_bootstrap_alerts_with_danger_for_errors(admin_client):
    reason, other = ReasonCodeFactory(), ReasonCodeFactory()
    # The admin's actions leave messages; the next page of the product shows them.
    admin_client.post(
        "/admin/writeoffs/reasoncode/",
        {"action": "make_default", "_selected_action": [reason.pk], "index": "0"},
    )
    admin_client.post(
        "/admin/writeoffs/reasoncode/",
        {"action": "make_default", "_selected_action": [reason.pk, other.pk], "index": "0"},
    )

    html = admin_client.get("/", follow=True).text

    assert re.search(r'class="alert alert-success[^"]*" role="alert">\s*Reason \d+ is now', html)
    assert re.search(r'class="alert alert-danger[^"]*" role="alert">', html)


def test_bootstrap_is_vendored_with_its_licence_and_version():
    bootstrap = Path(settings.BASE_DIR, "static", "vendor", "bootstrap")

    assert (bootstrap / "VERSION").read_text().startswith("5.3.")
    assert "MIT License" in (bootstrap / "LICENSE").read_text()
    assert finders.find("vendor/bootstrap/css/bootstrap.min.css")
    assert finders.find("vendor/bootstrap/js/bootstrap.bundle.min.js")
    assert finders.find("django_htmx/htmx-2.min.js")
