"""Reads for the organisation dashboard, the survey, submission and results pages.

Everything a page shows about answers and stages is computed here or by the core, so the
templates only lay it out. Skip logic always comes from `hidden_criteria`, and stages and
percentages always from `score` (via `assessment_result`), never from template arithmetic.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from diam.model.schema import (
    AnswerType,
    ChoiceAnswer,
    Criterion,
    FocusAreaInfo,
    Model,
    NumberAnswer,
    Reference,
    StageInfo,
)
from diam.paths import UnknownModel
from diam.scoring.answers import AnswerValue, NotApplicable
from diam.scoring.context import Context
from diam.scoring.engine import hidden_criteria, score
from diam.scoring.explain import (
    Explanation,
    completeness_figure,
    completeness_text,
    explain_answer,
    explain_criterion,
    scope_reason,
    stage_meaning,
    why_stage,
)
from diam.scoring.result import (
    Completeness,
    GroupSummary,
    Result,
    Status,
    count_completeness,
)
from diam.web.accounts.models import Membership, Organisation, Role, User
from diam.web.assessments.models import (
    Answer,
    AnswerChange,
    Assessment,
    AssessmentEvent,
    Evidence,
    SectionAssignment,
)
from diam.web.assessments.services import (
    assessment_context,
    assessment_result,
    model_for,
    organisation_country,
)
from diam.web.core.countries import country_name


def assessment_list(*, organisation: Organisation) -> QuerySet[Assessment]:
    return Assessment.objects.filter(organisation=organisation).select_related(
        "created_by", "submitted_by"
    )


def answer_values(assessment: Assessment) -> dict[str, AnswerValue]:
    """The core's answer values in one light query (no model instances); unanswered are absent.

    For where only skip logic and progress are needed. The autosave gets the same values from
    `answer_save_with_values`, which reads them with the answer it saves.
    """
    return _values_and_carried(assessment)[0]


# --- how answers read -------------------------------------------------------------------------


def number_text(value: float | int) -> str:
    """12 rather than 12.0; 12.5 as is; never an exponent."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return f"{value}"


def answer_label(
    criterion: Criterion, value: Any, na: bool = False, justification: str = ""
) -> str:
    """An answer as a person reads it: Yes/No, '97 %', '24 hours', the option's label, N/A."""
    if na:
        return f"N/A ({justification})" if justification else "N/A"
    if value is None:
        return "Unanswered"
    answer = criterion.answer
    if answer.type == AnswerType.BOOLEAN:
        return "Yes" if value is True else "No" if value is False else str(value)
    if isinstance(answer, ChoiceAnswer):
        return next((o.label for o in answer.options if o.id == value), str(value))
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if answer.type == AnswerType.PERCENT:
        return f"{number_text(value)} %"
    assert isinstance(answer, NumberAnswer)
    return f"{number_text(value)} {answer.unit}"


def widget_value(criterion: Criterion, value: Any) -> str:
    """A stored value as the survey's input shows it ('yes', '12.5', an option id, '')."""
    if value is None:
        return ""
    if criterion.answer.type == AnswerType.BOOLEAN:
        return "yes" if value is True else "no" if value is False else ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number_text(value)
    return str(value)


def value_label(criterion: Criterion, value: AnswerValue | None) -> str:
    if isinstance(value, NotApplicable):
        return answer_label(criterion, None, na=True, justification=value.justification)
    return answer_label(criterion, value)


def skip_reason(
    model: Model,
    criterion: Criterion,
    values: Mapping[str, AnswerValue],
    hidden: frozenset[str],
    context: Context | None = None,
) -> str:
    """Why a criterion is not asked: outside the jurisdiction, a service the organisation does
    not run (from the core's wording), or skip logic naming the controlling answer."""
    if context is not None:
        reason = scope_reason(model, criterion, context, country_name=country_name)
        if reason:
            return reason[:1].upper() + reason[1:] + "."
    cond = criterion.relevant_when
    if cond is None:
        return ""
    controller = model.criteria_by_id[cond.criterion]
    value = values.get(controller.id)
    if value is None or controller.id in hidden:
        return f"Not asked because {controller.id} is not asked."
    return f"Not asked because {controller.id} is answered “{value_label(controller, value)}”."


