"""Making, checking and revoking API tokens: the only code that writes `ApiToken` rows."""

import hashlib
import secrets

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from api.models import LAST_USED_EVERY, ApiToken
from audit.models import Action
from audit.services import api_token_recorded
from config.auth import permission_names, permissions_known

TOKEN_PREFIX = "wo_"
PREFIX_LENGTH = 10


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """A new token of `user`, and the token itself: the only time it is in clear."""
    api_token = ApiToken(user=user, name=name)
    return api_token, api_token_issue(api_token=api_token)


api_token_create.alters_data = True


@transaction.atomic
def api_token_issue(*, api_token: ApiToken) -> str:
    """Save the unsaved `api_token` with a new secret, and return that secret."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    api_token.key_hash = token_hash(token)
    api_token.prefix = token[:PREFIX_LENGTH]
    api_token.save()
    api_token_recorded(api_token, Action.API_TOKEN_CREATED)
    return token


api_token_issue.alters_data = True


@transaction.atomic
def api_token_revoke(*, api_token: ApiToken) -> None:
    """From now on requests with this token get 401. Kept, not deleted, for the record."""
    if api_token.revoked_at is None:
        api_token.revoked_at = timezone.now()
        api_token.save(update_fields=["revoked_at"])
        api_token_recorded(api_token, Action.API_TOKEN_REVOKED)


api_token_revoke.alters_data = True


def api_token_user(token: str):
    """The active user whose unrevoked token this is, or None.

    Records when the token was used, at most once per LAST_USED_EVERY: a script reading
    invoices in a loop does not write a row per request.
    """
    tokens = ApiToken.objects.select_related("user").filter(
        key_hash=token_hash(token), revoked_at__isnull=True, user__is_active=True
    )
    table, column = ApiToken._meta.db_table, ApiToken._meta.get_field("user").column
    user_id = f"{connection.ops.quote_name(table)}.{connection.ops.quote_name(column)}"
    if (names := permission_names(user_id)) is not None:
        tokens = tokens.annotate(permission_names=names)  # the user's, in the same query
    api_token = tokens.first()
    if api_token is None:
        return None
    if names is not None:
        permissions_known(api_token.user, api_token.permission_names)
    now = timezone.now()
    due = now - LAST_USED_EVERY
    if api_token.last_used is None or api_token.last_used < due:
        # One column, not `save()`, so no request writes back a stale row; and only if still
        # due, so of many requests that read the same old value one writes.
        ApiToken.objects.filter(
            Q(last_used__isnull=True) | Q(last_used__lt=due), pk=api_token.pk
        ).update(last_used=now)
    return api_token.user
