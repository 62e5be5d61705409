"""Reads of the validation app: review progress, what waits for whom, the programme's queue,
certificates and the public registry. The programme console (another app) uses
`validation_queue` and `certificates_expiring`; see README.md.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from diam.model.schema import Criterion, Model
from diam.scoring.answers import AnswerValue, NotApplicable
from diam.scoring.context import Context
from diam.scoring.engine import hidden_criteria, score
from diam.scoring.result import Result, Status
from diam.web.accounts.models import Organisation, ProgrammeRole, User
from diam.web.assessments.models import Answer, Assessment, AssessmentEvent
from diam.web.assessments.selectors import answer_label
from diam.web.assessments.services import assessment_context, model_for
from diam.web.core.countries import name_order
from diam.web.validation.models import (
    DONE_VERDICTS,
    OPEN_STATES,
    RequestState,
    ReviewItem,
    ReviewMessage,
    ValidationDecision,
    ValidationRequest,
    ValidatorAssignment,
    Verdict,
)

# --- what is under review, and the validated result --------------------------------------------


def claimed_criteria(
    model: Model, values: dict[str, AnswerValue], context: Context | None = None
) -> dict[str, str]:
    """Criterion id -> what the organisation claims that a validator must confirm.

    `met` (the answer meets the criterion), `not_applicable` (answered N/A with a
    justification) or `controls` (an answer that hides other criteria through skip logic).
    Criteria not met or unanswered claim nothing: they count as not met either way.
    """
    result = score(model, values, context)
    claims: dict[str, str] = {}
    for criterion in model.criteria:
        value = values.get(criterion.id)
        if result.status(criterion.id) == Status.MET:
            claims[criterion.id] = "met"
        elif isinstance(value, NotApplicable):
            claims[criterion.id] = "not_applicable"
    hidden = hidden_criteria(model, values, context)
    for criterion in model.criteria:
        cond = criterion.relevant_when
        if criterion.id in hidden and cond is not None and cond.criterion in values:
            claims.setdefault(cond.criterion, "controls")
    return claims


def rejected_criteria(assessment: Assessment) -> set[str]:
    """Criteria whose claim the deciding validation rejected (empty when none decided)."""
    return set(
        ReviewItem.objects.filter(
            request__assessment=assessment,
            request__state=RequestState.DECIDED,
            verdict=Verdict.REJECTED,
        ).values_list("criterion_id", flat=True)
    )


def validated_values(
    values: dict[str, AnswerValue], rejected: Iterable[str]
) -> dict[str, AnswerValue]:
    """The answers a validated stage is computed from: a rejected claim counts as unanswered,
    which never meets a criterion, so the validated stage is never above the self-assessed one.
    """
    out = dict(values)
    for cid in rejected:
        out.pop(cid, None)
    return out


def validated_result(assessment: Assessment) -> Result:
    """The engine's result from the accepted claims only (the stage a decision states)."""
    values = validated_values(assessment.to_core(), rejected_criteria(assessment))
    return score(model_for(assessment), values, assessment_context(assessment))


def reopen_refusal(assessment: Assessment) -> str:
    """Why a submitted assessment cannot be reopened because of validation ('' when it can)."""
    states = set(
        ValidationRequest.objects.filter(assessment=assessment).values_list("state", flat=True)
    )
    if states & set(OPEN_STATES):
        return (
            "This assessment is under validation; an admin can withdraw the validation "
            "request first."
        )
    if RequestState.DECIDED in states:
        return "This assessment has a validation decision; it can no longer be reopened."
    return ""


# --- one validation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    total: int
    done: int
    accepted: int
    rejected: int
    waiting_for_organisation: int  # evidence requested
    to_review: int  # pending or answered by the organisation

    @property
    def complete(self) -> bool:
        return self.done == self.total

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(self.done * 100 / self.total)


def review_progress(validation: ValidationRequest) -> Progress:
    counts = Counter(validation.items.values_list("verdict", flat=True))
    return Progress(
        total=sum(counts.values()),
        done=sum(counts[v] for v in DONE_VERDICTS),
        accepted=counts[Verdict.ACCEPTED],
        rejected=counts[Verdict.REJECTED],
        waiting_for_organisation=counts[Verdict.EVIDENCE_REQUESTED],
        to_review=counts[Verdict.PENDING] + counts[Verdict.ANSWERED],
    )


def open_items(validation: ValidationRequest) -> list[str]:
    """Criteria still without an accept or reject verdict."""
    return list(
        validation.items.exclude(verdict__in=DONE_VERDICTS).values_list("criterion_id", flat=True)
    )


def validators_of(validation: ValidationRequest) -> list[User]:
    return [
        a.validator
        for a in ValidatorAssignment.objects.filter(request=validation).select_related("validator")
    ]