def controls_others(model: Model, criterion_id: str) -> bool:
    """Whether another criterion's skip logic depends on this one's answer."""
    cache = model._cache
    controllers = cache.get("web_controllers")
    if controllers is None:
        controllers = frozenset(
            c.relevant_when.criterion for c in model.criteria if c.relevant_when is not None
        )
        cache["web_controllers"] = controllers
    return criterion_id in controllers


# --- progress -----------------------------------------------------------------------------------


class _CountsView:
    """The counts a progress line shows, read from the core's one definition of completeness
    (docs/scoring.md §5), so the templates need not reach into `counts`."""

    counts: Completeness

    @property
    def answered(self) -> int:
        return self.counts.answered

    @property
    def relevant(self) -> int:
        return self.counts.relevant

    @property
    def not_applicable(self) -> int:
        return self.counts.not_applicable

    @property
    def percent(self) -> float:
        return self.counts.percent

    @property
    def complete(self) -> bool:
        return self.counts.complete


@dataclass(frozen=True)
class SectionProgress(_CountsView):
    focus_area: FocusAreaInfo
    counts: Completeness
    assigned_to_me: bool
    assignees: tuple[str, ...]
    # Carried answers still to confirm: a carried answer counts as answered, so without this
    # a section started from last year's shows "8/8 ✓" while nothing in it was looked at.
    carried: int = 0

    @property
    def code(self) -> str:
        return self.focus_area.code


@dataclass(frozen=True)
class OverallProgress(_CountsView):
    counts: Completeness

    @property
    def figure(self) -> str:
        """`87.5 %`: the same figure as the results page and every report format."""
        return completeness_figure(self.counts)


def _assignments(assessment: Assessment, user: User) -> tuple[dict[str, list[str]], set[str]]:
    assignees: dict[str, list[str]] = defaultdict(list)
    mine: set[str] = set()
    rows = SectionAssignment.objects.filter(assessment=assessment).select_related("user")
    for sa in rows.order_by("user__name"):
        assignees[sa.focus_area].append(str(sa.user))
        if sa.user_id == user.pk:
            mine.add(sa.focus_area)
    return assignees, mine


def progress_from_values(
    model: Model,
    values: Mapping[str, AnswerValue],
    *,
    mine: Iterable[str] = (),
    assignees: Mapping[str, list[str]] | None = None,
    context: Context | None = None,
    carried: Iterable[str] = (),
) -> list[SectionProgress]:
    """Per focus area: answered / relevant (criteria not asked count in neither: skip logic,
    another jurisdiction, a service the organisation does not run).

    Assigned sections (`mine`) come first; otherwise the model's order. `carried` are the
    criterion ids whose carried answers still wait for confirmation.
    """
    hidden = hidden_criteria(model, values, context)
    mine = set(mine)
    carried = set(carried)
    assignees = assignees or {}
    by_area: dict[str, list[Criterion]] = defaultdict(list)
    for c in model.criteria:
        by_area[c.focus_area].append(c)
    out = [
        SectionProgress(
            fa,
            count_completeness(by_area[fa.code], values, hidden),
            fa.code in mine,
            tuple(assignees.get(fa.code, ())),
            sum(1 for c in by_area[fa.code] if c.id in carried),
        )
        for fa in model.manifest.focus_areas
    ]
    return sorted(out, key=lambda s: not s.assigned_to_me)


def section_progress(
    *, assessment: Assessment, answers: dict[str, Answer], user: User
) -> list[SectionProgress]:
    """Per focus area: answered / relevant criteria (skip-logic-hidden ones do not count)."""
    values = {cid: v for cid, a in answers.items() if (v := a.to_core()) is not None}
    assignees, mine = _assignments(assessment, user)
    return progress_from_values(
        model_for(assessment),
        values,
        mine=mine,
        assignees=assignees,
        context=assessment_context(assessment),
    )


def overall_progress(sections: Iterable[SectionProgress]) -> OverallProgress:
    sections = list(sections)
    return OverallProgress(
        Completeness(
            sum(s.answered for s in sections),
            sum(s.relevant for s in sections),
            sum(s.counts.not_applicable for s in sections),
        )
    )


