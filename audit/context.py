"""Through which channel and from which address the current code runs, for the audit trail.

One context variable holds it. `AuditContextMiddleware` sets it for every web request (the
admin under /admin/, the API under /api/, the dialog and the other pages elsewhere) and puts it
back when the response is made. Outside a request nothing sets it and the default says
`command`: management commands (the importer, `create_api_token`) and the shell. A bulk job
runs its documents inside `audit_channel(Channel.BULK, user=...)`.

A context variable, not a thread-local, so that it is right under threads and async alike; and
set by one middleware rather than passed down through every service, so that the services keep
their signatures and a new entry point (a worker) says its channel once.
"""

import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings

from audit.models import Channel


@dataclass(frozen=True)
class AuditContext:
    channel: str = Channel.COMMAND
    address: str | None = None
    request: object = None
    user: object = None

    @property
    def actor(self):
        """The signed-in user of the request (or the user given), else None."""
        if self.user is not None:
            return self.user
        user = getattr(self.request, "user", None)
        return user if user is not None and user.is_authenticated else None


_current: ContextVar[AuditContext] = ContextVar("audit_context", default=AuditContext())  # noqa: B039


def current() -> AuditContext:
    return _current.get()


@contextmanager
def audit_channel(
    channel: str, *, address: str | None = None, request=None, user=None
) -> Iterator[AuditContext]:
    """Record what runs inside as done through `channel` (and from `address`, by `user`)."""
    context = AuditContext(channel=channel, address=address, request=request, user=user)
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def request_channel(path: str) -> str:
    if path.startswith("/admin/"):
        return Channel.ADMIN
    if path.startswith("/api/"):
        return Channel.API
    return Channel.DIALOG


def client_address(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind a proxy (`DJANGO_BEHIND_PROXY=1`) the last
    address of X-Forwarded-For, the one our own proxy added (a client can write the others).
    Also what django-axes locks out by (`AXES_CLIENT_IP_CALLABLE`)."""
    address = request.META.get("REMOTE_ADDR")
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
        address = forwarded or address
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