def requests_for_assessment(assessment: Assessment) -> list[ValidationRequest]:
    return list(
        ValidationRequest.objects.filter(assessment=assessment)
        .select_related("decision")
        .order_by("-requested_at")
    )


def live_request(assessment: Assessment) -> ValidationRequest | None:
    """The assessment's open or decided validation (at most one), or None."""
    return (
        ValidationRequest.objects.filter(assessment=assessment)
        .exclude(state=RequestState.WITHDRAWN)
        .select_related("decision")
        .first()
    )


def decision_for_assessment(assessment: Assessment) -> ValidationDecision | None:
    return (
        ValidationDecision.objects.filter(request__assessment=assessment)
        .select_related("request")
        .first()
    )


# --- what waits for whom ---------------------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    """One thing the signed-in person should do next, with where to do it."""

    kind: str  # assign | review | decide | answer
    validation: ValidationRequest
    label: str
    count: int = 0


def waiting_for(user: User) -> list[Waiting]:
    """Everything waiting for this person: to assign (programme admins), to review or decide
    (assigned validators), to answer (the organisation's admins and contributors)."""
    if not user.is_authenticated or not user.is_active:
        return []
    out: list[Waiting] = []
    if user.is_programme_admin:
        for v in ValidationRequest.objects.filter(state=RequestState.REQUESTED).select_related(
            "organisation", "assessment"
        ):
            out.append(Waiting("assign", v, "Assign validators"))
    if user.is_validator:
        assigned = (
            ValidationRequest.objects.filter(
                state=RequestState.IN_REVIEW, assignments__validator=user
            )
            .exclude(organisation__memberships__user=user)
            .select_related("organisation", "assessment")
            .annotate(
                to_review=Count(
                    "items", filter=Q(items__verdict__in=[Verdict.PENDING, Verdict.ANSWERED])
                ),
                open_count=Count("items", filter=~Q(items__verdict__in=DONE_VERDICTS)),
            )
        )
        for v in assigned:
            if v.to_review:  # type: ignore[attr-defined]
                out.append(Waiting("review", v, "Review criteria", v.to_review))  # type: ignore[attr-defined]
            elif not v.open_count:  # type: ignore[attr-defined]
                out.append(Waiting("decide", v, "Decide"))
    answering = (
        ValidationRequest.objects.filter(
            state=RequestState.IN_REVIEW,
            organisation__memberships__user=user,
            organisation__memberships__role__in=["admin", "contributor"],
        )
        .select_related("organisation", "assessment")
        .annotate(requested=Count("items", filter=Q(items__verdict=Verdict.EVIDENCE_REQUESTED)))
        .filter(requested__gt=0)
    )
    for v in answering:
        out.append(Waiting("answer", v, "Answer evidence requests", v.requested))  # type: ignore[attr-defined]
    return out


# --- the programme's queue and certificates (used by the programme console) -----------------------


def validation_queue(*, states: Iterable[str] | None = None) -> QuerySet[ValidationRequest]:
    """Validation requests with their organisation, assessment, validators and progress counts
    (`n_items`, `n_done`), open ones first by age. `states` filters (default: all)."""
    queryset = ValidationRequest.objects.select_related(
        "organisation", "assessment", "requested_by"
    ).prefetch_related("assignments__validator")
    if states is not None:
        queryset = queryset.filter(state__in=list(states))
    return queryset.annotate(
        n_items=Count("items", distinct=True),
        n_done=Count("items", filter=Q(items__verdict__in=DONE_VERDICTS), distinct=True),
    ).order_by("state", "requested_at")


def certificates_expiring(
    *, within_days: int = 180, today: dt.date | None = None
) -> QuerySet[ValidationDecision]:
    """Unrevoked decisions that expire within `within_days` (already expired ones included,
    from the last year), soonest first."""
    today = today or timezone.localdate()
    return (
        ValidationDecision.objects.filter(
            revoked_at__isnull=True,
            valid_until__lte=today + dt.timedelta(days=within_days),
            valid_until__gte=today - dt.timedelta(days=365),
        )
        .select_related("organisation")
        .order_by("valid_until")
    )


def decisions(*, organisation: Organisation | None = None) -> QuerySet[ValidationDecision]:
    queryset = ValidationDecision.objects.select_related("organisation", "request")
    if organisation is not None:
        queryset = queryset.filter(organisation=organisation)
    return queryset


def latest_decision(organisation: Organisation) -> ValidationDecision | None:
    """The organisation's most recent decision (what its badge and registry entry show)."""
    return decisions(organisation=organisation).order_by("-decided_on", "-id").first()


