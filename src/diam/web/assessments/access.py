"""Access to assessments, always through the organisation membership of the user."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import NamedTuple

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
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


class AnswerSaveScope(NamedTuple):
    assessment: Assessment
    membership: Membership
    lock_held: bool  # pass on to answer_save_with_values(lock_held=...)


@contextmanager
def assessment_for_answer_save(*, user: User, assessment_id: int) -> Iterator[AnswerSaveScope]:
    """The assessment and membership for saving an answer, read the cheapest safe way.

    With row locks (PostgreSQL) the block is the save's transaction and the access query takes
    the assessment's lock the save needs: one query fewer on the survey's hottest path. SQLite
    locks the whole database when a transaction begins (IMMEDIATE), so there the access read
    stays outside any transaction and the save's own stays short: taking the lock earlier cost
    about a quarter of the autosave throughput with two workers (docs/configuration.md).
    """
    row_locks = connection.features.has_select_for_update
    with transaction.atomic() if row_locks else nullcontext():
        assessment, membership = assessment_get_for_user(
            user=user, assessment_id=assessment_id, need="edit", lock=row_locks
        )
        yield AnswerSaveScope(assessment, membership, row_locks)