def first_section_code(*, assessment: Assessment, user: User) -> str:
    """The user's first assigned focus area, else the model's first."""
    model = model_for(assessment)
    mine = set(
        SectionAssignment.objects.filter(assessment=assessment, user=user).values_list(
            "focus_area", flat=True
        )
    )
    for fa in model.manifest.focus_areas:
        if fa.code in mine:
            return fa.code
    return model.manifest.focus_areas[0].code


def criteria_of_section(assessment: Assessment, code: str) -> list[Criterion]:
    return [c for c in model_for(assessment).criteria if c.focus_area == code]


def answer_history(*, assessment: Assessment, criterion_id: str) -> list[AnswerChange]:
    return list(
        AnswerChange.objects.filter(
            answer__assessment=assessment, answer__criterion_id=criterion_id
        ).select_related("changed_by")
    )


# --- the survey page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    who: str
    when: datetime
    old: str
    new: str
    comment: str  # the new comment when it changed; "" otherwise
    confirmed: bool = False  # a carried answer confirmed unchanged
    carried_from: str = ""  # the previous assessment's title, when this row carried the answer


def history_rows(criterion: Criterion, changes: Iterable[AnswerChange]) -> list[HistoryRow]:
    """Changes newest first, as labels ('No → Yes'), with the comment when it changed."""
    rows = []
    for change in changes:
        old, new = change.old, change.new
        comment = ""
        if (new.get("comment") or "") != (old.get("comment") or ""):
            comment = new.get("comment") or "(comment removed)"
        rows.append(
            HistoryRow(
                who=str(change.changed_by) if change.changed_by else "a deleted user",
                when=change.changed_at,
                old=answer_label(
                    criterion, old.get("value"), old.get("na", False), old.get("justification", "")
                ),
                new=answer_label(
                    criterion, new.get("value"), new.get("na", False), new.get("justification", "")
                ),
                comment=comment,
                confirmed=bool(new.get("confirmed")),
                carried_from=str(new.get("carried_from") or ""),
            )
        )
    return rows


@dataclass
class Conflict:
    """Someone else saved this answer since the form was loaded; shown instead of overwriting."""

    current: str  # the current answer, as a label
    who: str
    when: datetime
    rejected: str  # what this user tried to save, as a label
    rejected_value: str  # the rejected widget value, to offer "use my answer instead"
    rejected_na: bool
    rejected_justification: str
    rejected_comment: str


@dataclass
class Question:
    """One criterion on the survey page: the criterion, its answer and what the form shows."""

    criterion: Criterion
    answer: Answer | None
    value: str
    na: bool
    justification: str
    comment: str
    version: int
    references: list[Reference]
    evidence: list[Evidence] = field(default_factory=list)
    history: list[HistoryRow] = field(default_factory=list)
    hidden_reason: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)
    conflict: Conflict | None = None
    evidence_error: str = ""

    @property
    def id(self) -> str:
        return self.criterion.id

    @property
    def answered(self) -> bool:
        return self.answer is not None and self.answer.is_answered

    @property
    def label(self) -> str:
        if self.answer is None:
            return "Unanswered"
        return answer_label(
            self.criterion, self.answer.value, self.answer.na, self.answer.justification
        )

    @property
    def kind(self) -> str:
        return str(self.criterion.answer.type)

    @property
    def options(self) -> list[Any]:
        answer = self.criterion.answer
        return list(answer.options) if isinstance(answer, ChoiceAnswer) else []

    @property
    def unit(self) -> str:
        answer = self.criterion.answer
        return answer.unit if isinstance(answer, NumberAnswer) else "%"

    @property
    def minimum(self) -> float:
        answer = self.criterion.answer
        return answer.minimum if isinstance(answer, NumberAnswer) else 0

    @property
    def maximum(self) -> float | None:
        answer = self.criterion.answer
        if isinstance(answer, NumberAnswer):
            return answer.maximum
        return 100

    @property
    def denominator(self) -> str:
        return str(getattr(self.criterion.answer, "denominator", "") or "")

    @property
    def group_label(self) -> str:
        c = self.criterion
        where = f"Stage {c.stage}" if c.stage is not None else f"Branch {c.branch}"
        return where if c.gating else f"{where}, beyond the stage"

    @property
    def explanation(self) -> Explanation:
        """The answer against its pass mark: "met at ≥ 95 %; answered 97 %"."""
        value = self.answer.to_core() if self.answer is not None else None
        return explain_answer(self.criterion, value)

    @property
    def pass_note(self) -> str:
        """Beside the answer on the survey: the pass mark and how the answer fares against it."""
        e = self.explanation
        if e.status is Status.NOT_APPLICABLE:
            return ""
        if e.status is Status.UNANSWERED:
            note = f"pass mark {e.pass_mark}"
        elif e.status is Status.MET:
            note = "met" if e.pass_mark in ("yes", "no") else f"met at {e.pass_mark}"
        else:
            note = f"not met: needs {e.pass_mark}" + (f" ({e.gap})" if e.gap else "")
        return note if self.criterion.gating else f"{note}; beyond the stage"

    @property
    def has_errors(self) -> bool:
        return any(self.errors.values())

    @property
    def general_errors(self) -> list[str]:
        """Errors that belong to no single field (e.g. N/A where the model does not allow it)."""
        fields = {"value", "na", "justification", "comment"}
        return [e for name, errors in self.errors.items() if name not in fields for e in errors]

    def show_input(
        self, *, value: str, na: bool, justification: str, comment: str, version: int | None
    ) -> None:
        """Show what the user entered (after an error), not the stored answer."""
        self.value, self.na, self.justification, self.comment = value, na, justification, comment
        if version is not None:
            self.version = version


