"""Production settings come from the environment alone (SPEC C2, Q5)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "a-long-random-test-key-" + "x" * 40,
    "DJANGO_ALLOWED_HOSTS": "billing.example.com",
}


def production_free_environment() -> dict[str, str]:
    """This process's environment without what the browser tests set for themselves."""
    return {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}


def manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env={**production_free_environment(), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", **{**PRODUCTION, "DJANGO_SECRET_KEY": ""})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_an_unreadable_debug_flag_is_refused(value):
    result = manage("check", DJANGO_DEBUG=value)
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be" in result.stderr


def database_setting(name: str, **env) -> str:
    """What settings.py makes of the default database's setting `name` in that environment."""
    code = f"from django.conf import settings; print(settings.DATABASES['default'][{name!r}])"
    result = manage("shell", "-v", "0", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_connections_are_kept_for_a_minute_and_checked_before_reuse():
    assert database_setting("CONN_MAX_AGE", DJANGO_CONN_MAX_AGE="") == "60"
    assert database_setting("CONN_HEALTH_CHECKS") == "True"
    assert database_setting("CONN_MAX_AGE", DJANGO_CONN_MAX_AGE="0") == "0"


def test_postgresql_statements_are_prepared_unless_a_pooler_cannot_keep_them():
    url = "postgres://billing@db.example.com:5432/billing"
    options = database_setting("OPTIONS", DATABASE_URL=url, DJANGO_DB_PREPARED_STATEMENTS="")
    assert options == "{'server_side_binding': True, 'prepare_threshold': 5}"
    off = database_setting("OPTIONS", DATABASE_URL=url, DJANGO_DB_PREPARED_STATEMENTS="0")
    assert off == "{}"
    assert "server_side_binding" not in database_setting("OPTIONS", DATABASE_URL="sqlite:///x")


@pytest.mark.parametrize("value", ["-1", "1.5", "ten", "\u0661"])
def test_an_unreadable_number_of_seconds_is_refused(value):
    result = manage("check", DJANGO_CONN_MAX_AGE=value)
    assert result.returncode != 0
    assert "DJANGO_CONN_MAX_AGE must be a whole number of seconds" in result.stderr


def test_a_worker_loads_every_view_before_its_first_request_and_freezes_what_it_loaded():
    """`config.wsgi` imports the URL configuration (every view, the API's schemas) and hands
    all of it to `gc.freeze()`, so that full collections no longer walk it."""
    code = (
        "import gc, sys\n"
        "import config.wsgi\n"
        "print(gc.get_freeze_count() > 50_000, 'writeoffs.views' in sys.modules,"
        " 'api.views' in sys.modules or any(m.startswith('api.views.') for m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT,
        env={**production_free_environment(), **PRODUCTION},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True"]
