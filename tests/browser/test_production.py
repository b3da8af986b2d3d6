"""The pages under `gunicorn config.wsgi` with DJANGO_DEBUG=0: static files through whitenoise,
no console errors, no Content Security Policy violations."""

import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.test_settings import production_free_environment

PROJECT = Path(__file__).resolve().parents[2]
PASSWORD = "finance-demo-only"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def production_site(tmp_path):
    """The demo data served by gunicorn with production settings, on an SQLite file of its own."""
    port = free_port()
    env = {
        **production_free_environment(),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "production-test-" + "k" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    for command in (
        ["migrate", "-v0"],
        ["seed_demo", "--allow-published-passwords"],
        ["collectstatic", "--no-input", "-v0"],
    ):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=PROJECT, env=env, check=True, timeout=120
        )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"],
        cwd=PROJECT,
        env=env,
    )
    try:
        for _ in range(100):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_pages_work_under_gunicorn_without_debug(browser, production_site):
    context = browser.new_context(base_url=production_site)
    page = context.new_page()
    problems = []
    page.on(
        "console",
        lambda message: (
            problems.append(message.text) if message.type in ("error", "warning") else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "response",
        lambda response: (
            problems.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("finance")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="All Invoices")).to_be_visible()
    # Bootstrap's stylesheet was served (by whitenoise, under its hashed name).
    assert "system-ui" in page.evaluate("getComputedStyle(document.body).fontFamily")
    page.get_by_role("link").filter(has_text="INV").first.click()
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Write Off Invoice").click()
    dialog = page.get_by_role("dialog", name="Write Off Invoice")
    expect(dialog).to_be_visible()
    dialog.get_by_role("textbox", name=re.compile("^Write-Off Amount for")).first.fill("1")
    expect(page.locator("#write-off-amount")).not_to_have_text("0.00")
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Credit memo CM00000001")
    page.get_by_role("button", name="Billing").click()
    page.get_by_role("link", name="Credit Memos").click()
    page.get_by_role("link", name="CM00000001").click()
    expect(page.get_by_role("heading", name="Credit Memo CM00000001")).to_be_visible()
    context.close()
    assert problems == []
