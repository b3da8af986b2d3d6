"""`Idempotency-Key` (SPEC C8, D2): a retried write-off or reversal gets the first response
back, success or refusal, instead of running again. The keys are kept in the one key ledger
(`writeoffs.keys`), scoped to the user and the API channel, for 24 hours.

What makes two requests the same is the request as sent (method, path and body), for a
reversal as for a write-off, rather than the proposal read from it
(`ReversalProposal.fingerprint`): a retry of a reversal sent without `memoDate` after midnight
asks for another day, yet must get its first response back; a body this API cannot read, which
makes no proposal, gets its first refusal back too; and a key sent again with another body is
refused (`idempotency_key_reused`) even when both would read the same.
"""

import hashlib
from collections.abc import Callable

from api.errors import ApiError, Code, Reason
from writeoffs.keys import (
    Channel,
    KeyInProgress,
    KeyRefused,
    LedgerKey,
    key_claim,
    key_complete,
    key_release,
)


def request_hash(method: str, path: str, body: bytes) -> str:
    """What makes two requests the same: method, path and body, byte for byte."""
    return hashlib.sha256(f"{method} {path}\n".encode() + body).hexdigest()


def idempotent(
    request, key: str, run: Callable[[LedgerKey], tuple[int, dict]]
) -> tuple[int, dict, bool]:
    """`(status, body, replayed)`: the stored first response to this key, or what
    `run(ledger_key)` responds now, stored for the next 24 hours."""
    fingerprint = request_hash(request.method, request.path, request.body)
    try:
        entry = key_claim(user=request.auth, channel=Channel.API, key=key, fingerprint=fingerprint)
    except KeyRefused as refused:
        raise ApiError(422, Reason(refused.problem.code, refused.problem.message)) from None
    except KeyInProgress:
        raise ApiError(
            409,
            Reason(
                Code.REQUEST_IN_PROGRESS,
                "A request with this Idempotency-Key is still running; retry in a moment.",
            ),
        ) from None
    if entry.completed:
        return entry.response_status, entry.response_body, True
    try:
        status, body = run(LedgerKey(Channel.API, key, fingerprint))
    except BaseException:
        # No response to keep: let a retry run the request again.
        key_release(entry=entry)
        raise
    key_complete(entry=entry, status=status, body=body)
    return status, body, False
