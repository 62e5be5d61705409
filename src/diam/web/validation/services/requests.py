"""Requesting a validation, withdrawing it, and assigning validators.

Every service is keyword-only and runs in one transaction: it checks everything before it
writes, records the step in the assessment's history and in the audit trail, and queues the
e-mails that go out once the transaction commits.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from diam.web.accounts.models import User
from diam.web.assessments.models import Assessment, AssessmentEvent, EventKind, Status
from diam.web.assessments.services import assessment_result, model_for
from diam.web.audit.services import audit_record
from diam.web.validation import emails
from diam.web.validation.access import conflict_of_interest
from diam.web.validation.models import (
    OPEN_STATES,
    RequestState,
    ReviewItem,
    ValidationRequest,
    ValidatorAssignment,
)
from diam.web.validation.selectors import claimed_criteria


class ValidationRefused(Exception):
    """A step the workflow does not allow now; the message says why (nothing was changed)."""


def event(
    validation: ValidationRequest, kind: str, user: User | None, reason: str = ""
) -> AssessmentEvent:
    return AssessmentEvent.objects.create(
        assessment_id=validation.assessment_id, kind=kind, user=user, reason=reason
    )


def lock(validation: ValidationRequest) -> ValidationRequest:
    """Re-read the request under its row lock: concurrent steps on one validation queue up."""
    return (
        ValidationRequest.objects.select_for_update(of=("self",))
        .select_related("assessment", "organisation")
        .get(pk=validation.pk)
    )


@transaction.atomic
def validation_request(
    *,
    assessment: Assessment,
    user: User,
    contact_name: str,
    contact_email: str,
    contact_phone: str = "",
    proposed_dates: str,
    note: str = "",
    request: HttpRequest | None = None,
) -> ValidationRequest:
    """Ask the programme to validate a submitted assessment (an organisation admin's step).

    Refused unless the assessment is submitted, has no open or decided validation, and its
    self-assessed stage reaches `DIAM_VALIDATION_MIN_STAGE`.
    """
    locked = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=assessment.pk)
    )
    if locked.status == Status.VALIDATED:
        raise ValidationRefused(f"{locked.title} is already validated.")
    if locked.status != Status.SUBMITTED:
        raise ValidationRefused("Submit the assessment before requesting its validation.")
    if (
        ValidationRequest.objects.filter(assessment=locked)
        .exclude(state=RequestState.WITHDRAWN)
        .exists()
    ):
        raise ValidationRefused(f"{locked.title} already has a validation request.")
    result = assessment_result(locked)
    minimum = settings.DIAM_VALIDATION_MIN_STAGE
    if result.stage < minimum:
        raise ValidationRefused(
            f"Validation is offered from stage {minimum}; this assessment's stage is "
            f"{result.stage}."
        )
    contact_name, contact_email = contact_name.strip(), contact_email.strip()
    proposed_dates = proposed_dates.strip()
    if not (contact_name and contact_email and proposed_dates):
        raise ValidationRefused("A contact name, e-mail address and proposed dates are required.")
    validation = ValidationRequest.objects.create(
        assessment=locked,
        organisation=locked.organisation,
        requested_by=user,
        self_assessed_stage=result.stage,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone.strip(),
        proposed_dates=proposed_dates,
        note=note.strip(),
    )
    claims = claimed_criteria(model_for(locked), locked.to_core())
    ReviewItem.objects.bulk_create(
        ReviewItem(request=validation, criterion_id=cid, claimed=claim)
        for cid, claim in sorted(claims.items())
    )
    event(validation, EventKind.VALIDATION_REQUESTED, user, f"Self-assessed stage {result.stage}")
    audit_record(
        action="validation.requested",
        actor=user,
        organisation=locked.organisation,
        target=validation,
        summary=f"Validation of {locked.title} requested (stage {result.stage})",
        detail={"assessment": locked.pk, "stage": result.stage, "criteria": len(claims)},
        request=request,
    )
    emails.notify(
        recipients=emails.programme_admin_recipients(),
        subject=f"Validation requested by {locked.organisation.name}",
        lines=[
            f"{locked.organisation.name} asks for the validation of “{locked.title}” "
            f"(self-assessed stage {result.stage}, {len(claims)} criteria to review).",
            f"Contact: {contact_name} <{contact_email}>. Proposed dates: {proposed_dates}",
            "Assign one or more validators who are not members of the organisation.",
        ],
        url=emails.validation_url(validation),
    )
    return validation


@transaction.atomic
def validation_withdraw(
    *, validation: ValidationRequest, user: User, reason: str, request: HttpRequest | None = None
) -> ValidationRequest:
    """The organisation withdraws an open request (its admins' step); a reason is kept."""
    reason = reason.strip()
    if not reason:
        raise ValidationRefused("Give a reason for withdrawing; it is kept in the history.")
    locked = lock(validation)
    if locked.state not in OPEN_STATES:
        raise ValidationRefused(f"This validation is {locked.get_state_display().lower()}.")
    validators = emails.validator_recipients(locked)
    locked.state = RequestState.WITHDRAWN
    locked.closed_at = timezone.now()
    locked.closed_reason = reason
    locked.save(update_fields=["state", "closed_at", "closed_reason"])
    event(locked, EventKind.VALIDATION_WITHDRAWN, user, reason)
    audit_record(
        action="validation.withdrawn",
        actor=user,
        organisation=locked.organisation,
        target=locked,
        summary=f"Validation of {locked.assessment.title} withdrawn",
        detail={"reason": reason},
        request=request,
    )
    emails.notify(
        recipients=[*validators, *emails.programme_admin_recipients()],
        subject=f"Validation withdrawn by {locked.organisation.name}",
        lines=[f"{locked.organisation.name} withdrew its validation request: {reason}"],
        url=emails.validation_url(locked),
    )
    return locked


@transaction.atomic
def validator_assign(
    *,
    validation: ValidationRequest,
    validator: User,
    user: User,
    request: HttpRequest | None = None,
) -> ValidatorAssignment:
    """A programme admin assigns a validator; refused for a non-validator, a member of the
    organisation (conflict of interest), a closed request or a validator already assigned."""
    if not user.is_programme_admin:
        raise ValidationRefused("Only a programme admin assigns validators.")
    locked = lock(validation)
    if locked.state not in OPEN_STATES:
        raise ValidationRefused(f"This validation is {locked.get_state_display().lower()}.")
    if not validator.is_validator:
        raise ValidationRefused(f"{validator} does not hold the validator role.")
    if conflict_of_interest(validator=validator, organisation_id=locked.organisation_id):
        raise ValidationRefused(
            f"{validator} is a member of {locked.organisation.name} and cannot validate it "
            "(conflict of interest)."
        )
    if ValidatorAssignment.objects.filter(request=locked, validator=validator).exists():
        raise ValidationRefused(f"{validator} is already assigned.")
    assignment = ValidatorAssignment.objects.create(
        request=locked, validator=validator, assigned_by=user
    )
    if locked.state == RequestState.REQUESTED:
        locked.state = RequestState.IN_REVIEW
        locked.save(update_fields=["state"])
    event(locked, EventKind.VALIDATOR_ASSIGNED, user, str(validator))
    audit_record(
        action="validation.validator_assigned",
        actor=user,
        organisation=locked.organisation,
        target=locked,
        summary=f"{validator} assigned to the validation of {locked.assessment.title}",
        detail={"validator": validator.email},
        request=request,
    )
    url = emails.validation_url(locked)
    emails.notify(
        recipients=[validator.email],
        subject=f"You are assigned to validate {locked.organisation.name}",
        lines=[
            f"You are assigned to the validation of “{locked.assessment.title}” of "
            f"{locked.organisation.name} (self-assessed stage {locked.self_assessed_stage}).",
            "Review each claimed criterion: accept, reject, or request evidence.",
        ],
        url=url,
    )
    emails.notify(
        recipients=emails.organisation_recipients(locked),
        subject="A validator is assigned to your validation",
        lines=[f"{validator} will review “{locked.assessment.title}”."],
        url=url,
    )
    return assignment


@transaction.atomic
def validator_unassign(
    *,
    validation: ValidationRequest,
    validator: User,
    user: User,
    request: HttpRequest | None = None,
    reason: str = "",
) -> None:
    """Remove a validator from an open validation (a programme admin's step, or the
    consequence of revoking the role); with nobody left it waits for validators again."""
    locked = lock(validation)
    if locked.state not in OPEN_STATES:
        raise ValidationRefused(f"This validation is {locked.get_state_display().lower()}.")
    deleted, _ = ValidatorAssignment.objects.filter(request=locked, validator=validator).delete()
    if not deleted:
        raise ValidationRefused(f"{validator} is not assigned.")
    if not ValidatorAssignment.objects.filter(request=locked).exists():
        locked.state = RequestState.REQUESTED
        locked.save(update_fields=["state"])
    event(
        locked, EventKind.VALIDATOR_REMOVED, user, f"{validator}{f': {reason}' if reason else ''}"
    )
    audit_record(
        action="validation.validator_removed",
        actor=user,
        organisation=locked.organisation,
        target=locked,
        summary=f"{validator} removed from the validation of {locked.assessment.title}",
        detail={"validator": validator.email, "reason": reason},
        request=request,
    )
