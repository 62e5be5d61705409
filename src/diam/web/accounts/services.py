"""Business actions on accounts: register an organisation, invite, accept, change roles, remove.

Each service is keyword-only and runs in one transaction: it changes everything it promises or
nothing (bad input raises a specific exception before any write). Views translate those
exceptions into form errors or messages.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from diam.web.accounts import emails
from diam.web.accounts.models import (
    Invitation,
    Membership,
    Organisation,
    ProgrammeRole,
    Role,
    User,
)
from diam.web.audit.services import audit_record

INVITATION_SALT = "diam.invitation"


class EmailTaken(ValueError):
    """An account with this e-mail address already exists."""

    def __init__(self, email: str) -> None:
        super().__init__(f"An account with the e-mail address {email} already exists.")
        self.email = email


class AlreadyMember(ValueError):
    """The invited address belongs to someone who is already a member of the organisation."""

    def __init__(self, email: str, organisation: Organisation) -> None:
        super().__init__(f"{email} is already a member of {organisation}.")


class LastAdmin(ValueError):
    """The change would leave the organisation without any admin."""

    def __init__(self, organisation: Organisation, message: str = "") -> None:
        super().__init__(
            message
            or f"{organisation} must keep at least one admin: make someone else an admin first."
        )


class RoleRefused(ValueError):
    """The programme role cannot be changed this way (the message says why)."""


class InvitationClosed(ValueError):
    """The invitation was revoked or already used."""


class WrongInvitee(ValueError):
    """The invitation is for another e-mail address than the signed-in user's."""


@dataclass(frozen=True)
class OrganisationDetails:
    """What an admin states about an organisation (the sign-up and settings form)."""

    name: str
    org_type: str
    country: str
    region_override: str = ""  # blank: derived from the country (diam.regions.region_for)
    beds: int | None = None
    annual_exams: int | None = None
    service_areas: list[str] = field(default_factory=list)
    benchmarking_consent: bool = True


@dataclass(frozen=True)
class NewAccount:
    """A person signing up: the future user's name, e-mail address and password."""

    name: str
    email: str
    password: str


def normalise_email(email: str) -> str:
    """E-mail addresses are compared and stored in lower case (as UserManager stores them)."""
    return email.strip().lower()


def _apply_details(organisation: Organisation, details: OrganisationDetails) -> None:
    organisation.name = details.name.strip()
    organisation.org_type = details.org_type
    organisation.country = details.country
    # A blank region makes Organisation.save() derive it from the (possibly new) country, so a
    # country change moves a non-overridden organisation to the right region.
    organisation.region = details.region_override
    organisation.beds = details.beds
    organisation.annual_exams = details.annual_exams
    organisation.service_areas = list(details.service_areas)
    organisation.benchmarking_consent = details.benchmarking_consent


def _user_create(account: NewAccount) -> User:
    email = normalise_email(account.email)
    if User.objects.filter(email__iexact=email).exists():
        raise EmailTaken(email)
    candidate = User(email=email, name=account.name.strip())
    validate_password(account.password, user=candidate)
    return User.objects.create_user(email=email, password=account.password, name=candidate.name)


@transaction.atomic
def organisation_register(
    *,
    details: OrganisationDetails,
    user: User | None = None,
    account: NewAccount | None = None,
) -> Membership:
    """Create an organisation with its first admin: an existing `user` or a new `account`.

    Raises EmailTaken (nothing is created) when the new account's address is registered, and
    django's ValidationError when its password fails the configured validators.
    """
    if (user is None) == (account is None):
        raise TypeError("Pass exactly one of user= or account=")
    from diam.web.verification.services import verification_request

    admin = user if user is not None else _user_create(account)  # type: ignore[arg-type]
    organisation = Organisation()
    _apply_details(organisation, details)
    organisation.full_clean()
    organisation.save()
    membership = Membership.objects.create(user=admin, organisation=organisation, role=Role.ADMIN)
    # A self sign-up never counts in a benchmark before a programme admin verifies it.
    verification_request(organisation=organisation, reason="sign-up", user=admin)
    audit_record(
        action="organisation.registered",
        actor=admin,
        organisation=organisation,
        target=organisation,
        summary=f"{organisation.name} registered; {admin.email} is its admin",
        detail=_settings_of(organisation),
    )
    return membership


class SettingsConflict(ValueError):
    """The organisation's settings changed since the form was loaded; nothing was saved."""


def _settings_of(organisation: Organisation) -> dict[str, Any]:
    return {
        "name": organisation.name,
        "org_type": organisation.org_type,
        "country": str(organisation.country.code) if organisation.country else "",
        "region": organisation.region,
        "beds": organisation.beds,
        "annual_exams": organisation.annual_exams,
        "service_areas": list(organisation.service_areas),
        "benchmarking_consent": organisation.benchmarking_consent,
    }