def question_for(
    model: Model,
    criterion: Criterion,
    answer: Answer | None,
    *,
    changes: Iterable[AnswerChange] = (),
    hidden_reason: str = "",
    with_evidence: bool = True,
) -> Question:
    """The question as the survey shows it; `with_evidence=False` skips the evidence query."""
    refs = model.references_by_tag
    return Question(
        criterion=criterion,
        answer=answer,
        value=widget_value(criterion, answer.value) if answer and not answer.na else "",
        na=bool(answer and answer.na),
        justification=answer.justification if answer else "",
        comment=answer.comment if answer else "",
        version=answer.version if answer else 0,
        references=[refs[t] for t in criterion.references if t in refs],
        evidence=list(answer.evidence.all()) if with_evidence and answer and answer.pk else [],
        history=history_rows(criterion, changes),
        hidden_reason=hidden_reason,
    )


@dataclass
class SectionPage:
    model: Model
    focus_area: FocusAreaInfo
    sections: list[SectionProgress]
    overall: OverallProgress
    questions: list[Question]
    previous: SectionProgress | None
    next: SectionProgress | None
    # The section's carried answers still to confirm (as `section_carried_ids`), in order.
    carried_ids: list[str] = field(default_factory=list)

    @property
    def current(self) -> SectionProgress:
        return next(s for s in self.sections if s.code == self.focus_area.code)

    def question(self, criterion_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == criterion_id), None)


def section_page(*, assessment: Assessment, code: str, user: User) -> SectionPage | None:
    """Everything the survey page shows for one focus area; None for an unknown code."""
    model = model_for(assessment)
    if code not in {fa.code for fa in model.manifest.focus_areas}:
        return None
    # Every answer as light values (progress and skip logic need them all); whole rows, with
    # authors and evidence, only for the questions shown: a hundred Answer and User instances
    # built for nine questions were a third of the page.
    values, carried = _values_and_carried(assessment)
    context = assessment_context(assessment)
    hidden = hidden_criteria(model, values, context)
    assignees, mine = _assignments(assessment, user)
    sections = progress_from_values(
        model, values, mine=mine, assignees=assignees, context=context, carried=carried
    )
    criteria = [c for c in model.criteria if c.focus_area == code]
    answers = {
        a.criterion_id: a
        for a in Answer.objects.filter(
            assessment=assessment, criterion_id__in=[c.id for c in criteria]
        )
        .select_related("updated_by")
        .prefetch_related("evidence")
    }
    waiting = set(waiting_among(model, values, carried, context))
    changes: dict[str, list[AnswerChange]] = defaultdict(list)
    for change in AnswerChange.objects.filter(
        answer__assessment=assessment, answer__criterion_id__in=[c.id for c in criteria]
    ).select_related("changed_by", "answer"):
        changes[change.answer.criterion_id].append(change)
    questions = [
        question_for(
            model,
            c,
            answers.get(c.id),
            changes=changes[c.id],
            hidden_reason=skip_reason(model, c, values, hidden, context) if c.id in hidden else "",
        )
        for c in criteria
    ]
    index = next(i for i, s in enumerate(sections) if s.code == code)
    return SectionPage(
        model=model,
        focus_area=model.focus_area(code),
        sections=sections,
        overall=overall_progress(sections),
        questions=questions,
        previous=sections[index - 1] if index > 0 else None,
        next=sections[index + 1] if index + 1 < len(sections) else None,
        carried_ids=[c.id for c in criteria if c.id in waiting],
    )


