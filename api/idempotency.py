"""`Idempotency-Key` (SPEC C8): a retried write-off gets the first response back, success or
refusal, instead of running again. Keys are kept 24 hours per user.

The record is committed before the write-off runs, so that a second request with the same key
finds it while the first is still running (409) instead of waiting for it.
"""

import hashlib
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from api.errors import ApiError, Reason
from api.models import IdempotencyRecord

KEPT_FOR = timedelta(hours=24)
# A request unfinished after this long died with its process. Running it again is safe: the
# write-off service returns the memo made under the same request key instead of a second one.
ABANDONED_AFTER = timedelta(minutes=5)
MAX_KEY_LENGTH = 255


def request_hash(method: str, path: str, body: bytes) -> str:
    """What makes two requests the same: method, path and body, byte for byte."""
    return hashlib.sha256(f"{method} {path}\n".encode() + body).hexdigest()


def idempotent(request, key: str, run: Callable[[str], tuple[int, dict]]) -> tuple[int, dict, bool]:
    """`(status, body, replayed)`: the stored first response to this key, or what
    `run(request_key)` responds now, stored for the next 24 hours."""
    fingerprint = request_hash(request.method, request.path, request.body)
    record = _claim(request.auth, key, fingerprint)
    if record.completed:
        return record.status_code, record.response, True
    try:
        status, body = run(f"api-{record.pk}")
    except BaseException:
        # No response to keep: let a retry run the request again.
        record.delete()
        raise
    record.completed, record.status_code, record.response = True, status, body
    record.save(update_fields=["completed", "status_code", "response"])
    return status, body, False


def _claim(user, key: str, fingerprint: str) -> IdempotencyRecord:
    now = timezone.now()
    with transaction.atomic():
        IdempotencyRecord.objects.filter(user=user, created__lt=now - KEPT_FOR).delete()
        record, created = IdempotencyRecord.objects.get_or_create(
            user=user, key=key, defaults={"request_hash": fingerprint, "created": now}
        )
    if created:
        return record
    if record.request_hash != fingerprint:
        raise ApiError(
            422,
            Reason(
                "idempotency_key_reused",
                "This Idempotency-Key was used for another request in the last 24 hours. "
                "Send a new key with a new request.",
            ),
        )
    if record.completed:
        return record
    if record.created > now - ABANDONED_AFTER or not _take_over(record, now):
        raise ApiError(
            409,
            Reason(
                "request_in_progress",
                "A request with this Idempotency-Key is still running; retry in a moment.",
            ),
        )
    return record


def _take_over(record: IdempotencyRecord, now) -> bool:
    """Restart an abandoned request; False when another retry restarted it first."""
    restarted = IdempotencyRecord.objects.filter(
        pk=record.pk, completed=False, created=record.created
    ).update(created=now)
    return restarted == 1
