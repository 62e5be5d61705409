"""The gap report: what stands between an assessment and each stage or branch it has not reached.

Groups come in the order an organisation climbs: the next core stage, each later core stage up
to 4, then every branch not yet mastered. Within a group, criteria *not met* are the gaps;
*unanswered* criteria are listed apart (an unanswered question is not silently a gap), and
not-applicable answers are listed with their justification.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from diam.model.schema import CORE_STAGES, Criterion, Model
from diam.scoring.answers import AnswerValue, NotApplicable
from diam.scoring.explain import CountryName, explain_criterion
from diam.scoring.result import Result, Status


@dataclass(frozen=True, slots=True)
class ReferenceLink:
    """A reference resolved from the model's catalogue."""

    tag: str
    title: str
    url: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Gap:
    """One criterion between the organisation and a target (`S2`, `A`)."""

    criterion_id: str
    statement: str
    focus_area: str
    focus_area_name: str
    target: str
    target_label: str
    status: Status  # not_met or unanswered
    effort: int
    impact: int
    recommendation: str
    evidence: str
    ask: str
    system: str
    references: tuple[ReferenceLink, ...]
    explanation: str = ""  # pass mark and answer: "Not met: needs ≥ 95 %; answered 92 % (…)"

    @property
    def value_ratio(self) -> float:
        """Impact per unit of effort: the roadmap's ordering within a phase."""
        return self.impact / self.effort


@dataclass(frozen=True, slots=True)
class GapGroup:
    """The gaps of one target: a core stage (`S3`) or a branch (`B`)."""

    target: str
    label: str
    kind: str  # "core" or "branch"
    gaps: tuple[Gap, ...]  # not met
    unanswered: tuple[Gap, ...]
    met: int
    total: int

    @property
    def remaining_effort(self) -> int:
        return sum(g.effort for g in self.gaps + self.unanswered)


@dataclass(frozen=True, slots=True)
class NotApplicableItem:
    criterion_id: str
    statement: str
    target: str
    justification: str
    hidden: bool  # hidden by skip logic rather than answered N/A


@dataclass(frozen=True, slots=True)
class GapReport:
    groups: tuple[GapGroup, ...]
    not_applicable: tuple[NotApplicableItem, ...]
    next_target: str | None
    # Non-gating criteria not met or unanswered: good practice that counts in no stage rule.
    beyond: tuple[Gap, ...] = ()

    @property
    def gaps(self) -> tuple[Gap, ...]:
        return tuple(g for group in self.groups for g in group.gaps)

    @property
    def unanswered(self) -> tuple[Gap, ...]:
        return tuple(g for group in self.groups for g in group.unanswered)

    def group(self, target: str) -> GapGroup | None:
        return next((g for g in self.groups if g.target == target), None)


def target_label(model: Model, target: str) -> str:
    """`Core stage 2: <name>` or `Branch A: <name>`."""
    if target.startswith("S"):
        number = int(target[1:])
        return f"Core stage {number}: {model.stage_info(number).name}"
    return f"Branch {target}: {model.branch(target).name}"


def display_order(model: Model) -> dict[str, int]:
    """Criterion id -> position when listed: focus areas in manifest order, then by id."""
    found = model._cache.get("report_order")
    if found is None:
        areas = {f.code: i for i, f in enumerate(model.manifest.focus_areas)}
        ranked = sorted(model.criteria, key=lambda c: (areas.get(c.focus_area, len(areas)), c.id))
        found = {c.id: i for i, c in enumerate(ranked)}
        model._cache["report_order"] = found
    return found


def in_display_order(model: Model, criteria: Iterable[Criterion]) -> list[Criterion]:
    order = display_order(model)
    return sorted(criteria, key=lambda c: order[c.id])


def resolve_references(model: Model, criterion: Criterion) -> tuple[ReferenceLink, ...]:
    catalogue = model.references_by_tag
    links = []
    for tag in criterion.references:
        ref = catalogue.get(tag)
        if ref is not None:
            links.append(ReferenceLink(ref.tag, ref.title, ref.url, ref.note))
    return tuple(links)


def make_gap(model: Model, criterion: Criterion, status: Status, explanation: str = "") -> Gap:
    return Gap(
        criterion_id=criterion.id,
        statement=criterion.statement,
        focus_area=criterion.focus_area,
        focus_area_name=model.focus_area(criterion.focus_area).name,
        target=criterion.group,
        target_label=target_label(model, criterion.group),
        status=status,
        effort=criterion.effort,
        impact=criterion.impact,
        recommendation=criterion.recommendation,
        evidence=criterion.evidence,
        ask=criterion.ask,
        system=criterion.system,
        references=resolve_references(model, criterion),
        explanation=explanation,
    )


def _hidden_reason(model: Model, criterion: Criterion) -> str:
    cond = criterion.relevant_when
    if cond is None:  # pragma: no cover - hidden implies a condition
        return "Not relevant for these answers."
    return f"Not asked: it applies only depending on the answer to {cond.criterion}."


def find_gaps(
    model: Model,
    result: Result,
    values: Mapping[str, AnswerValue],
    *,
    country_name: CountryName | None = None,
) -> GapReport:
    """Gaps per target: later core stages first (from the next one), then open branches.

    Every gap carries its pass mark and the answer (`explanation`); non-gating criteria not
    met are listed apart, as "beyond the stage".
    """
    statuses = result.criteria

    def why(criterion: Criterion) -> str:
        return explain_criterion(result, criterion.id, country_name=country_name).sentence

    targets = [f"S{n}" for n in CORE_STAGES if n > result.core_stage]
    targets += [b.key for b in result.branches if not b.passed]
    counts = {f"S{s.key}": s for s in result.stages} | {b.key: b for b in result.branches}
    groups = []
    for target in targets:
        gaps, unanswered = [], []
        for criterion in in_display_order(model, model.criteria_of(target)):
            status = statuses[criterion.id]
            if status is Status.NOT_MET:
                gaps.append(make_gap(model, criterion, status, why(criterion)))
            elif status is Status.UNANSWERED:
                unanswered.append(make_gap(model, criterion, status, why(criterion)))
        summary = counts[target]
        groups.append(
            GapGroup(
                target=target,
                label=target_label(model, target),
                kind="core" if target.startswith("S") else "branch",
                gaps=tuple(gaps),
                unanswered=tuple(unanswered),
                met=summary.met,
                total=summary.total,
            )
        )
    not_applicable = []
    for criterion in in_display_order(model, model.criteria):
        if statuses[criterion.id] is not Status.NOT_APPLICABLE:
            continue
        value = values.get(criterion.id)
        hidden = criterion.id in result.hidden
        if isinstance(value, NotApplicable) and not hidden:
            justification = value.justification
        elif criterion.id in result.out_of_scope:
            justification = why(criterion)
        else:
            justification = _hidden_reason(model, criterion)
        not_applicable.append(
            NotApplicableItem(
                criterion_id=criterion.id,
                statement=criterion.statement,
                target=criterion.group,
                justification=justification,
                hidden=hidden,
            )
        )
    beyond = tuple(
        make_gap(model, c, statuses[c.id], why(c))
        for c in in_display_order(model, (c for c in model.criteria if not c.gating))
        if statuses[c.id] in (Status.NOT_MET, Status.UNANSWERED)
    )
    return GapReport(
        groups=tuple(groups),
        not_applicable=tuple(not_applicable),
        next_target=result.next_target,
        beyond=beyond,
    )
