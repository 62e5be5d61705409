"""Personal API tokens: one person's key to one organisation, with a role and an expiry.

Only a SHA-256 of the token is stored (the token is 32 random bytes, so a fast hash is
enough: nothing to guess); its first characters (`prefix`) find the row. The token is shown
once, when it is created.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from diam.web.accounts.models import Organisation, Role


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=80, help_text="What the token is for, e.g. 'PACS sync'.")
    prefix = models.CharField(max_length=16, unique=True)
    token_hash = models.CharField(max_length=64)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    can_write = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Fixed one-minute window of the rate limit, kept in the row so every worker agrees.
    window_start = models.DateTimeField(null=True, blank=True)
    window_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"


class ClientWindow(models.Model):
    """Requests made without a token in the current one-minute window, per client (the public
    rate limit, `DIAM_API_PUBLIC_RATE_PER_MINUTE`); a row in the database, so every worker
    process counts against the same limit. Rows of clients unseen for an hour are pruned."""

    client = models.CharField(max_length=64, unique=True, help_text="IPv4 address or IPv6 /64.")
    window_start = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.client}: {self.count} since {self.window_start:%H:%M}"
