"""Access to assessments, always through the organisation membership of the user."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import FilteredRelation, Q
from django.http import Http404

from diam.web.accounts.access import Need
from diam.web.accounts.models import Membership, User
from diam.web.assessments.models import Assessment


def assessment_get_for_user(
    *, user: User, assessment_id: int, need: Need = "view", lock: bool = False
) -> tuple[Assessment, Membership]:
    """The assessment and the user's membership of its organisation.

    404 when the assessment does not exist or belongs to an organisation the user is not a
    member of; 403 when the member's role does not allow `need`. `lock=True` (inside a
    transaction) also takes the assessment's row lock that writes to its answers wait for, so a
    save needs no query of its own for it.
    """
    if not user.is_authenticated or not user.is_active:
        raise Http404("No such assessment.")
    # One query on every assessment page and autosave: the assessment, its organisation and
    # this user's membership of it (a left join on the one membership row, so a missing
    # assessment and a non-member are told apart only here, and both answer 404).
    assessments = Assessment.objects.all()
    if lock:
        # Only the assessment's row: the membership is the nullable side of an outer join.
        assessments = assessments.select_for_update(of=("self",))
    try:
        assessment = (
            assessments.annotate(
                member=FilteredRelation(
                    "organisation__memberships",
                    condition=Q(organisation__memberships__user_id=user.pk),
                )
            )
            .select_related("organisation", "member")
            .get(pk=assessment_id)  # not first(): no ORDER BY to build for one primary key
        )
    except Assessment.DoesNotExist:
        raise Http404("No such assessment.") from None
    # select_related leaves the attribute unset, not None, when the joined row is missing.
    membership: Membership | None = getattr(assessment, "member", None)
    if membership is None:
        raise Http404("No such assessment.")
    # What membership_get would have loaded, from this one row: no lazy query later.
    membership.organisation = assessment.organisation
    membership.user = user
    if need == "edit" and not membership.can_edit:
        raise PermissionDenied("Viewers cannot change answers.")
    if need == "admin" and not membership.is_admin:
        raise PermissionDenied("Only an organisation admin can do this.")
    return assessment, membership
