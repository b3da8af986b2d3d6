"""An idle session ends (SPEC D6): 30 minutes after its last request, while a request saves
the session at most once a minute."""

import datetime
import time

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.sessions import REFRESH_EVERY, STAMP
from tests.factories import invoice_with_all_kinds

pytestmark = pytest.mark.django_db

PAGE = "/billing/invoices/INV00000101/"


@pytest.fixture
def clerk_client(client, clerk):
    invoice_with_all_kinds(number="INV00000101")
    client.force_login(clerk)
    return client


def expiry() -> datetime.datetime:
    return Session.objects.get().expire_date


def make_stamp_older(client, seconds):
    session = client.session
    session[STAMP] = int(time.time()) - seconds
    session.save()


def test_a_session_lasts_30_idle_minutes(settings, clerk_client):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    clerk_client.get(PAGE)
    left = expiry() - timezone.now()
    assert datetime.timedelta(minutes=29) < left <= datetime.timedelta(minutes=30)


def test_a_session_idle_past_its_age_has_ended(clerk_client):
    assert clerk_client.get(PAGE).status_code == 200
    # As 30 minutes without a request leave it.
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = clerk_client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_requests_within_a_minute_write_no_session(clerk_client):
    clerk_client.get(PAGE)
    before = expiry()
    with CaptureQueriesContext(connection) as queries:
        clerk_client.get(PAGE)
    # The session is read, not written.
    session_sql = [q["sql"] for q in queries if "django_session" in q["sql"]]
    assert len(session_sql) == 1
    assert session_sql[0].startswith("SELECT")
    assert expiry() == before


def test_a_request_a_minute_after_the_last_save_moves_the_end_on(clerk_client):
    clerk_client.get(PAGE)
    make_stamp_older(clerk_client, REFRESH_EVERY)
    Session.objects.update(expire_date=timezone.now() + datetime.timedelta(minutes=5))
    clerk_client.get(PAGE)
    assert expiry() - timezone.now() > datetime.timedelta(minutes=29)


def test_an_anonymous_or_token_request_saves_no_session(client):
    client.get("/accounts/login/")
    client.get("/api/v1/invoices/INV404", headers={"Authorization": "Bearer wo_nothing"})
    assert not Session.objects.exists()
