"""`Authorization: Bearer <token>`: the request acts as the token's user, with that user's
permissions (SPEC C4)."""

from django.core.exceptions import PermissionDenied
from ninja.security import HttpBearer

from api.errors import ApiError, Code, Reason
from api.services import api_token_user
from audit.services import denied_attempt_recorded

BEARER_CHALLENGE = 'Bearer realm="api"'


class InvalidToken(ApiError):
    def __init__(self):
        super().__init__(
            401,
            Reason(Code.INVALID_TOKEN, "The bearer token is unknown or revoked."),
        )


class BearerToken(HttpBearer):
    """Also checks `permission`, so that a token without it gets 403 before its body is read."""

    def __init__(self, permission: str):
        super().__init__()
        self.permission = permission

    def authenticate(self, request, token: str):
        user = api_token_user(token)
        if user is None:
            raise InvalidToken()
        if not user.has_perm(self.permission):
            denied_attempt_recorded(request, user=user)
            raise PermissionDenied(f"Your user lacks the permission {self.permission}.")
        return user
