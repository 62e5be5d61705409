"""Writes of verification: ask for it (sign-up, identity changes) and decide it.

- `verification_request(organisation=, reason=)`: the organisation waits in the queue; it does
  not count in benchmarks until verified. Called on sign-up (`accounts.organisation_register`)
  and when a verified or refused organisation changes an identity field
  (`verification_after_update`, from `accounts.organisation_update`).
- `verification_decide(organisation=, verified=, note=, user=)`: a programme admin verifies or
  refuses (a refusal needs its reason). The benchmark rows follow at once; figures change at
  the next release.

Each runs in one transaction with its audit event and its history row.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from diam.web.accounts.models import Organisation, Role, User
from diam.web.audit.services import audit_record
from diam.web.verification.models import OrganisationVerification, Status, VerificationDecision

# Who the organisation is: a change of any of these needs a new verification. Size (beds,
# exams), service areas and consent are not identity; they count at the next release.
IDENTITY_FIELDS = ("name", "country", "region", "org_type")
FIELD_LABELS = {"name": "name", "country": "country", "region": "region", "org_type": "type"}


class RefusalNeedsReason(ValueError):
    """A refusal must say why (the organisation's admins read it)."""

    def __init__(self) -> None:
        super().__init__("Say why the organisation is refused: its admins will read the reason.")


def _country(organisation: Organisation) -> str:
    country = organisation.country
    return str(getattr(country, "code", country) or "")


def signed_up_by(organisation: Organisation) -> User | None:
    """The organisation's first admin (who registered it)."""
    membership = (
        organisation.memberships.filter(role=Role.ADMIN)
        .select_related("user")
        .order_by("created_at", "pk")
        .first()
    )
    return membership.user if membership is not None else None


def identity_of(organisation: Organisation) -> dict[str, Any]:
    """What the organisation claims to be, as the queue shows it."""
    admin = signed_up_by(organisation)
    email = admin.email if admin is not None else ""
    return {
        "name": organisation.name,
        "country": _country(organisation),
        "region": organisation.region,
        "org_type": organisation.org_type,
        "beds": organisation.beds,
        "annual_exams": organisation.annual_exams,
        "admin_name": admin.name if admin is not None else "",
        "admin_email": email,
        "email_domain": email.rpartition("@")[2] if "@" in email else "",
    }


def identity_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The identity fields that differ (names as in IDENTITY_FIELDS)."""
    return [name for name in IDENTITY_FIELDS if before.get(name) != after.get(name)]


def _refresh_benchmarks(organisation: Organisation) -> None:
    from diam.web.benchmarks.services import benchmark_organisation_refresh

    benchmark_organisation_refresh(organisation=organisation)


@transaction.atomic
def verification_request(
    *,
    organisation: Organisation,
    reason: str,
    user: User | None = None,
    request: HttpRequest | None = None,
) -> OrganisationVerification:
    """Put the organisation in the queue (again); it stops counting until verified."""
    now = timezone.now()
    identity = identity_of(organisation)
    row, _ = OrganisationVerification.objects.select_for_update().get_or_create(
        organisation=organisation,
        defaults={"requested_at": now, "request_reason": reason, "identity": identity},
    )
    row.status = Status.PENDING
    row.requested_at = now
    row.request_reason = reason[:200]
    row.identity = identity
    row.decided_at = None
    row.decided_by = None
    row.note = ""
    row.save()
    VerificationDecision.objects.create(
        organisation=organisation,
        status=Status.PENDING,
        at=now,
        by=user,
        identity=identity,
        note=reason,
    )
    audit_record(
        action="organisation.verification_requested",
        actor=user,
        organisation=organisation,
        target=organisation,
        summary=f"Verification requested: {reason}",
        detail={"reason": reason, "identity": identity},
        request=request,
    )
    _refresh_benchmarks(organisation)
    return row


def verification_after_update(
    *,
    organisation: Organisation,
    before: dict[str, Any],
    user: User | None = None,
    request: HttpRequest | None = None,
) -> OrganisationVerification | None:
    """After a settings change: a changed identity needs a new verification."""
    changed = identity_changes(before, identity_of(organisation))
    if not changed:
        return None
    reason = "changed " + ", ".join(FIELD_LABELS[name] for name in changed)
    return verification_request(
        organisation=organisation, reason=reason, user=user, request=request
    )


@transaction.atomic
def verification_decide(
    *,
    organisation: Organisation,
    verified: bool,
    note: str,
    user: User,
    request: HttpRequest | None = None,
) -> OrganisationVerification:
    """Verify or refuse (refusing needs a reason); only programme admins decide."""
    if not user.is_programme_admin:
        raise PermissionDenied("Only programme admins verify organisations.")
    note = note.strip()
    if not verified and not note:
        raise RefusalNeedsReason()
    now = timezone.now()
    identity = identity_of(organisation)
    row, _ = OrganisationVerification.objects.select_for_update().get_or_create(
        organisation=organisation,
        defaults={"requested_at": now, "request_reason": "decided directly", "identity": identity},
    )
    row.status = Status.VERIFIED if verified else Status.REFUSED
    row.decided_at = now
    row.decided_by = user
    row.note = note
    row.identity = identity
    row.save()
    VerificationDecision.objects.create(
        organisation=organisation, status=row.status, at=now, by=user, note=note, identity=identity
    )
    audit_record(
        action="organisation.verified" if verified else "organisation.verification_refused",
        actor=user,
        organisation=organisation,
        target=organisation,
        summary=("Verified" if verified else "Refused") + (f": {note}" if note else ""),
        detail={"note": note, "identity": identity},
        request=request,
    )
    _refresh_benchmarks(organisation)
    return row
