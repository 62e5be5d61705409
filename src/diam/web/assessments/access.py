"""Access to assessments, always through the organisation membership of the user."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from diam.web.accounts.access import Need, membership_get
from diam.web.accounts.models import Membership, User
from diam.web.assessments.models import Assessment


def assessment_get_for_user(
    *, user: User, assessment_id: int, need: Need = "view"
) -> tuple[Assessment, Membership]:
    """The assessment and the user's membership of its organisation.

    404 when the assessment does not exist or belongs to an organisation the user is not a
    member of; 403 when the member's role does not allow `need`.
    """
    assessment = Assessment.objects.select_related("organisation").filter(pk=assessment_id).first()
    if assessment is None:
        raise Http404("No such assessment.")
    membership = membership_get(user=user, organisation_id=assessment.organisation_id)
    if membership is None:
        raise Http404("No such assessment.")
    if need == "edit" and not membership.can_edit:
        raise PermissionDenied("Viewers cannot change answers.")
    if need == "admin" and not membership.is_admin:
        raise PermissionDenied("Only an organisation admin can do this.")
    return assessment, membership
