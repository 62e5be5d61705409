"""Whether a programme admin confirmed that an organisation is who it says it is.

Only verified organisations count in benchmarks (docs/benchmarks.md §2): a self sign-up, or an
organisation that changed its name, country, region or type, waits in the programme's queue
until a programme admin verifies it (or refuses, with a reason). An organisation without a row
here (created before verification existed, or by a script) is not verified.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from diam.web.accounts.models import Organisation


class Status(models.TextChoices):
    PENDING = "pending", "Waiting for verification"
    VERIFIED = "verified", "Verified"
    REFUSED = "refused", "Refused"


class OrganisationVerification(models.Model):
    """The organisation's current verification, with the identity it was asked for."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="verification"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField()
    request_reason = models.CharField(max_length=200, help_text="Sign-up, or what changed.")
    identity = models.JSONField(
        default=dict, help_text="What the organisation claimed when it asked (see services)."
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(blank=True, help_text="Why it was refused, or a note on the check.")

    class Meta:
        indexes = [models.Index(fields=["status", "requested_at"], name="verification_queue")]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.get_status_display()}"

    @property
    def verified(self) -> bool:
        return self.status == Status.VERIFIED


class VerificationDecision(models.Model):
    """Every request and decision, oldest first: the organisation's verification history."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="verification_decisions"
    )
    status = models.CharField(max_length=10, choices=Status.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(blank=True)
    identity = models.JSONField(default=dict)

    class Meta:
        ordering = ("at", "pk")

    def __str__(self) -> str:
        return f"{self.organisation}: {self.status} at {self.at:%Y-%m-%d}"
