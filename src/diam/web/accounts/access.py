"""One access function per protected object; every view and API endpoint goes through them.

An object the user may not see is reported as missing (404), so its existence does not leak
across organisations; a permitted reader lacking a role gets 403.
"""

from __future__ import annotations

from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404

from diam.web.accounts.models import Membership, Organisation, Role, User

Need = Literal["view", "edit", "admin"]


def _check(membership: Membership, need: Need) -> None:
    if need == "edit" and not membership.can_edit:
        raise PermissionDenied("Viewers cannot change answers.")
    if need == "admin" and not membership.is_admin:
        raise PermissionDenied("Only an organisation admin can do this.")


def membership_get(*, user: User, organisation_id: int) -> Membership | None:
    if not user.is_authenticated or not user.is_active:
        return None
    return (
        Membership.objects.select_related("organisation")
        .filter(user=user, organisation_id=organisation_id)
        .first()
    )


def organisation_get_for_user(
    *, user: User, organisation_id: int, need: Need = "view"
) -> tuple[Organisation, Membership]:
    """The organisation and the user's membership; 404 for non-members, 403 for low roles."""
    membership = membership_get(user=user, organisation_id=organisation_id)
    if membership is None:
        raise Http404("No such organisation.")
    _check(membership, need)
    return membership.organisation, membership


def memberships_of(user: User) -> list[Membership]:
    return list(
        Membership.objects.select_related("organisation")
        .filter(user=user)
        .order_by("organisation__name")
    )


ROLE_ORDER = {Role.VIEWER: 0, Role.CONTRIBUTOR: 1, Role.ADMIN: 2}
