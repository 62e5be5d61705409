"""Reads for the survey and results pages."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet

from diam.model.schema import Criterion, FocusAreaInfo
from diam.scoring.engine import hidden_criteria
from diam.web.accounts.models import Organisation, User
from diam.web.assessments.models import Answer, AnswerChange, Assessment, SectionAssignment
from diam.web.assessments.services import model_for


def assessment_list(*, organisation: Organisation) -> QuerySet[Assessment]:
    return Assessment.objects.filter(organisation=organisation).select_related(
        "created_by", "submitted_by"
    )


def answers_by_criterion(assessment: Assessment) -> dict[str, Answer]:
    return {
        a.criterion_id: a
        for a in Answer.objects.filter(assessment=assessment)
        .select_related("updated_by")
        .prefetch_related("evidence")
    }


@dataclass(frozen=True)
class SectionProgress:
    focus_area: FocusAreaInfo
    answered: int
    relevant: int
    assigned_to_me: bool
    assignees: tuple[str, ...]

    @property
    def percent(self) -> int:
        return round(self.answered * 100 / self.relevant) if self.relevant else 100


def section_progress(
    *, assessment: Assessment, answers: dict[str, Answer], user: User
) -> list[SectionProgress]:
    """Per focus area: answered / relevant criteria (skip-logic-hidden ones do not count)."""
    model = model_for(assessment)
    values = {cid: v for cid, a in answers.items() if (v := a.to_core()) is not None}
    hidden = hidden_criteria(model, values)
    assignees: dict[str, list[str]] = defaultdict(list)
    mine: set[str] = set()
    for sa in SectionAssignment.objects.filter(assessment=assessment).select_related("user"):
        assignees[sa.focus_area].append(str(sa.user))
        if sa.user_id == user.pk:
            mine.add(sa.focus_area)
    out = []
    for fa in model.manifest.focus_areas:
        crits = [c for c in model.criteria if c.focus_area == fa.code and c.id not in hidden]
        answered = sum(1 for c in crits if c.id in answers and answers[c.id].is_answered)
        out.append(
            SectionProgress(fa, answered, len(crits), fa.code in mine, tuple(assignees[fa.code]))
        )
    # Contributors see their assigned sections first; order is otherwise the model's.
    return sorted(out, key=lambda s: not s.assigned_to_me)


def criteria_of_section(assessment: Assessment, code: str) -> list[Criterion]:
    return [c for c in model_for(assessment).criteria if c.focus_area == code]


def answer_history(*, assessment: Assessment, criterion_id: str) -> list[AnswerChange]:
    return list(
        AnswerChange.objects.filter(
            answer__assessment=assessment, answer__criterion_id=criterion_id
        ).select_related("changed_by")
    )
