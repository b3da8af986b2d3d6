"""Request keys and the one ledger they are kept in (SPEC W12, C8, Q7).

A key is scoped to its user and channel. The dialog's key is issued by the server when the
dialog opens, signed with the user and the document, so a browser can neither make one up nor
use another user's; the API's key is the client's `Idempotency-Key`, claimed in the ledger
before the write-off runs so that a second request with it is answered 409 while the first
runs. Either way the write-off service links the memo it makes to the key's row in the memo's
own transaction (`writeoffs.services`), and a repeat gets that memo back.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core import signing
from django.db import transaction
from django.utils import timezone

from billing.models import BillingDocument
from writeoffs.errors import Problem, WriteOffErrorCode
from writeoffs.models import RequestKey

Code = WriteOffErrorCode
Channel = RequestKey.Channel

#: How long a key is kept: a retry after that is a new request.
KEPT_FOR = timedelta(hours=24)
#: A claimed request unfinished after this long died with its process; a retry may take it
#: over, and still never writes twice: the service finds the memo linked to the key.
ABANDONED_AFTER = timedelta(minutes=5)
MAX_KEY_LENGTH = RequestKey._meta.get_field("key").max_length

_DIALOG_SALT = "writeoffs.keys.dialog"


@dataclass(frozen=True)
class LedgerKey:
    """A key as the write-off service takes it; the user is the service's own `user`."""

    channel: RequestKey.Channel
    key: str
    fingerprint: str


class KeyRefused(Exception):
    """The key cannot be used for this request; `problem` says why, in a clerk's words."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


class KeyInProgress(Exception):
    """A request with this key is still running."""


def dialog_key_issue(*, user, document: BillingDocument) -> str:
    """A new key for one dialog of `user` on `document`, signed so it cannot be forged."""
    return signing.dumps([user.pk, document.pk, secrets.token_hex(16)], salt=_DIALOG_SALT)


def dialog_key_read(*, token: str, user, document: BillingDocument) -> str:
    """The ledger key that `token` names, if this server issued it to `user` for `document`
    within `KEPT_FOR`; otherwise `KeyRefused`."""
    try:
        user_id, document_id, key = signing.loads(
            token, salt=_DIALOG_SALT, max_age=KEPT_FOR.total_seconds()
        )
    except (signing.BadSignature, ValueError, TypeError):
        raise KeyRefused(
            Problem(
                "request_key",
                Code.INVALID_REQUEST_KEY,
                "This form is out of date or was not issued to you; close the dialog, open it "
                "again and re-enter the amounts.",
            )
        ) from None
    if user_id != user.pk or document_id != document.pk:
        raise KeyRefused(
            Problem(
                "request_key",
                Code.INVALID_REQUEST_KEY,
                "This form was issued for another user or document; close the dialog and open "
                "it again.",
            )
        )
    return key


def key_claim(*, user, channel: RequestKey.Channel, key: str, fingerprint: str) -> RequestKey:
    """The ledger row of `key`, committed before the request runs (the API's C8 semantics).

    A completed row is returned as it is, to be replayed. `KeyRefused` when the key was used
    for another request; `KeyInProgress` while a first request with it is still running.
    """
    now = timezone.now()
    with transaction.atomic():
        RequestKey.objects.filter(user=user, created__lt=now - KEPT_FOR).delete()
        entry, created = RequestKey.objects.get_or_create(
            user=user,
            channel=channel,
            key=key,
            defaults={"fingerprint": fingerprint, "created": now},
        )
    if created:
        return entry
    if entry.fingerprint != fingerprint:
        raise KeyRefused(
            Problem(
                "request_key",
                Code.IDEMPOTENCY_KEY_REUSED,
                "This key was used for another request in the last 24 hours; send a new key "
                "with a new request.",
            )
        )
    if entry.completed:
        return entry
    if entry.created > now - ABANDONED_AFTER or not _take_over(entry, now):
        raise KeyInProgress()
    return entry


key_claim.alters_data = True


def key_complete(*, entry: RequestKey, status: int, body: dict) -> None:
    """Keep the first response to the key, for every retry."""
    entry.completed, entry.response_status, entry.response_body = True, status, body
    entry.save(update_fields=["completed", "response_status", "response_body"])


key_complete.alters_data = True


def key_release(*, entry: RequestKey) -> None:
    """Forget a claim whose request ended with no response to keep, so a retry runs again.

    A memo written off or reversed under it meanwhile stays linked: the row is kept then, and
    a retry gets that memo's result."""
    RequestKey.objects.filter(
        pk=entry.pk, credit_memo__isnull=True, reversed_memo__isnull=True
    ).delete()


key_release.alters_data = True


def _take_over(entry: RequestKey, now) -> bool:
    """Restart an abandoned request; False when another retry restarted it first."""
    restarted = RequestKey.objects.filter(
        pk=entry.pk, completed=False, created=entry.created
    ).update(created=now)
    return restarted == 1
