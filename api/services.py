"""Making, checking and revoking API tokens: the only code that writes `ApiToken` rows."""

import hashlib
import secrets
from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from api.models import LAST_USED_EVERY, ApiToken
from audit.models import Action
from audit.services import api_token_recorded
from config.auth import column_sql, permissions_known, table_sql, user_columns_sql

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
    """The active user whose unrevoked token this is, or None; their permissions read with them.

    Records when the token was used, at most once per LAST_USED_EVERY: a script reading
    invoices in a loop does not write a row per request.
    """
    now = timezone.now()
    due = now - LAST_USED_EVERY
    sql = _token_user_sql()
    if sql is None:
        return _token_user_read(token, now, due)
    params = [connection.ops.adapt_datetimefield_value(due), token_hash(token)]
    user = next(iter(get_user_model()._default_manager.raw(sql, params)), None)
    if user is None:
        return None
    permissions_known(user, user.permission_names)
    if user.token_due:
        _last_used_record(user.token_id, now, due)
    return user


def _last_used_record(token_id: int, now, due) -> None:
    # One column, not `save()`, so no request writes back a stale row; and only if still due,
    # so of many requests that read the same old value one writes.
    ApiToken.objects.filter(Q(last_used__isnull=True) | Q(last_used__lt=due), pk=token_id).update(
        last_used=now
    )


@cache
def _token_user_sql() -> str | None:
    """The user of a token (its hash the second parameter) that is not revoked, if the user is
    active: the user's row with `permission_names`, and the token's id and whether its
    `last_used` is before the first parameter. Plain SQL, as `config.auth` reads the users of
    sessions: the ORM took a millisecond of each API request to build this query. None where
    the database cannot join the permissions' names."""
    user, token = get_user_model()._meta, ApiToken._meta
    user_id = f"u.{column_sql(user, user.pk.name)}"
    if (columns := user_columns_sql(user_id)) is None:
        return None
    last_used = f"t.{column_sql(token, 'last_used')}"
    return (
        f"SELECT {columns}, t.{column_sql(token, 'id')} AS token_id, "
        f"CASE WHEN {last_used} IS NULL OR {last_used} < %s THEN 1 ELSE 0 END AS token_due "
        f"FROM {table_sql(token)} t JOIN {table_sql(user)} u "
        f"ON {user_id} = t.{column_sql(token, 'user')} "
        f"WHERE t.{column_sql(token, 'key_hash')} = %s "
        f"AND t.{column_sql(token, 'revoked_at')} IS NULL AND u.{column_sql(user, 'is_active')}"
    )


def _token_user_read(token: str, now, due):
    """`api_token_user` through the ORM, where the permissions' names cannot be joined."""
    api_token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=token_hash(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if api_token is None:
        return None
    if api_token.last_used is None or api_token.last_used < due:
        _last_used_record(api_token.pk, now, due)
    return api_token.user
