"""The report: one structured object holding every section; HTML, PDF, DOCX and XLSX read it.

`build_report` takes plain inputs (model, answer values, comments, metadata) so the CLI and the
web app build identical reports. Everything is generated from the model and the result;
nothing is written per criterion here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from diam.model.schema import (
    BooleanAnswer,
    ChoiceAnswer,
    Criterion,
    Model,
    NumberAnswer,
    PercentAnswer,
)
from diam.reports.benchmark import BENCHMARK_PLACEHOLDER, PeerSection
from diam.reports.gaps import GapReport, find_gaps, in_display_order
from diam.reports.procurement import DISCLAIMER, Checklist, build_checklist
from diam.reports.roadmap import Roadmap, RoadmapStep, build_roadmap
from diam.scoring.answers import AnswerValue, NotApplicable
from diam.scoring.context import Context
from diam.scoring.engine import score
from diam.scoring.explain import (
    CountryName,
    completeness_detail,
    completeness_figure,
    explain_criterion,
    stage_meaning,
    why_stage,
)
from diam.scoring.result import Result, Status
from diam.text import office_text

STATUS_LABELS = {
    "draft": "Draft: answers may still change",
    "self-assessed": "Self-assessed (not validated)",
    "submitted": "Submitted, not yet validated",
    "validated": "Validated by an expert review",
}

# Section anchors and headings, in order; every renderer uses these.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "Executive summary"),
    ("ladder", "Stage ladder"),
    ("focus-areas", "Focus areas"),
    ("benchmark", "Benchmark"),
    ("gaps", "Gaps"),
    ("roadmap", "Roadmap"),
    ("checklist", "Procurement checklist"),
    ("answers", "Appendix: answers"),
)

# For a reader who has not met the model's words before (a department head, a board): the
# few terms the report uses, in plain sentences. Every format prints it in the summary.
READING_GUIDE: tuple[tuple[str, str], ...] = (
    (
        "Criterion",
        "One capability the department either has or has not, stated so that it can be "
        "checked (for example “97 % of images are stored in the archive”). Each has a code "
        "such as SI-03, whose letters name its focus area.",
    ),
    (
        "Stages 0 to 7",
        "Stages 1 to 4, the core stages, are climbed in order: a stage is reached when its "
        "criteria are met and the stage below is reached. Above stage 4, each of the three "
        "specialised branches (A, B, C) that is mastered adds one stage: one branch gives "
        "stage 5, two give stage 6, all three give stage 7.",
    ),
    (
        "Focus area",
        "A theme, such as software infrastructure or patient engagement. Its percentage is "
        "the share of its applicable criteria that are met.",
    ),
    (
        "Not applicable (N/A)",
        "A criterion the organisation declared not relevant to it, giving a reason. It counts "
        "as answered but is left out of every percentage met. Criteria not asked at all (about "
        "a service the organisation does not run, or a law of another country) are left out "
        "too.",
    ),
    (
        "Unanswered",
        "A criterion nobody has answered yet. It counts as not met for the stage and is listed "
        "apart, so that nobody mistakes it for a known gap.",
    ),
)

PEER_PLACEHOLDER = "Peer comparison appears here once benchmarks are available."

STATUS_TEXT = {
    Status.MET: "met",
    Status.NOT_MET: "not met",
    Status.UNANSWERED: "unanswered",
    Status.NOT_APPLICABLE: "not applicable",
}


@dataclass(frozen=True, slots=True)
class Cover:
    organisation: str
    assessment_date: date
    model_id: str
    model_version: str
    model_name: str
    stage: int
    stage_name: str
    status: str
    status_label: str
    disclaimer: str


@dataclass(frozen=True, slots=True)
class FocusAreaRow:
    code: str
    name: str
    met: int
    total: int
    percent: float | None
    peer_median: float | None
    peer_n: int | None = None  # organisations the peer median is computed from


@dataclass(frozen=True, slots=True)
class LadderRow:
    key: str  # "1".."4" or a branch letter
    name: str
    met: int
    total: int
    unanswered: int
    percent: float | None
    reached: bool  # reached (core) or mastered (branch)


@dataclass(frozen=True, slots=True)
class Summary:
    stage: int
    stage_name: str
    stage_description: str
    core_stage: int
    mastered_branches: tuple[str, ...]
    strongest: tuple[FocusAreaRow, ...]
    weakest: tuple[FocusAreaRow, ...]
    level_percent: float | None  # set when every scored focus area has the same percent
    next_steps: tuple[RoadmapStep, ...]
    next_target_label: str
    completeness: float
    answered: int  # relevant criteria with a value or N/A (docs/scoring.md §5)
    relevant: int
    unanswered: int
    why: str = ""  # one sentence: why the stage is what it is, naming the nearest misses
    not_applicable: int = 0  # of `answered`, the N/A answers
    completeness_figure: str = ""  # "87.5 %", printed alike by every format
    completeness_detail: str = ""  # "35 of 40 criteria answered, 3 of them as not applicable"

    @property
    def completeness_text(self) -> str:
        return f"{self.completeness_figure} ({self.completeness_detail})"


@dataclass(frozen=True, slots=True)
class AnswerRow:
    criterion_id: str
    statement: str
    focus_area: str
    group: str
    answer: str
    status: str
    comment: str
    answered_by: str
    answered_at: datetime | None
    explanation: str = ""  # the status with its pass mark and the answer, as a sentence
    # The answer as data, for typed spreadsheet cells: the kind of answer ("boolean",
    # "percent", "number", "choice"), the raw value (bool, number, option id; None when
    # unanswered or N/A), the unit of a number, and whether it was answered N/A.
    kind: str = ""
    value: bool | float | int | str | None = None
    unit: str = ""
    not_applicable: bool = False


@dataclass(frozen=True, slots=True)
class Report:
    cover: Cover
    summary: Summary
    stages: tuple[LadderRow, ...]
    branches: tuple[LadderRow, ...]
    focus_areas: tuple[FocusAreaRow, ...]
    has_peer: bool
    gaps: GapReport
    roadmap: Roadmap
    checklist: Checklist
    answers: tuple[AnswerRow, ...]
    result: Result
    has_respondents: bool

    sections: tuple[tuple[str, str], ...] = SECTIONS
    peer_placeholder: str = PEER_PLACEHOLDER
    benchmark: PeerSection | None = None  # None: benchmarks are not available (yet)
    benchmark_placeholder: str = BENCHMARK_PLACEHOLDER

    @property
    def title(self) -> str:
        return f"Imaging IT maturity report: {self.cover.organisation}"


def format_answer(criterion: Criterion, value: AnswerValue | None) -> str:
    """An answer as a reader sees it: Yes/No, `85%`, `24 hours`, an option label, N/A."""
    if value is None:
        return "—"
    if isinstance(value, NotApplicable):
        return "N/A"
    answer = criterion.answer
    if isinstance(answer, BooleanAnswer):
        return "Yes" if value is True else "No"
    if isinstance(answer, ChoiceAnswer):
        return next((o.label for o in answer.options if o.id == value), str(value))
    number = f"{value:g}" if isinstance(value, int | float) else str(value)
    if isinstance(answer, PercentAnswer):
        return f"{number}%"
    assert isinstance(answer, NumberAnswer)
    return f"{number} {answer.unit}"


def _kind(criterion: Criterion) -> str:
    answer = criterion.answer
    if isinstance(answer, BooleanAnswer):
        return "boolean"
    if isinstance(answer, PercentAnswer):
        return "percent"
    if isinstance(answer, ChoiceAnswer):
        return "choice"
    return "number"


def _extremes(rows: Sequence[FocusAreaRow]) -> tuple[tuple[FocusAreaRow, ...], ...]:
    scored = [r for r in rows if r.percent is not None]
    if not scored:
        return (), ()
    best = max(r.percent or 0.0 for r in scored)
    worst = min(r.percent or 0.0 for r in scored)
    if best == worst:
        return (), ()  # all level: none is stronger or weaker (see Summary.level_percent)
    strongest = tuple(r for r in scored if r.percent == best)[:3]
    weakest = tuple(r for r in scored if r.percent == worst and r not in strongest)[:3]
    return strongest, weakest


def build_report(
    *,
    model: Model,
    values: Mapping[str, AnswerValue],
    comments: Mapping[str, str] | None = None,
    answered_by: Mapping[str, tuple[str, datetime]] | None = None,
    organisation: str,
    assessment_date: date,
    status: str = "self-assessed",
    target_stage: int | None = None,
    branch_order: Sequence[str] | str | None = None,
    peer_medians: Mapping[str, float | None] | None = None,
    result: Result | None = None,
    benchmark: PeerSection | None = None,
    context: Context | None = None,
    country_name: CountryName | None = None,
) -> Report:
    """Score (unless `result` is given) and assemble every section of the report.

    `values` are validated answer values (as from `parse_answer_file`); `context` is the
    organisation's country and service profile (None: neither known); `peer_medians` maps
    focus-area codes to a peer median percent (None: hidden) and `benchmark` is the
    organisation's position among its peers (the Benchmark section). Raises `ValueError` for
    an unknown status, a target stage that is out of range or not above the current stage, or
    a bad branch order.
    """
    if status not in STATUS_LABELS:
        raise ValueError(
            f"unknown assessment status {status!r}; use one of {', '.join(STATUS_LABELS)}"
        )
    # Text people typed (names, comments, justifications) passes the office-text rule here, once
    # for every renderer: a control character stored before the input rule cannot break a
    # DOCX or XLSX download (diam.text).
    organisation = office_text(organisation)
    comments = {cid: office_text(text) for cid, text in (comments or {}).items()}
    answered_by = {cid: (office_text(who), at) for cid, (who, at) in (answered_by or {}).items()}
    values = {
        cid: NotApplicable(office_text(v.justification)) if isinstance(v, NotApplicable) else v
        for cid, v in values.items()
    }
    result = result if result is not None else score(model, values, context)
    gap_report = find_gaps(model, result, values, country_name=country_name)
    roadmap = build_roadmap(
        model, result, target_stage=target_stage, branch_order=branch_order, gaps=gap_report
    )
    checklist = build_checklist(model, roadmap)

    peers = dict(peer_medians or {})
    focus_rows = tuple(
        FocusAreaRow(
            f.code,
            f.name,
            f.met,
            f.total,
            f.percent,
            peers.get(f.code),
            benchmark.area_n(f.code) if benchmark is not None else None,
        )
        for f in result.focus_areas
    )
    stages = tuple(
        LadderRow(
            s.key, s.name, s.met, s.total, s.unanswered, s.percent, result.core_stage >= int(s.key)
        )
        for s in result.stages
    )
    branches = tuple(
        LadderRow(b.key, b.name, b.met, b.total, b.unanswered, b.percent, b.passed)
        for b in result.branches
    )
    strongest, weakest = _extremes(focus_rows)
    first_phase = roadmap.phases[0].steps if roadmap.phases else ()
    completeness = result.completeness_counts
    stage_info = model.stage_info(result.stage)
    summary = Summary(
        stage=result.stage,
        stage_name=stage_info.name,
        # What the stage reached means; for stage 0 never the model's text, which may claim
        # what the answers contradict (docs/scoring.md, "Explanations").
        stage_description=stage_meaning(result),
        core_stage=result.core_stage,
        mastered_branches=tuple(result.mastered_branches),
        strongest=strongest,
        weakest=weakest,
        level_percent=(
            None
            if strongest
            else next((f.percent for f in focus_rows if f.percent is not None), None)
        ),
        next_steps=tuple(first_phase[:3]),
        next_target_label=roadmap.target_label,
        completeness=completeness.percent,
        answered=completeness.answered,
        relevant=completeness.relevant,
        unanswered=completeness.unanswered,
        why=why_stage(result),
        not_applicable=completeness.not_applicable,
        completeness_figure=completeness_figure(completeness),
        completeness_detail=completeness_detail(completeness),
    )
    statuses = result.criteria
    answers = []
    for criterion in in_display_order(model, model.criteria):
        value = values.get(criterion.id)
        who = answered_by.get(criterion.id)
        text = format_answer(criterion, value)
        na = isinstance(value, NotApplicable)
        if isinstance(value, NotApplicable):
            text = f"N/A: {value.justification}"
        answers.append(
            AnswerRow(
                criterion_id=criterion.id,
                statement=" ".join(criterion.statement.split()),
                focus_area=criterion.focus_area,
                group=criterion.group,
                answer=text,
                status=STATUS_TEXT[statuses[criterion.id]],
                comment=comments.get(criterion.id, ""),
                answered_by=who[0] if who else "",
                answered_at=who[1] if who else None,
                explanation=explain_criterion(
                    result, criterion.id, country_name=country_name
                ).sentence,
                kind=_kind(criterion),
                value=None if value is None or isinstance(value, NotApplicable) else value,
                unit=criterion.answer.unit if isinstance(criterion.answer, NumberAnswer) else "",
                not_applicable=na,
            )
        )
    cover = Cover(
        organisation=organisation,
        assessment_date=assessment_date,
        model_id=model.id,
        model_version=model.version,
        model_name=model.manifest.name,
        stage=result.stage,
        stage_name=stage_info.name,
        status=status,
        status_label=STATUS_LABELS[status],
        disclaimer=DISCLAIMER,
    )
    return Report(
        cover=cover,
        summary=summary,
        stages=stages,
        branches=branches,
        focus_areas=focus_rows,
        has_peer=bool(peers),
        gaps=gap_report,
        roadmap=roadmap,
        checklist=checklist,
        answers=tuple(answers),
        result=result,
        has_respondents=bool(answered_by),
        benchmark=benchmark,
    )
