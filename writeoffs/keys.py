"""Request keys and the one ledger they are kept in (SPEC W12, C8, Q7).

A key is scoped to its user and channel. The dialog's key is issued by the server when the
dialog opens, signed with the user and the document (a Reverse Write-Off dialog's with the user
and the credit memo, under another salt), so a browser can neither make one up nor
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
from writeoffs.models import CreditMemo, RequestKey

Code = WriteOffErrorCode
Channel = RequestKey.Channel

#: How long a key is kept: a retry after that is a new request.
KEPT_FOR = timedelta(hours=24)
#: A claimed request unfinished after this long died with its process; a retry may take it
#: over, and still never writes twice: the service finds the memo linked to the key.
ABANDONED_AFTER = timedelta(minutes=5)
MAX_KEY_LENGTH = RequestKey._meta.get_field("key").max_length

_DIALOG_SALT = "writeoffs.keys.dialog"
_REVERSAL_SALT = "writeoffs.keys.reversal"


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
    return _signed_key_issue(_DIALOG_SALT, user, document.pk)


def dialog_key_read(*, token: str, user, document: BillingDocument) -> str:
    """The ledger key that `token` names, if this server issued it to `user` for `document`
    within `KEPT_FOR`; otherwise `KeyRefused`."""
    return _signed_key_read(
        token,
        _DIALOG_SALT,
        user,
        document.pk,
        out_of_date="This form is out of date or was not issued to you; close the dialog, open "
        "it again and re-enter the amounts.",
        elsewhere="This form was issued for another user or document; close the dialog and "
        "open it again.",
    )


def reversal_key_issue(*, user, memo: CreditMemo) -> str:
    """A new key for one Reverse Write-Off dialog of `user` on the credit memo `memo`.

    Signed under its own salt, so that a write-off dialog's key (signed for a document, whose
    id may equal a memo's) is never read as a reversal's, nor the other way round."""
    return _signed_key_issue(_REVERSAL_SALT, user, memo.pk)


def reversal_key_read(*, token: str, user, memo: CreditMemo) -> str:
    """The ledger key that `token` names, if this server issued it to `user` for reversing
    `memo` within `KEPT_FOR`; otherwise `KeyRefused`."""
    return _signed_key_read(
        token,
        _REVERSAL_SALT,
        user,
        memo.pk,
        out_of_date="This form is out of date or was not issued to you; close the dialog and "
        "open it again.",
        elsewhere="This form was issued for another user or credit memo; close the dialog and "
        "open it again.",
    )


def _signed_key_issue(salt: str, user, target_id: int) -> str:
    return signing.dumps([user.pk, target_id, secrets.token_hex(16)], salt=salt)


def _signed_key_read(
    token: str, salt: str, user, target_id: int, *, out_of_date: str, elsewhere: str
) -> str:
    try:
        user_id, signed_target_id, key = signing.loads(
            token, salt=salt, max_age=KEPT_FOR.total_seconds()
        )
    except (signing.BadSignature, ValueError, TypeError):
        raise KeyRefused(Problem("request_key", Code.INVALID_REQUEST_KEY, out_of_date)) from None
    if user_id != user.pk or signed_target_id != target_id:
        raise KeyRefused(Problem("request_key", Code.INVALID_REQUEST_KEY, elsewhere))
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
