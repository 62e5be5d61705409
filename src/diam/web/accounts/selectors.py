"""Reads for the accounts app: member lists, open invitations, invitations by their link."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db.models import QuerySet

from diam.web.accounts.models import Invitation, Membership, Organisation, Role
from diam.web.accounts.services import INVITATION_SALT


class InvitationInvalid(LookupError):
    """The link is malformed, tampered with, or names no invitation."""


class InvitationExpired(LookupError):
    """The link is genuine but older than INVITATION_MAX_AGE_DAYS."""

    def __init__(self, invitation: Invitation) -> None:
        super().__init__("This invitation has expired.")
        self.invitation = invitation


def invitation_max_age() -> timedelta:
    return timedelta(days=settings.INVITATION_MAX_AGE_DAYS)


def invitation_expires_at(invitation: Invitation) -> datetime:
    return invitation.created_at + invitation_max_age()


def membership_list(*, organisation: Organisation) -> QuerySet[Membership]:
    """The organisation's members with their users, by name."""
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("user__name", "user__email")
    )


def admin_count(*, organisation: Organisation) -> int:
    return Membership.objects.filter(organisation=organisation, role=Role.ADMIN).count()


def invitation_list_open(*, organisation: Organisation) -> QuerySet[Invitation]:
    """Invitations not yet accepted or revoked, newest first (expired ones included)."""
    return (
        Invitation.objects.filter(organisation=organisation, accepted_at=None, revoked_at=None)
        .select_related("invited_by")
        .order_by("-created_at")
    )


def invitation_get_by_token(*, token: str) -> Invitation:
    """The invitation a link's token names.

    Raises InvitationInvalid for a bad signature or unknown invitation, InvitationExpired when
    the signature is older than the maximum age. Revoked or used invitations are returned:
    the caller says why they cannot be accepted.
    """
    signer = signing.TimestampSigner(salt=INVITATION_SALT)
    try:
        raw_pk = signer.unsign(token)
    except signing.BadSignature:
        raise InvitationInvalid(token) from None
    try:
        invitation = Invitation.objects.select_related("organisation", "invited_by").get(
            pk=int(raw_pk)
        )
    except (ValueError, Invitation.DoesNotExist):
        raise InvitationInvalid(token) from None
    try:
        signer.unsign(token, max_age=invitation_max_age())
    except signing.SignatureExpired:
        raise InvitationExpired(invitation) from None
    return invitation
