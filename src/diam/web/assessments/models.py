"""Assessments, their answers, every change to an answer, evidence and section assignments.

Answers are the truth; the stored result fields (stage, percentages) are a denormalised copy
written by `assessment_rescore` so benchmarks never rescore on the fly. `to_core()` is the one
seam where database rows become the pure core's values.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from diam.scoring.answers import AnswerValue, NotApplicable
from diam.web.accounts.models import Organisation
from diam.web.core.validators import validate_plain_text


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    VALIDATED = "validated", "Validated"


class Assessment(models.Model):
    """One organisation's answers to one model version at one time."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="assessments"
    )
    title = models.CharField(max_length=120, validators=[validate_plain_text])
    model_id = models.CharField(max_length=60)
    model_version = models.CharField(max_length=20)
    model_hash = models.CharField(max_length=64, help_text="Model content the answers were for.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    services = models.JSONField(
        default=dict,
        blank=True,
        help_text="Service profile: service id -> whether the organisation runs it (missing: not "
        "stated). Criteria about services it does not run are not applicable.",
    )
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="successors",
        help_text="The assessment this one was started from (answers carried forward).",
    )

    # Denormalised result (see module docstring); null until first scored.
    stage = models.PositiveSmallIntegerField(null=True, blank=True)
    core_stage = models.PositiveSmallIntegerField(null=True, blank=True)
    branches = models.CharField(max_length=10, blank=True, help_text="Mastered branch letters.")
    focus_area_percents = models.JSONField(default=dict, blank=True)
    completeness = models.FloatField(null=True, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        indexes = [
            models.Index(fields=["model_id", "status", "organisation"]),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.organisation})"

    @property
    def is_locked(self) -> bool:
        return self.status != Status.DRAFT

    def to_core(self) -> dict[str, AnswerValue]:
        """The answer values the scoring engine reads (unanswered criteria are absent)."""
        values: dict[str, AnswerValue] = {}
        for answer in self.answers.all():
            value = answer.to_core()
            if value is not None:
                values[answer.criterion_id] = value
        return values


class Answer(models.Model):
    """The current answer to one criterion; `version` increases with each saved change."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    criterion_id = models.CharField(max_length=20)
    value = models.JSONField(null=True, blank=True)
    na = models.BooleanField(default=False)
    justification = models.TextField(blank=True)
    comment = models.TextField(blank=True)
    carried = models.BooleanField(
        default=False,
        help_text="Carried from the previous assessment and not yet confirmed; saving confirms.",
    )
    carried_from = models.CharField(
        max_length=20, blank=True, help_text="Criterion id of the previous assessment's answer."
    )
    version = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "criterion_id"], name="one_answer_per_criterion"
            )
        ]
        ordering = ("criterion_id",)

    def __str__(self) -> str:
        return f"{self.criterion_id} = {self.display_value}"

    def to_core(self) -> AnswerValue | None:
        return self.core_value(self.value, self.na, self.justification)

    @staticmethod
    def core_value(value: Any, na: bool, justification: str) -> AnswerValue | None:
        """What the engine reads from an answer's stored fields: N/A with its justification,
        else the value (None: unanswered). For reads that take the fields as plain rows."""
        if na:
            return NotApplicable(justification)
        return value  # type: ignore[no-any-return]

    @property
    def is_answered(self) -> bool:
        return self.na or self.value is not None

    @property
    def display_value(self) -> str:
        return display_value(self.value, self.na)

    def snapshot(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "na": self.na,
            "justification": self.justification,
            "comment": self.comment,
        }


def display_value(value: Any, na: bool = False) -> str:
    if na:
        return "N/A"
    if value is None:
        return "—"
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    return str(value)


class AnswerChange(models.Model):
    """Every change to an answer: who, when, the old and the new state (the audit seed)."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    old = models.JSONField()
    new = models.JSONField()

    class Meta:
        ordering = ("-changed_at", "-id")

    def __str__(self) -> str:
        return f"{self.answer.criterion_id} changed by {self.changed_by} at {self.changed_at}"


def evidence_path(instance: Evidence, filename: str) -> str:
    # Never trust the uploaded name for the path; keep it only as a label.
    return f"{instance.answer.assessment_id}/{instance.answer.criterion_id}/{instance.token}"


class Evidence(models.Model):
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="evidence")
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to=evidence_path, max_length=255)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("uploaded_at",)

    def __str__(self) -> str:
        return self.original_name


class SectionAssignment(models.Model):
    """A focus area of an assessment assigned to a contributor."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="assignments")
    focus_area = models.CharField(max_length=4)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "focus_area", "user"], name="one_assignment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.focus_area} assigned to {self.user}"


class EventKind(models.TextChoices):
    CREATED = "created", "Created"
    SUBMITTED = "submitted", "Submitted"
    REOPENED = "reopened", "Reopened"
    RESCORED = "rescored", "Rescored"
    EVIDENCE_REMOVED = "evidence_removed", "Evidence removed"
    # The validation workflow (diam.web.validation); the reason says what and for which criterion.
    VALIDATION_REQUESTED = "validation_requested", "Validation requested"
    VALIDATION_WITHDRAWN = "validation_withdrawn", "Validation withdrawn"
    VALIDATOR_ASSIGNED = "validator_assigned", "Validator assigned"
    VALIDATOR_REMOVED = "validator_removed", "Validator removed"
    EVIDENCE_REQUESTED = "evidence_requested", "Evidence requested"
    EVIDENCE_PROVIDED = "evidence_provided", "Organisation answered"
    SITE_VISIT_RECORDED = "site_visit_recorded", "Site visit recorded"
    VALIDATED = "validated", "Validated"
    RECOGNITION_REVOKED = "recognition_revoked", "Validation revoked"


class AssessmentEvent(models.Model):
    """Lifecycle events with their reason (e.g. why an assessment was reopened)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ("-at", "-id")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.user} at {self.at}"
