"""The session engine reads what Django's database sessions read, in one plain query."""

import datetime

import pytest
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from config.sessions import SessionStore

pytestmark = pytest.mark.django_db


def saved(**data) -> str:
    session = SessionStore()
    session.update(data)
    session.save()
    return session.session_key


def test_a_live_session_is_read_as_django_reads_it(django_assert_num_queries):
    data = {"user": "7", "note": "na\u00efve \u202e text", "amount": "12.50"}
    key = saved(**data)
    with django_assert_num_queries(1):
        loaded = SessionStore(key).load()
    assert loaded == data
    assert db.SessionStore(key).load() == data


@pytest.mark.parametrize(
    "key",
    ["expired", "unknown0", "x" * 40, "'; DELETE FROM django_session; --", "%s%%s%(x)s\\"],
)
def test_an_expired_unknown_or_odd_key_reads_nothing_and_is_dropped(key):
    live = saved(user="7")
    if key == "expired":
        key = saved(user="8")
        Session.objects.filter(session_key=key).update(
            expire_date=timezone.now() - datetime.timedelta(seconds=1)
        )
    session = SessionStore(key)
    assert session.load() == {}
    assert session.session_key is None
    assert db.SessionStore(key).load() == {}
    assert SessionStore(live).load() == {"user": "7"}


def test_a_dropped_key_is_not_saved_again():
    key = saved(user="8")
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    session = SessionStore(key)
    session["user"] = "9"
    session.save()
    assert session.session_key != key  # a fresh key: the expired one is never reused
    assert SessionStore(session.session_key).load() == {"user": "9"}
