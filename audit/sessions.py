"""Idle sessions end (SPEC D6): a session lasts `SESSION_COOKIE_AGE` (30 minutes by default,
`DJANGO_SESSION_IDLE_MINUTES`) from the last time it was saved, and a request saves it again
only when the last save is at least `REFRESH_EVERY` old.

Django's `SESSION_SAVE_EVERY_REQUEST` would do the same with a database write on every page;
this costs one write a minute at most, and a session ends between 29 and 30 minutes after its
last request. The time of the last save is kept in the session itself.

A request a page sends by itself, on a timer (the bulk job's progress, every second), says so
with `POLL_HEADER` and keeps nothing alive: otherwise a job page left open on an unattended
computer would keep its session signed in for as long as the job runs, or for ever once it
has stalled.
"""

import time

from django.contrib.auth import SESSION_KEY

STAMP = "_saved_at"
#: How stale the session's expiry may get before a request writes it again (seconds).
REFRESH_EVERY = 60
#: The header of a request a page sends by itself (`hx-headers` of a polling region).
POLL_HEADER = "X-Poll"


def session_stamp(session) -> None:
    """Mark `session` as saved now; saving it moves its expiry on by `SESSION_COOKIE_AGE`."""
    session[STAMP] = int(time.time())


class IdleSessionMiddleware:
    """After SessionMiddleware: a signed-in session is saved again at most once a minute."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a session this request read, and that holds a sign-in: an API request with a
        # bearer token, or an anonymous page, has nothing to keep alive.
        if session is None or not session.accessed or SESSION_KEY not in session:
            return response
        if request.headers.get(POLL_HEADER):
            return response
        if session.modified or int(time.time()) - session.get(STAMP, 0) >= REFRESH_EVERY:
            session_stamp(session)
        return response