@dataclass
class SaveOutcome:
    """What the autosave response updates besides the question: progress and visibility."""

    sections: list[SectionProgress]
    overall: OverallProgress
    visibility_changed: bool


def save_outcome(
    *,
    model: Model,
    before: dict[str, AnswerValue],
    criterion_id: str,
    answer: Answer,
    context: Context | None = None,
) -> SaveOutcome:
    """Progress after a save, from the values read before it plus the saved answer.

    `visibility_changed` is True when the saved criterion controls others' skip logic and the
    set of hidden criteria changed, so the page must reload to show the right questions.
    """
    after = dict(before)
    value = answer.to_core()
    if value is None:
        after.pop(criterion_id, None)
    else:
        after[criterion_id] = value
    changed = controls_others(model, criterion_id) and (
        hidden_criteria(model, before, context) != hidden_criteria(model, after, context)
    )
    # Only counts change here; the sidebar's order (assigned first) stays as rendered.
    sections = progress_from_values(model, after, context=context)
    return SaveOutcome(sections, overall_progress(sections), changed)


# --- carried answers ----------------------------------------------------------------------------


def previous_title(assessment: Assessment) -> str:
    """The title of the assessment this one was started from, for "Carried from <title>"."""
    if assessment.previous_id is None:
        return "the previous assessment"
    return (
        Assessment.objects.filter(pk=assessment.previous_id).values_list("title", flat=True).first()
        or "the previous assessment"
    )


def waiting_among(
    model: Model,
    values: Mapping[str, AnswerValue],
    carried: Iterable[str],
    context: Context | None,
) -> list[str]:
    """Which carried answers wait for confirmation, in the model's order: those whose criterion
    is asked now. A criterion hidden by skip logic, the jurisdiction or the service profile is
    not asked, so its carried answer waits for nobody; it stays carried and waits again as soon
    as the criterion is asked again (the profile or the controlling answer changed back)."""
    carried = set(carried)
    if not carried:
        return []
    hidden = hidden_criteria(model, values, context)
    return [c.id for c in model.criteria if c.id in carried and c.id not in hidden]


def carried_waiting(assessment: Assessment) -> list[str]:
    """Criterion ids of the carried answers still to confirm, in the model's order.

    The one definition of "waiting to confirm": the submission refusal, the submit page, the
    dashboard, the section pages, the programme console and the API all count with it.
    """
    values, carried = _values_and_carried(assessment)
    if not carried:
        return []
    return waiting_among(model_for(assessment), values, carried, assessment_context(assessment))


def _values_and_carried(assessment: Assessment) -> tuple[dict[str, AnswerValue], list[str]]:
    """The core's answer values and the ids of carried answers, in one light query."""
    values: dict[str, AnswerValue] = {}
    carried: list[str] = []
    rows = Answer.objects.filter(assessment=assessment).values_list(
        "criterion_id", "value", "na", "justification", "carried"
    )
    for cid, value, na, justification, is_carried in rows:
        if is_carried:
            carried.append(cid)
        if (core := Answer.core_value(value, na, justification)) is not None:
            values[cid] = core
    return values, carried


def carried_by_section(assessment: Assessment) -> list[tuple[FocusAreaInfo, int]]:
    """Focus areas with carried answers still to confirm, and how many, in the model's order."""
    ids = carried_waiting(assessment)
    if not ids:
        return []
    model = model_for(assessment)
    counts: dict[str, int] = defaultdict(int)
    for cid in ids:
        counts[model.criteria_by_id[cid].focus_area] += 1
    return [(fa, counts[fa.code]) for fa in model.manifest.focus_areas if counts[fa.code]]


