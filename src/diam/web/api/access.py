"""What a token may reach: the same access functions as the pages, narrowed to the token.

A token never reaches beyond its organisation (anything else is 404, as for a non-member),
and acts with the lesser of its own role and its owner's current role: a member who is
demoted or leaves takes the token's rights with them. Writes also need a read-write token.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from diam.web.accounts.access import ROLE_ORDER, Need, organisation_get_for_user
from diam.web.accounts.models import Membership, Organisation, Role
from diam.web.api.models import ApiToken
from diam.web.assessments.access import assessment_get_for_user
from diam.web.assessments.models import Assessment

_NEEDED = {"view": Role.VIEWER, "edit": Role.CONTRIBUTOR, "admin": Role.ADMIN}


def effective_role(token: ApiToken, membership: Membership) -> Role:
    """The lesser of the token's role and its owner's role in the organisation."""
    roles = (Role(token.role), Role(membership.role))
    return min(roles, key=lambda r: ROLE_ORDER[r])


def _check(token: ApiToken, membership: Membership, need: Need) -> None:
    if need == "view":
        return
    if not token.can_write:
        raise PermissionDenied("This token is read-only.")
    role = effective_role(token, membership)
    if ROLE_ORDER[role] < ROLE_ORDER[_NEEDED[need]]:
        needed = "an organisation admin" if need == "admin" else "a contributor or admin"
        raise PermissionDenied(f"This needs {needed}; the token acts as {role.label.lower()}.")


def token_organisation_get(
    *, token: ApiToken, organisation_id: int, need: Need = "view"
) -> tuple[Organisation, Membership]:
    if organisation_id != token.organisation_id:
        raise Http404("No such organisation.")
    organisation, membership = organisation_get_for_user(
        user=token.user, organisation_id=organisation_id
    )
    _check(token, membership, need)
    return organisation, membership


def token_assessment_get(
    *, token: ApiToken, assessment_id: int, need: Need = "view"
) -> tuple[Assessment, Membership]:
    assessment, membership = assessment_get_for_user(user=token.user, assessment_id=assessment_id)
    if assessment.organisation_id != token.organisation_id:
        raise Http404("No such assessment.")
    _check(token, membership, need)
    return assessment, membership
