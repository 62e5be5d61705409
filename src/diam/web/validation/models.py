"""Validation of a submitted assessment and the public recognition of its outcome.

A `ValidationRequest` moves requested → in review (validators assigned) → decided, or is
withdrawn. Its `ReviewItem`s are the criteria the organisation claims (met, or not applicable
by its own answer, or answers that hide other criteria through skip logic), each with a verdict
and a message thread. A `ValidationDecision` holds the validated stage the engine computed
from the accepted criteria, and is what the certificate, the badge, the registry and the
signed credential show. `Recognition` holds an organisation's registry opt-in and the random
token of its badge URL.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from diam.web.accounts.models import Organisation
from diam.web.assessments.models import Assessment, Evidence


class RequestState(models.TextChoices):
    REQUESTED = "requested", "Requested, awaiting validators"
    IN_REVIEW = "in_review", "In review"
    DECIDED = "decided", "Decided"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_STATES = (RequestState.REQUESTED, RequestState.IN_REVIEW)


class ValidationRequest(models.Model):
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="validation_requests"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="validation_requests"
    )
    state = models.CharField(
        max_length=20, choices=RequestState.choices, default=RequestState.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    self_assessed_stage = models.PositiveSmallIntegerField()
    contact_name = models.CharField(max_length=150)
    contact_email = models.EmailField()
    contact_phone = models.CharField(max_length=40, blank=True)
    proposed_dates = models.TextField(help_text="Dates the organisation proposes for a visit.")
    note = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.TextField(blank=True)

    class Meta:
        ordering = ("-requested_at", "-id")
        constraints = [
            # One open request per assessment; a withdrawn one may be followed by another.
            models.UniqueConstraint(
                fields=["assessment"],
                condition=models.Q(state__in=["requested", "in_review", "decided"]),
                name="one_live_validation_per_assessment",
            )
        ]

    def __str__(self) -> str:
        return f"Validation of {self.assessment} ({self.get_state_display()})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class ValidatorAssignment(models.Model):
    request = models.ForeignKey(
        ValidationRequest, on_delete=models.CASCADE, related_name="assignments"
    )
    validator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="validation_assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("assigned_at", "id")
        constraints = [
            models.UniqueConstraint(fields=["request", "validator"], name="one_assignment_each")
        ]

    def __str__(self) -> str:
        return f"{self.validator} on {self.request_id}"


class Verdict(models.TextChoices):
    PENDING = "pending", "To review"
    EVIDENCE_REQUESTED = "evidence_requested", "Evidence requested"
    ANSWERED = "answered", "Organisation answered"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


DONE_VERDICTS = (Verdict.ACCEPTED, Verdict.REJECTED)


class ReviewItem(models.Model):
    """One claimed criterion under review; its answer is read from the assessment."""

    request = models.ForeignKey(ValidationRequest, on_delete=models.CASCADE, related_name="items")
    criterion_id = models.CharField(max_length=20)
    claimed = models.CharField(max_length=20, help_text="met, not_applicable or controls")
    verdict = models.CharField(max_length=20, choices=Verdict.choices, default=Verdict.PENDING)
    verdict_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verdict_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("criterion_id",)
        constraints = [
            models.UniqueConstraint(
                fields=["request", "criterion_id"], name="one_item_per_criterion"
            )
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.get_verdict_display()}"

    @property
    def is_done(self) -> bool:
        return self.verdict in DONE_VERDICTS


class Side(models.TextChoices):
    VALIDATOR = "validator", "Validator"
    ORGANISATION = "organisation", "Organisation"


class ReviewMessage(models.Model):
    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="messages")
    side = models.CharField(max_length=20, choices=Side.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    body = models.TextField(blank=True)
    kind = models.CharField(
        max_length=20, blank=True, help_text="The verdict it came with, if any."
    )
    evidence = models.ForeignKey(
        Evidence, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"{self.get_side_display()} on {self.item}"

    @property
    def kind_label(self) -> str:
        return str(dict(Verdict.choices).get(self.kind, "")) if self.kind else ""


class SiteVisit(models.Model):
    request = models.OneToOneField(
        ValidationRequest, on_delete=models.CASCADE, related_name="site_visit"
    )
    visited_on = models.DateField()
    participants = models.TextField()
    service_areas = models.JSONField(default=list, blank=True)
    systems_seen = models.TextField(blank=True)
    observations = models.TextField(blank=True)
    strengths = models.TextField(blank=True)
    opportunities = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Site visit on {self.visited_on}"


class ValidationDecision(models.Model):
    request = models.OneToOneField(
        ValidationRequest, on_delete=models.CASCADE, related_name="decision"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="validation_decisions"
    )
    stage = models.PositiveSmallIntegerField(help_text="Validated stage (accepted criteria).")
    core_stage = models.PositiveSmallIntegerField()
    branches = models.CharField(max_length=10, blank=True)
    self_assessed_stage = models.PositiveSmallIntegerField()
    accepted = models.PositiveIntegerField()
    rejected = models.PositiveIntegerField()
    narrative = models.TextField()
    decided_on = models.DateField()
    valid_until = models.DateField()
    revalidation_due = models.DateField()
    validators = models.JSONField(default=list, help_text="Names of the validators, as decided.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    code = models.CharField(max_length=40, unique=True)
    credential = models.JSONField(null=True, blank=True, help_text="The signed credential.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_reason = models.TextField(blank=True)

    class Meta:
        ordering = ("-decided_on", "-id")
        indexes = [models.Index(fields=["organisation", "-decided_on"])]

    def __str__(self) -> str:
        return f"{self.organisation}: validated stage {self.stage} on {self.decided_on}"

    def status_on(self, today: dt.date) -> str:
        """valid, expired or revoked (revocation wins)."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if today > self.valid_until else "valid"

    @property
    def status(self) -> str:
        return self.status_on(timezone.localdate())

    @property
    def validators_text(self) -> str:
        names = [str(n) for n in self.validators]
        if len(names) <= 1:
            return "".join(names)
        return f"{', '.join(names[:-1])} and {names[-1]}"


class Recognition(models.Model):
    """An organisation's public recognition settings (one row, created when first needed)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="recognition"
    )
    listed = models.BooleanField(
        default=False, help_text="Shown in the public registry of validated organisations."
    )
    badge_token = models.CharField(max_length=32, unique=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Recognition of {self.organisation}"