def organisation_state(*, organisation: Organisation) -> str:
    """A fingerprint of the organisation's settings: the settings form's "version"."""
    text = json.dumps(_settings_of(organisation), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@transaction.atomic
def organisation_update(
    *,
    organisation: Organisation,
    details: OrganisationDetails,
    expected_state: str | None = None,
    actor: User | None = None,
) -> Organisation:
    """Save what the admin stated about the organisation.

    With `expected_state` (from `organisation_state` when the form was drawn), raises
    `SettingsConflict` and saves nothing when someone saved other settings meanwhile. Its
    benchmark rows follow (consent, country, region, type and size are peer attributes);
    a change of name, country, region or type needs a new verification before the organisation
    counts again (diam.web.verification).
    """
    from diam.web.benchmarks.services import benchmark_organisation_refresh
    from diam.web.verification.services import identity_of, verification_after_update

    current = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if expected_state is not None and organisation_state(organisation=current) != expected_state:
        raise SettingsConflict(
            "Someone saved other settings for this organisation since you opened this page, "
            "so yours were not saved. The form now shows the current settings; make your "
            "changes again and save."
        )
    before = _settings_of(current)
    identity_before = identity_of(current)
    _apply_details(organisation, details)
    organisation.full_clean()
    organisation.save()
    if verification_after_update(organisation=organisation, before=identity_before) is None:
        benchmark_organisation_refresh(organisation=organisation)
    after = _settings_of(organisation)
    changed = {k: {"old": before[k], "new": after[k]} for k in after if before[k] != after[k]}
    if changed:
        audit_record(
            action="organisation.settings_changed",
            actor=actor,
            organisation=organisation,
            target=organisation,
            summary="Settings changed: " + ", ".join(changed),
            detail=changed,
        )
    return organisation


def _admins_locked(organisation: Organisation) -> list[Membership]:
    # Locks the admin rows so two concurrent demotions cannot both see "another admin left".
    return list(
        Membership.objects.select_for_update().filter(organisation=organisation, role=Role.ADMIN)
    )


@transaction.atomic
def membership_change_role(
    *, membership: Membership, role: str, actor: User | None = None
) -> Membership:
    """Give a member another role; raises LastAdmin rather than demote the only admin."""
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}")
    admins = _admins_locked(membership.organisation)
    membership.refresh_from_db()
    if membership.role == Role.ADMIN and role != Role.ADMIN and len(admins) <= 1:
        raise LastAdmin(membership.organisation)
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    if old != role:
        audit_record(
            action="membership.role_changed",
            actor=actor,
            organisation=membership.organisation_id,
            target=membership,
            summary=f"{membership.user.email}: {Role(old).label} → {Role(role).label}",
            detail={"user": membership.user.email, "old": old, "new": role},
        )
    return membership


@transaction.atomic
def programme_admin_set(
    *, user: User, admin: bool, by: User, request: HttpRequest | None = None
) -> User:
    """Give or take the programme admin role (no page does this: support staff use the Django
    admin, which comes here). The validator role has its own services
    (diam.web.validation.services.roles), which also leave open validations on revocation."""
    if not by.is_programme_admin:
        raise RoleRefused("Only a programme admin changes who is a programme admin.")
    locked = User.objects.select_for_update().get(pk=user.pk)
    if admin:
        if not locked.is_active:
            raise RoleRefused(f"{locked.email} is deactivated.")
        if locked.programme_role == ProgrammeRole.ADMIN:
            raise RoleRefused(f"{locked} is already a programme admin.")
        if locked.programme_role == ProgrammeRole.VALIDATOR:
            raise RoleRefused(
                f"{locked} is a validator; revoke that role first (programme admins assign "
                "validators and cannot also be one)."
            )
        locked.programme_role = ProgrammeRole.ADMIN
    else:
        if locked.programme_role != ProgrammeRole.ADMIN:
            raise RoleRefused(f"{locked} is not a programme admin.")
        locked.programme_role = ProgrammeRole.NONE
    locked.save(update_fields=["programme_role"])
    audit_record(
        action="programme.admin_granted" if admin else "programme.admin_revoked",
        actor=by,
        target=locked,
        summary=f"{locked.email} "
        + ("made a programme admin" if admin else "is no longer a programme admin"),
        request=request,
    )
    return locked


def _is_only_admin(membership: Membership, admin_count: int) -> bool:
    return membership.role == Role.ADMIN and admin_count <= 1


def _membership_end(membership: Membership, actor: User | None = None) -> None:
    """Delete a membership and the member's section assignments in its organisation.

    Raises LastAdmin for the only admin. Answers, their history and evidence stay: they are the
    organisation's record and keep naming who gave them.
    """
    from diam.web.assessments.models import SectionAssignment

    admins = _admins_locked(membership.organisation)
    try:
        membership.refresh_from_db()
    except Membership.DoesNotExist:
        return  # ended meanwhile (a second click, a concurrent removal): already as asked
    if _is_only_admin(membership, len(admins)):
        raise LastAdmin(membership.organisation)
    # An assignment names the user, not the membership: left behind, it would keep listing a
    # former member as answering the section.
    SectionAssignment.objects.filter(
        user_id=membership.user_id, assessment__organisation_id=membership.organisation_id
    ).delete()
    email, role = membership.user.email, membership.role
    leaving = actor is None or actor.pk == membership.user_id
    audit_record(
        action="membership.left" if leaving else "membership.removed",
        actor=actor or membership.user,
        organisation=membership.organisation_id,
        target=membership,
        summary=f"{email} ({Role(role).label}) " + ("left" if leaving else "was removed"),
        detail={"user": email, "role": role},
    )
    membership.delete()


