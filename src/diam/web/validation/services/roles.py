"""Granting and revoking the programme-level validator role (a programme admin's page)."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest

from diam.web.accounts.models import ProgrammeRole, User
from diam.web.audit.services import audit_record
from diam.web.validation import emails
from diam.web.validation.models import OPEN_STATES, ValidatorAssignment
from diam.web.validation.services.requests import ValidationRefused, validator_unassign


@transaction.atomic
def validator_grant(*, user: User, by: User, request: HttpRequest | None = None) -> User:
    """Make an existing, active account a validator."""
    if not by.is_programme_admin:
        raise ValidationRefused("Only a programme admin grants the validator role.")
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.is_active:
        raise ValidationRefused(f"{locked.email} is deactivated.")
    if locked.is_validator:
        raise ValidationRefused(f"{locked} is already a validator.")
    if locked.is_programme_admin:
        raise ValidationRefused(
            f"{locked} is a programme admin; programme admins assign validators and cannot "
            "also be one."
        )
    locked.programme_role = ProgrammeRole.VALIDATOR
    locked.save(update_fields=["programme_role"])
    audit_record(
        action="validation.role_granted",
        actor=by,
        target=locked,
        summary=f"{locked.email} made a validator",
        request=request,
    )
    emails.notify(
        recipients=[locked.email],
        subject="You are a validator",
        lines=[
            f"{by} gave you the validator role. Validations you are assigned to appear in "
            "“Waiting for you” once you sign in.",
        ],
        url=emails.absolute("/waiting/"),
    )
    return locked


@transaction.atomic
def validator_revoke(*, user: User, by: User, request: HttpRequest | None = None) -> int:
    """Take the validator role away; they leave every undecided validation at once.

    Returns how many validations they were removed from.
    """
    if not by.is_programme_admin:
        raise ValidationRefused("Only a programme admin revokes the validator role.")
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.programme_role != ProgrammeRole.VALIDATOR:
        raise ValidationRefused(f"{locked} is not a validator.")
    open_assignments = list(
        ValidatorAssignment.objects.filter(
            validator=locked, request__state__in=OPEN_STATES
        ).select_related("request")
    )
    for assignment in open_assignments:
        validator_unassign(
            validation=assignment.request,
            validator=locked,
            user=by,
            request=request,
            reason="validator role revoked",
        )
    locked.programme_role = ProgrammeRole.NONE
    locked.save(update_fields=["programme_role"])
    audit_record(
        action="validation.role_revoked",
        actor=by,
        target=locked,
        summary=f"{locked.email} is no longer a validator",
        detail={"left_validations": len(open_assignments)},
        request=request,
    )
    return len(open_assignments)
