"""Sign-in lockout (SPEC D6): a username after 5 failures, an address after 20, for 15
minutes, in the site and the admin, with a clear message, an audit entry, and no password
hashed while locked out."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import MD5PasswordHasher

from audit.models import Action, AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SITE, ADMIN = "/accounts/login/", "/admin/login/"
LOCKED = "Too many failed sign-ins for this username or from this address"


class CountingHasher(MD5PasswordHasher):
    """The tests' hasher, counting every password it hashes."""

    calls = 0

    def encode(self, password, salt):
        CountingHasher.calls += 1
        return super().encode(password, salt)


@pytest.fixture(autouse=True)
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = ["tests.audit.test_signin.CountingHasher"]
    CountingHasher.calls = 0


@pytest.fixture
def member(db):
    return UserFactory(username="member", password="right-password", is_staff=True)


def sign_in(client, username, password, path=SITE, address="127.0.0.1"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client) -> bool:
    return SESSION_KEY in client.session


def fail(client, times, username="member", path=SITE, address="127.0.0.1"):
    return [sign_in(client, username, "wrong", path, address) for _ in range(times)]


def cool_off_passes():
    """As if the cool-off had passed since every failure."""
    earlier = settings.AXES_COOLOFF_TIME + timedelta(seconds=1)
    for attempt in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=attempt.pk).update(
            attempt_time=attempt.attempt_time - earlier
        )


@pytest.mark.parametrize("path", [SITE, ADMIN])
def test_five_failures_lock_the_username_out_with_a_clear_message(client, member, path):
    *before, fifth = fail(client, 5, path=path)
    assert {response.status_code for response in before} == {200}
    assert all(LOCKED not in response.text for response in before)
    assert fifth.status_code == 429
    assert LOCKED in fifth.text
    assert "locked for 15 minutes" in fifth.text

    right = sign_in(client, "member", "right-password", path)
    assert right.status_code == 429
    assert LOCKED in right.text
    assert not signed_in(client)


@pytest.mark.parametrize("path", [SITE, ADMIN])
def test_the_lockout_ends_after_the_cool_off(client, member, path):
    fail(client, 5, path=path)
    cool_off_passes()
    response = sign_in(client, "member", "right-password", path)
    assert response.status_code == 302
    assert signed_in(client)


def test_a_locked_out_username_is_locked_from_every_address(client, member):
    fail(client, 5, address="192.0.2.1")
    assert sign_in(client, "member", "right-password", address="192.0.2.2").status_code == 429


def test_four_failures_do_not_lock_and_a_success_forgets_them(client, member):
    fail(client, 4)
    assert sign_in(client, "member", "right-password").status_code == 302
    client.logout()
    fail(client, 4)
    assert sign_in(client, "member", "right-password").status_code == 302


def test_twenty_failures_from_one_address_lock_that_address_out(client, member):
    for number in range(19):
        sign_in(client, f"guess{number}", "wrong")
    # 19 failures of other usernames: the address may still sign in, and that success
    # forgets the username's failures, not the address's.
    assert sign_in(client, "member", "right-password").status_code == 302
    client.logout()
    sign_in(client, "guess19", "wrong")
    response = sign_in(client, "member", "right-password")
    assert response.status_code == 429
    assert LOCKED in response.text
    # From another address the username is not locked.
    assert sign_in(client, "member", "right-password", address="192.0.2.9").status_code == 302


def test_a_locked_out_sign_in_hashes_no_password(client, member):
    fail(client, 5)
    hashed_before = CountingHasher.calls
    sign_in(client, "member", "right-password")
    sign_in(client, "member", "wrong")
    assert CountingHasher.calls == hashed_before
    # Without the lockout each of those would have hashed one.
    cool_off_passes()
    sign_in(client, "member", "wrong")
    assert CountingHasher.calls == hashed_before + 1


def test_every_attempt_is_one_audit_entry_and_the_lockout_says_so(client, member):
    fail(client, 5)
    sign_in(client, "member", "right-password")
    actions = list(
        AuditEntry.objects.filter(username="member").order_by("id").values_list("action", flat=True)
    )
    assert actions == [Action.SIGN_IN_FAILED] * 4 + [Action.SIGN_IN_LOCKED_OUT] * 2


def test_the_admin_lists_the_counted_failures_so_that_an_admin_can_unlock(admin_client, member):
    fail(admin_client, 5)
    attempt = AccessAttempt.objects.get(username="member")
    response = admin_client.get(f"/admin/axes/accessattempt/{attempt.pk}/delete/")
    assert response.status_code == 200
    admin_client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    admin_client.logout()
    assert sign_in(admin_client, "member", "right-password").status_code == 302


@pytest.mark.parametrize("path", [SITE, ADMIN])
@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("nul\x00byte", "Null characters are not allowed."),
        ("x" * 100_000, "A username has at most 150 characters."),
        ("", "This field is required."),
        ("\u00e9l\u00e8ve", "correct username and password"),
    ],
    ids=["nul", "huge", "empty", "accents"],
)
def test_an_odd_username_is_refused_with_a_message_never_a_500(client, path, username, message):
    response = client.post(path, {"username": username, "password": "wrong"})
    assert response.status_code == 200
    assert message in response.text