@transaction.atomic
def membership_remove(*, membership: Membership, actor: User | None = None) -> None:
    """Remove a member from the organisation; raises LastAdmin for the only admin."""
    _membership_end(membership, actor)


def _last_admin_leaving(organisation: Organisation) -> LastAdmin:
    return LastAdmin(
        organisation,
        f"You are the only admin of {organisation}, so you cannot leave it: make someone else "
        "an admin first, or ask a programme admin to close the organisation.",
    )


@transaction.atomic
def membership_leave(*, membership: Membership) -> None:
    """The member ends their own membership; raises LastAdmin if they are the only admin."""
    try:
        _membership_end(membership)
    except LastAdmin as error:
        raise _last_admin_leaving(membership.organisation) from error


def membership_leave_refusal(*, membership: Membership) -> LastAdmin | None:
    """The error membership_leave would raise now, or None: the confirmation page's answer.

    Read without locks, so only a forecast; membership_leave decides again under them.
    """
    admin_count = Membership.objects.filter(
        organisation_id=membership.organisation_id, role=Role.ADMIN
    ).count()
    if _is_only_admin(membership, admin_count):
        return _last_admin_leaving(membership.organisation)
    return None


def invitation_token(*, invitation: Invitation) -> str:
    """The signed, timestamped token of an invitation link (checked by the accept view)."""
    return signing.TimestampSigner(salt=INVITATION_SALT).sign(str(invitation.pk))


def invitation_url(*, invitation: Invitation) -> str:
    token = invitation_token(invitation=invitation)
    return settings.SITE_URL.rstrip("/") + reverse("invitation_accept", args=[token])


@transaction.atomic
def invitation_create(
    *, organisation: Organisation, email: str, role: str, invited_by: User
) -> Invitation:
    """Invite an address to the organisation with a role and e-mail it the link.

    Raises AlreadyMember (and sends nothing) when the address already belongs to a member.
    Earlier open invitations of the same address to the organisation are revoked, so only the
    newest link works. If sending fails (OSError, e.g. smtplib.SMTPException), nothing is saved.
    """
    email = normalise_email(email)
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}")
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise AlreadyMember(email, organisation)
    now = timezone.now()
    Invitation.objects.filter(
        organisation=organisation, email__iexact=email, accepted_at=None, revoked_at=None
    ).update(revoked_at=now)
    invitation = Invitation.objects.create(
        organisation=organisation, email=email, role=role, invited_by=invited_by
    )
    # Sent inside the transaction, as its last step: if the mail server refuses, the
    # invitation is rolled back (nobody could use it) and the error reaches the admin.
    audit_record(
        action="invitation.sent",
        actor=invited_by,
        organisation=organisation,
        target=invitation,
        summary=f"{email} invited as {Role(role).label}",
        detail={"email": email, "role": role},
    )
    emails.send_invitation(invitation=invitation, url=invitation_url(invitation=invitation))
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User | None = None) -> Invitation:
    """Make an open invitation's link stop working; raises InvitationClosed if not open."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        raise InvitationClosed("This invitation was already used or revoked.")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        action="invitation.revoked",
        actor=actor,
        organisation=invitation.organisation_id,
        target=invitation,
        summary=f"Invitation of {invitation.email} revoked",
        detail={"email": invitation.email},
    )
    return invitation


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, user: User | None = None, account: NewAccount | None = None
) -> Membership:
    """Accept an invitation as an existing `user` or by creating the invited `account`.

    The membership is created (or an existing member's role set to the invited one) and the
    invitation marked accepted, together. Raises InvitationClosed if it was revoked or used
    meanwhile, WrongInvitee if the user's address is not the invited one, and LastAdmin if the
    invitation would demote the organisation's only admin.
    """
    if (user is None) == (account is None):
        raise TypeError("Pass exactly one of user= or account=")
    invitation = (
        Invitation.objects.select_for_update().select_related("organisation").get(pk=invitation.pk)
    )
    if not invitation.is_open:
        raise InvitationClosed("This invitation was already used or revoked.")
    if account is not None:
        if normalise_email(account.email) != normalise_email(invitation.email):
            raise WrongInvitee(f"This invitation is for {invitation.email}.")
        user = _user_create(account)
    assert user is not None
    if normalise_email(user.email) != normalise_email(invitation.email):
        raise WrongInvitee(f"This invitation is for {invitation.email}, not {user.email}.")
    organisation = invitation.organisation
    membership = Membership.objects.filter(user=user, organisation=organisation).first()
    if membership is None:
        membership = Membership.objects.create(
            user=user, organisation=organisation, role=invitation.role
        )
    elif membership.role != invitation.role:
        membership = membership_change_role(membership=membership, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(
        action="invitation.accepted",
        actor=user,
        organisation=organisation,
        target=membership,
        summary=f"{user.email} joined as {membership.get_role_display()}",
        detail={"email": user.email, "role": membership.role},
    )
    return membership