def section_carried_ids(*, assessment: Assessment, code: str) -> list[str]:
    """Criterion ids of one focus area's carried answers still to confirm, in the model's order."""
    criteria = model_for(assessment).criteria_by_id
    return [cid for cid in carried_waiting(assessment) if criteria[cid].focus_area == code]


# --- dashboard ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssessmentRow:
    """One line of the dashboard. A draft shows how much is answered (and how many carried
    answers wait for confirmation), never a stage: a provisional stage beside last year's final
    one reads as a collapse. Submitted and validated assessments show their stage and date."""

    assessment: Assessment
    stage: int | None
    stage_name: str
    completeness: float | None
    final: bool
    carried: int = 0  # carried answers still to confirm (drafts)
    validated_on: date | None = None

    @property
    def stage_date(self) -> date | None:
        """When the stage became what it is: the validation decision, else the submission."""
        if self.validated_on is not None:
            return self.validated_on
        submitted = self.assessment.submitted_at
        return timezone.localdate(submitted) if submitted else None


def validation_dates(assessments: Iterable[Assessment]) -> dict[int, date]:
    """Assessment id -> the date of its validation decision (validated assessments only)."""
    from diam.web.validation.models import ValidationDecision

    ids = [a.pk for a in assessments if a.status == "validated"]
    if not ids:
        return {}
    return dict(
        ValidationDecision.objects.filter(request__assessment_id__in=ids).values_list(
            "request__assessment_id", "decided_on"
        )
    )


def assessment_rows(*, organisation: Organisation) -> list[AssessmentRow]:
    """The organisation's assessments with their stage and completeness, scored from answers.

    A few queries whatever the number of assessments; scoring itself is microseconds each. A
    validated assessment shows its stored (validated) stage, not the self-assessed one.
    """
    assessments = list(assessment_list(organisation=organisation))
    values: dict[int, dict[str, AnswerValue]] = defaultdict(dict)
    carried: dict[int, list[str]] = defaultdict(list)
    rows = Answer.objects.filter(assessment__in=assessments).values_list(
        "assessment_id", "criterion_id", "value", "na", "justification", "carried"
    )
    for aid, cid, value, na, justification, is_carried in rows:
        if is_carried:
            carried[aid].append(cid)
        if na:
            values[aid][cid] = NotApplicable(justification)
        elif value is not None:
            values[aid][cid] = value
    validated = validation_dates(assessments)
    out = []
    country = organisation_country(organisation)
    for a in assessments:
        extra: dict[str, Any] = {"validated_on": validated.get(a.pk)}
        try:
            model = model_for(a)
        except (RuntimeError, OSError, UnknownModel):
            # Pinned to a model version that is not installed: show what was stored.
            extra["carried"] = len(carried[a.pk])
            out.append(AssessmentRow(a, a.stage, "", a.completeness, a.is_locked, **extra))
            continue
        services = a.services if isinstance(a.services, dict) else {}
        context = Context(
            country=country, services={k: v for k, v in services.items() if isinstance(v, bool)}
        )
        # The same definition as `carried_waiting`, on the values already read for scoring.
        extra["carried"] = len(waiting_among(model, values[a.pk], carried[a.pk], context))
        result = score(model, values[a.pk], context)
        stage, name = result.stage, result.stage_name()
        if a.status == "validated" and a.stage is not None:
            stage, name = a.stage, model.stage_info(a.stage).name
        out.append(AssessmentRow(a, stage, name, result.completeness, a.is_locked, **extra))
    return out


def assessment_events(assessment: Assessment) -> list[AssessmentEvent]:
    return list(assessment.events.select_related("user"))


# --- section assignment -------------------------------------------------------------------------


def assignable_members(*, assessment: Assessment) -> list[Membership]:
    """Members who may answer (admins and contributors), by name."""
    return list(
        Membership.objects.filter(
            organisation_id=assessment.organisation_id, role__in=[Role.ADMIN, Role.CONTRIBUTOR]
        )
        .select_related("user")
        .order_by("user__name", "user__email")
    )


