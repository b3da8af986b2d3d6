"""API tokens (SPEC C8). Idempotency keys live in the one key ledger, `writeoffs.RequestKey`."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

#: How stale `ApiToken.last_used` may get before a request writes it again.
LAST_USED_EVERY = timedelta(minutes=1)


class ApiToken(models.Model):
    """A bearer token of one user. Only its SHA-256 hash is kept: the token itself is shown once,
    when it is made, and cannot be read back from the database."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. the script.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        max_length=16, editable=False, help_text="The start of the token, to recognise it by."
    )
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the token was last used, to within a minute: a request writes it only "
        "if it is older than that, so reading through the API does not write on every request.",
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API token"
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="api_token_name_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… {self.name}"
