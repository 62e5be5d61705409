"""Who may see and do what in a validation: one access function, used by every view.

- Members of the organisation (any role) see their validation; admins and contributors answer
  evidence requests; admins request, withdraw and manage recognition.
- Validators see a validation only while assigned to it and while they hold the validator
  role; they act on it only if they are not members of the organisation (conflict of
  interest, checked on every action, not only at assignment).
- Programme admins see every validation and assign validators, but review nothing unless
  assigned as validators (which their role does not allow).
Anyone else gets 404, so a validation's existence does not leak; a permitted reader who may
not perform the action gets 403 with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404

from diam.web.accounts.access import membership_get
from diam.web.accounts.models import Membership, User
from diam.web.validation.models import ValidationRequest, ValidatorAssignment

Need = Literal["view", "reply", "org_admin", "review", "programme"]


class ConflictOfInterest(PermissionDenied):
    """A validator who is a member of the organisation under validation."""


@dataclass(frozen=True)
class ValidationAccess:
    request: ValidationRequest
    membership: Membership | None
    assigned: bool  # an assigned validator who still holds the role
    programme_admin: bool

    @property
    def can_review(self) -> bool:
        return self.assigned and self.membership is None

    @property
    def can_reply(self) -> bool:
        return self.membership is not None and self.membership.can_edit

    @property
    def is_org_admin(self) -> bool:
        return self.membership is not None and self.membership.is_admin


def conflict_of_interest(*, validator: User, organisation_id: int) -> bool:
    return Membership.objects.filter(user=validator, organisation_id=organisation_id).exists()


def validation_get_for_user(
    *, user: User, request_id: int, need: Need = "view"
) -> ValidationAccess:
    if not user.is_authenticated or not user.is_active:
        raise Http404("No such validation.")
    request = (
        ValidationRequest.objects.select_related("assessment", "organisation", "requested_by")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise Http404("No such validation.")
    membership = membership_get(user=user, organisation_id=request.organisation_id)
    assigned = (
        user.is_validator
        and ValidatorAssignment.objects.filter(request=request, validator=user).exists()
    )
    access = ValidationAccess(request, membership, assigned, user.is_programme_admin)
    if membership is None and not assigned and not access.programme_admin:
        raise Http404("No such validation.")
    _check(access, need)
    return access


def _check(access: ValidationAccess, need: Need) -> None:
    if need == "review":
        if access.assigned and access.membership is not None:
            raise ConflictOfInterest(
                "You are a member of this organisation, so you cannot act as its validator "
                "(conflict of interest)."
            )
        if not access.assigned:
            raise PermissionDenied("Only a validator assigned to this validation can do this.")
    elif need == "reply" and not access.can_reply:
        raise PermissionDenied(
            "Only the organisation's admins and contributors can answer the validators."
        )
    elif need == "org_admin" and not access.is_org_admin:
        raise PermissionDenied("Only an organisation admin can do this.")
    elif need == "programme" and not access.programme_admin:
        raise PermissionDenied("Only a programme admin can do this.")