def assignment_matrix(*, assessment: Assessment) -> dict[str, set[int]]:
    """Focus-area code -> ids of the users assigned to it."""
    matrix: dict[str, set[int]] = defaultdict(set)
    for code, user_id in SectionAssignment.objects.filter(assessment=assessment).values_list(
        "focus_area", "user_id"
    ):
        matrix[code].add(user_id)
    return matrix


# --- results and submission ---------------------------------------------------------------------


@dataclass(frozen=True)
class Blocker:
    criterion: Criterion
    status: Status
    explanation: Explanation | None = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


STATUS_LABELS = {
    Status.MET: "Met",
    Status.NOT_MET: "Not met",
    Status.UNANSWERED: "Unanswered",
    Status.NOT_APPLICABLE: "Not applicable",
}


@dataclass(frozen=True)
class ResultSummary:
    """The results page's content: the core's Result plus labels, nothing recomputed."""

    result: Result
    final: bool
    stage_info: StageInfo
    next_target: str | None
    next_target_label: str
    blockers: list[Blocker]
    counts: dict[str, int]
    why: str = ""  # one sentence: why the stage is what it is, naming the nearest misses
    meaning: str = ""  # what the stage reached means (never contradicting the answers)
    beyond_met: int = 0  # non-gating criteria met / applicable ("beyond the stage")
    beyond_total: int = 0
    out_of_scope: int = 0  # not applicable by jurisdiction or service profile

    @property
    def model(self) -> Model:
        return self.result.model

    @property
    def completeness(self) -> Completeness:
        return self.result.completeness_counts

    @property
    def completeness_text(self) -> str:
        """The figure with its counts, worded as every report format words it."""
        return completeness_text(self.completeness)

    @property
    def not_asked(self) -> int:
        """Criteria not asked of this organisation (skip logic, country, service profile)."""
        return len(self.result.hidden)

    @property
    def stage_rows(self) -> list[tuple[GroupSummary, bool]]:
        """Core stages with whether each is reached (criteria passed and the one below)."""
        return [(s, self.result.core_stage >= int(s.key)) for s in self.result.stages]


def _target_label(model: Model, target: str | None) -> str:
    if target is None:
        return ""
    if target.startswith("S"):
        number = int(target[1:])
        return f"Stage {number}: {model.stage_info(number).name}"
    return f"Branch {target}: {model.branch(target).name}"


def result_summary(assessment: Assessment) -> ResultSummary:
    result = assessment_result(assessment)
    model = result.model
    statuses = result.criteria
    counts = {str(s): 0 for s in Status}
    for status in statuses.values():
        counts[str(status)] += 1
    target = result.next_target
    beyond = [c for c in model.criteria if not c.gating]
    beyond_applicable = [c for c in beyond if statuses[c.id] is not Status.NOT_APPLICABLE]
    return ResultSummary(
        result=result,
        final=assessment.is_locked,
        stage_info=model.stage_info(result.stage),
        next_target=target,
        next_target_label=_target_label(model, target),
        blockers=[
            Blocker(
                model.criteria_by_id[cid],
                statuses[cid],
                explain_criterion(result, cid, country_name=country_name),
            )
            for cid in result.blockers
        ],
        counts=counts,
        why=why_stage(result),
        meaning=stage_meaning(result),
        beyond_met=sum(1 for c in beyond_applicable if statuses[c.id] is Status.MET),
        beyond_total=len(beyond_applicable),
        out_of_scope=len(result.out_of_scope),
    )


@dataclass(frozen=True)
class UnansweredSection:
    focus_area: FocusAreaInfo
    criteria: list[Criterion]


def unanswered_by_section(result: Result) -> list[UnansweredSection]:
    """Relevant criteria still unanswered, grouped by focus area in the model's order."""
    by_fa: dict[str, list[Criterion]] = defaultdict(list)
    for c in result.criteria_with(Status.UNANSWERED):
        by_fa[c.focus_area].append(c)
    return [
        UnansweredSection(fa, by_fa[fa.code])
        for fa in result.model.manifest.focus_areas
        if by_fa.get(fa.code)
    ]
