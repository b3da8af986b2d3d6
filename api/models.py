"""API tokens, and the stored first responses that make a retried write-off safe (SPEC C8)."""

from django.conf import settings
from django.db import models
from django.db.models import Q


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
    last_used = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API token"
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="api_token_name_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… {self.name}"


class IdempotencyRecord(models.Model):
    """The first response to a write-off request sent with an `Idempotency-Key` header.

    The row is written, and committed, before the write-off runs: a second request with the
    same key then finds it and waits for nothing. `completed` is set with the response.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(
        max_length=64, help_text="SHA-256 of the method, path and body of the first request."
    )
    created = models.DateTimeField()
    completed = models.BooleanField(default=False)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user"),
            models.CheckConstraint(
                condition=Q(completed=False) | Q(status_code__isnull=False, response__isnull=False),
                name="idempotency_completed_has_response",
            ),
        ]

    def __str__(self) -> str:
        return self.key