# --- the public registry ---------------------------------------------------------------------


@dataclass(frozen=True)
class RegistryEntry:
    organisation: Organisation
    decision: ValidationDecision
    status: str


def registry_entries(*, today: dt.date | None = None) -> list[RegistryEntry]:
    """Listed organisations with their latest decision, by country and name."""
    today = today or timezone.localdate()
    listed = (
        ValidationDecision.objects.filter(organisation__recognition__listed=True)
        .select_related("organisation")
        .order_by("organisation_id", "-decided_on", "-id")
    )
    latest: dict[int, ValidationDecision] = {}
    for d in listed:
        latest.setdefault(d.organisation_id, d)
    entries = [RegistryEntry(d.organisation, d, d.status_on(today)) for d in latest.values()]
    entries.sort(
        key=lambda e: (name_order(str(e.organisation.country.name)), e.organisation.name.lower())
    )
    return entries


# --- the review pages ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewRow:
    item: ReviewItem
    criterion: Criterion
    answer: str
    comment: str
    messages: int
    files: int

    @property
    def claim_label(self) -> str:
        return CLAIM_LABELS.get(self.item.claimed, self.item.claimed)


CLAIM_LABELS = {
    "met": "Claimed met",
    "not_applicable": "Claimed not applicable",
    "controls": "Answer hides other criteria",
}


def review_rows(validation: ValidationRequest) -> list[ReviewRow]:
    """Every criterion under review with the organisation's answer, in the model's order."""
    assessment = validation.assessment
    model = model_for(assessment)
    answers = {
        a.criterion_id: a
        for a in Answer.objects.filter(assessment=assessment).annotate(n_files=Count("evidence"))
    }
    items = {
        i.criterion_id: i
        for i in validation.items.annotate(n_messages=Count("messages")).select_related(
            "verdict_by"
        )
    }
    rows = []
    for criterion in model.criteria:
        item = items.get(criterion.id)
        if item is None:
            continue
        answer = answers.get(criterion.id)
        rows.append(
            ReviewRow(
                item=item,
                criterion=criterion,
                answer=(
                    answer_label(criterion, answer.value, answer.na, answer.justification)
                    if answer
                    else "Unanswered"
                ),
                comment=answer.comment if answer else "",
                messages=item.n_messages,  # type: ignore[attr-defined]
                files=answer.n_files if answer else 0,  # type: ignore[attr-defined]
            )
        )
    return rows


def item_thread(item: ReviewItem) -> list[ReviewMessage]:
    return list(item.messages.select_related("author", "evidence"))


def answer_for(validation: ValidationRequest, criterion_id: str) -> Answer | None:
    return (
        Answer.objects.filter(assessment_id=validation.assessment_id, criterion_id=criterion_id)
        .prefetch_related("evidence")
        .select_related("updated_by")
        .first()
    )


def validation_events(validation: ValidationRequest) -> list[AssessmentEvent]:
    """The assessment's history (every step of the validation is in it)."""
    return list(
        AssessmentEvent.objects.filter(assessment_id=validation.assessment_id).select_related(
            "user"
        )
    )


def validators_available(validation: ValidationRequest) -> list[User]:
    """Validators a programme admin may still assign: not assigned, not members (conflict)."""
    return list(
        User.objects.filter(is_active=True, programme_role=ProgrammeRole.VALIDATOR)
        .exclude(validation_assignments__request=validation)
        .exclude(memberships__organisation_id=validation.organisation_id)
        .order_by("name", "email")
    )


def validators_with_load() -> QuerySet[User]:
    """Every validator with the number of open validations assigned (`open_count`)."""
    return (
        User.objects.filter(programme_role=ProgrammeRole.VALIDATOR)
        .annotate(
            open_count=Count(
                "validation_assignments",
                filter=Q(validation_assignments__request__state__in=OPEN_STATES),
            )
        )
        .order_by("name", "email")
    )


@dataclass(frozen=True)
class DecisionPreview:
    stage: int
    stage_name: str
    core_stage: int
    branches: list[str]
    rejected: list[str]


def decision_preview(validation: ValidationRequest) -> DecisionPreview:
    """The stage a decision would state now, from the accepted claims (what the validator sees
    before deciding; `validation_decide` computes it again under lock)."""
    rejected = sorted(
        validation.items.filter(verdict=Verdict.REJECTED).values_list("criterion_id", flat=True)
    )
    assessment = validation.assessment
    model = model_for(assessment)
    result = score(
        model, validated_values(assessment.to_core(), rejected), assessment_context(assessment)
    )
    return DecisionPreview(
        result.stage,
        model.stage_info(result.stage).name,
        result.core_stage,
        result.mastered_branches,
        rejected,
    )
