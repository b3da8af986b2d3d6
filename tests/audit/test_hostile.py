"""Sign-in and sessions as a hostile user would try them: username variants against the
lockout, `next=` pointing elsewhere, and a page's own polling keeping a session alive."""

import datetime
import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone

from audit.models import AuditEntry
from audit.sessions import POLL_HEADER, REFRESH_EVERY, STAMP
from bulk.models import BulkJob
from bulk.services import bulk_job_prepare, bulk_job_start
from tests.bulk.conftest import invoices, proposal
from tests.conftest import VIEW_DOCUMENTS, WRITE_OFF
from tests.factories import UserFactory
from writeoffs.models import BULK_WRITE_OFF_PERMISSION

pytestmark = pytest.mark.django_db

SITE = "/accounts/login/"
#: "member" in full-width letters, which the form reads as "member" (NFKC).
FULL_WIDTH = "\uff4d\uff45\uff4d\uff42\uff45\uff52"


@pytest.fixture
def member(db):
    return UserFactory(username="member", password="right-password")


def sign_in(client, username, password="right-password", **extra):
    return client.post(SITE, {"username": username, "password": password, **extra})


# The lockout counts the username as the form reads it


@pytest.mark.parametrize("variant", [" member", "member ", "\tmember\n", FULL_WIDTH])
def test_a_locked_out_username_stays_locked_out_in_any_spelling_that_signs_in(
    client, member, variant
):
    for _ in range(5):
        sign_in(client, "member", "wrong")

    response = sign_in(client, variant)

    assert response.status_code == 429
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize("variant", [" member", FULL_WIDTH])
def test_failures_in_another_spelling_count_against_the_username(client, member, variant):
    for _ in range(5):
        sign_in(client, variant, "wrong")

    assert sign_in(client, "member").status_code == 429


def test_a_username_in_another_case_is_another_username(client, member):
    """Usernames are case-sensitive: MEMBER's failures cannot lock member out, and MEMBER
    never signs in as member."""
    for _ in range(5):
        sign_in(client, "MEMBER", "wrong")
    assert sign_in(client, "MEMBER").status_code in (200, 429)
    assert SESSION_KEY not in client.session
    assert sign_in(client, "member").status_code == 302


# After signing in, only this site's own pages


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        " //evil.example",
        "\t//evil.example",
    ],
)
def test_next_never_leads_to_another_site(client, member, target):
    response = client.post(
        f"{SITE}?next={target}",
        {"username": "member", "password": "right-password", "next": target},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


# A page's own polling is not a clerk at the keyboard


@pytest.fixture
def running_job(client):
    clerk = UserFactory(
        username="bulk-clerk", permissions=[VIEW_DOCUMENTS, WRITE_OFF, BULK_WRITE_OFF_PERMISSION]
    )
    job = bulk_job_prepare(user=clerk, documents=invoices(1), chosen_by="test")
    job = bulk_job_start(job=job, user=clerk, proposal=proposal(), enqueue=lambda job_id: None)
    assert job.status == BulkJob.Status.QUEUED
    client.force_login(clerk)
    return job


def _stamp_older(client, seconds):
    session = client.session
    session[STAMP] = int(time.time()) - seconds
    session.save()


def test_the_job_page_polls_saying_it_is_a_poll(client, running_job):
    page = client.get(f"/billing/bulk-write-offs/{running_job.pk}/").content.decode()
    assert f'hx-headers=\'{{"{POLL_HEADER}": "true"}}\'' in page


def test_polling_a_job_page_does_not_keep_an_idle_session_alive(client, running_job):
    url = f"/billing/bulk-write-offs/{running_job.pk}/"
    _stamp_older(client, REFRESH_EVERY)
    ends = timezone.now() + datetime.timedelta(minutes=5)
    Session.objects.update(expire_date=ends)

    response = client.get(url, headers={"HX-Request": "true", POLL_HEADER: "true"})

    assert response.status_code == 200
    assert Session.objects.get().expire_date == ends
    # The clerk's own next request does move it on.
    client.get(url)
    assert Session.objects.get().expire_date - timezone.now() > datetime.timedelta(minutes=29)


def test_a_poll_after_the_session_ended_is_sent_to_sign_in(client, running_job):
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(
        f"/billing/bulk-write-offs/{running_job.pk}/",
        headers={"HX-Request": "true", POLL_HEADER: "true"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# Headers no page may read


@pytest.mark.parametrize("header", ["HTTP_USER_AGENT", "HTTP_ACCEPT", "HTTP_REFERER"])
@pytest.mark.parametrize("value", ["\x00", "Mozilla\x00/5.0", "a\x1bb", "a\rb"])
def test_a_sign_in_with_a_control_character_in_a_header_is_a_400_and_nothing_is_kept(
    client, member, header, value
):
    response = client.post(SITE, {"username": "member", "password": "wrong"}, **{header: value})
    assert response.status_code == 400
    assert response.text == "A request header holds a control character."
    assert not AccessAttempt.objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_tab_in_a_header_is_allowed(client, member):
    response = client.post(
        SITE,
        {"username": "member", "password": "right-password"},
        HTTP_USER_AGENT="Mozilla/5.0\t(X11)",
    )
    assert response.status_code == 302


# The admin's lists of the trail and of failed sign-ins


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/admin/audit/auditentry/", {"address": "not an address"}),
        ("/admin/audit/auditentry/", {"data": "{}"}),
        ("/admin/audit/auditentry/", {"username": "member"}),
        ("/admin/axes/accessattempt/", {"ip_address": "not an address"}),
        ("/admin/axes/accessattempt/", {"user_agent": "x"}),
    ],
)
def test_an_admin_list_filtered_by_a_field_it_offers_no_filter_for_is_a_400(
    admin_client, path, query
):
    assert admin_client.get(path, query).status_code == 400


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/admin/audit/auditentry/", {"action__exact": "sign_in_failed"}),
        ("/admin/audit/auditentry/", {"channel__exact": "dialog", "q": "member"}),
        (
            "/admin/audit/auditentry/",
            {"at__gte": "2026-11-01 00:00:00+00:00", "at__lt": "2026-12-01 00:00:00+00:00"},
        ),
        ("/admin/audit/auditentry/", {"user__id__exact": "1"}),
        ("/admin/axes/accessattempt/", {"locked_out": "yes"}),
        ("/admin/axes/accessattempt/", {"path_info": "/accounts/login/"}),
        ("/admin/axes/accessattempt/", {"attempt_time__year": "2026"}),
    ],
)
def test_an_admin_list_is_filtered_by_its_own_filters(admin_client, path, query):
    assert admin_client.get(path, query).status_code == 200


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/admin/audit/auditentry/", {"action__exact": "\x00"}),
        ("/admin/audit/auditentry/", {"q": "a\x00b"}),
        ("/admin/axes/accessattempt/", {"path_info": "\x00"}),
        ("/admin/writeoffs/creditmemo/", {"number": "\x00"}),
        ("/admin/billing/invoice/", {"\x00": "x"}),
    ],
)
def test_an_admin_page_asked_for_with_a_nul_is_a_400(admin_client, path, query):
    response = admin_client.get(path, query)
    assert response.status_code == 400
    assert response.text == "The address holds the NUL character."


def test_the_api_refuses_a_header_with_a_control_character_in_its_own_json(client, member):
    response = client.get(
        "/api/v1/invoices/INV1", headers={"Authorization": "Bearer x", "User-Agent": "a\x00b"}
    )
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json; charset=utf-8"
