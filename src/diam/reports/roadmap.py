"""The roadmap: gaps ordered into phased steps toward a chosen target stage.

Targets (design.md glossary "Roadmap"):

- `target_stage` 1-4 means reaching that core stage: every core gap up to it.
- 5, 6, 7 mean core stage 4 plus 1, 2, 3 mastered branches. Branches are taken in
  `branch_order` (letters; partial orders are completed), by default the branch with the least
  remaining effort first (sum of the effort of its unmet and unanswered criteria; ties by
  letter). Branches already mastered count toward the target and get no phase.
- Default: the next stage (the next core stage, or past stage 4 the cheapest open branch).

Steps are ordered by dependency (lower core stage first, core before branches, branches in the
chosen order) and, within a phase, by impact per effort (higher impact and lower effort first,
then model order). One phase per core stage, then one per branch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from diam.model.schema import CORE_STAGES, Model, StageRuleMode
from diam.reports.gaps import Gap, GapGroup, GapReport, display_order, find_gaps
from diam.scoring.result import Result, Status

# An unanswered criterion may already be in place: the step is to find out, and only then to act.
ANSWER_FIRST = (
    "Not answered yet: find out whether this is already in place and record the answer. "
    "If it is not, do this: "
)


@dataclass(frozen=True, slots=True)
class RoadmapStep:
    number: int  # 1-based across the whole roadmap
    phase: int  # 1-based phase number
    gap: Gap

    @property
    def criterion_id(self) -> str:
        return self.gap.criterion_id

    @property
    def action(self) -> str:
        """What to do: the recommendation; for unanswered criteria, answer first."""
        if self.gap.status is Status.UNANSWERED:
            return ANSWER_FIRST + self.gap.recommendation
        return self.gap.recommendation


@dataclass(frozen=True, slots=True)
class Phase:
    number: int
    target: str  # "S3" or a branch letter
    title: str
    steps: tuple[RoadmapStep, ...]
    needed: int  # steps that must be completed (all of them in strict mode)

    @property
    def effort(self) -> int:
        return sum(s.gap.effort for s in self.steps)


@dataclass(frozen=True, slots=True)
class Roadmap:
    current_stage: int
    target_stage: int | None  # None when nothing is left to reach
    target_label: str
    branches: tuple[str, ...]  # branches planned, in order
    phases: tuple[Phase, ...]
    message: str | None = None

    @property
    def steps(self) -> tuple[RoadmapStep, ...]:
        return tuple(s for p in self.phases for s in p.steps)

    @property
    def is_empty(self) -> bool:
        return not self.phases


def _needed(model: Model, group: GapGroup) -> int:
    """How many of the group's open criteria must still be met to pass it."""
    open_count = len(group.gaps) + len(group.unanswered)
    rule = model.manifest.stage_rule
    if rule.mode is StageRuleMode.STRICT or rule.threshold_percent is None:
        return open_count
    required = math.ceil(rule.threshold_percent * group.total / 100)
    while required > 0 and (required - 1) * 100 >= rule.threshold_percent * group.total:
        required -= 1
    while required * 100 < rule.threshold_percent * group.total:
        required += 1
    return min(open_count, max(0, required - group.met))


def parse_branch_order(model: Model, order: Sequence[str] | str | None) -> tuple[str, ...]:
    """Validate a branch order such as `"ACB"` or `["A", "C"]`; raise `ValueError`."""
    if order is None:
        return ()
    letters = [ch for ch in order] if isinstance(order, str) else list(order)
    letters = [x.strip().upper() for x in letters if x.strip() not in ("", ",")]
    known = [b.id for b in model.manifest.branches]
    unknown = [x for x in letters if x not in known]
    if unknown:
        raise ValueError(
            f"unknown branch {', '.join(unknown)} in the branch order; "
            f"the model's branches are {', '.join(known)}"
        )
    if len(set(letters)) != len(letters):
        raise ValueError("each branch may appear only once in the branch order")
    return tuple(letters)


def build_roadmap(
    model: Model,
    result: Result,
    *,
    target_stage: int | None = None,
    branch_order: Sequence[str] | str | None = None,
    gaps: GapReport | None = None,
) -> Roadmap:
    """Phased steps from the result toward `target_stage` (default: the next stage).

    Raise `ValueError` with a message for the user when the target is out of range or not
    above the current stage, or when the branch order names unknown or repeated branches.
    """
    n_core = len(CORE_STAGES)
    max_stage = model.max_stage
    order = parse_branch_order(model, branch_order)
    if target_stage is None:
        if result.stage >= max_stage:
            return Roadmap(
                current_stage=result.stage,
                target_stage=None,
                target_label="",
                branches=(),
                phases=(),
                message=(
                    f"Stage {result.stage} is the highest stage of this model: every core stage "
                    "is reached and every branch is mastered. Nothing is left to plan."
                ),
            )
        target = result.stage + 1
    else:
        if isinstance(target_stage, bool) or not isinstance(target_stage, int):
            raise ValueError(f"the target stage must be a whole number, got {target_stage!r}")
        if not 1 <= target_stage <= max_stage:
            raise ValueError(
                f"target stage {target_stage} does not exist: choose 1-{n_core} for a core "
                f"stage or {n_core + 1}-{max_stage} for core stage {n_core} plus 1-"
                f"{max_stage - n_core} branch(es)"
            )
        if target_stage <= result.stage:
            raise ValueError(
                f"target stage {target_stage} is not above the current stage "
                f"({result.stage}); choose a target from {result.stage + 1} to {max_stage}"
                if result.stage < max_stage
                else f"the assessment is already at stage {result.stage}, the highest stage"
            )
        target = target_stage

    report = gaps if gaps is not None else find_gaps(model, result, {})
    groups = {g.target: g for g in report.groups}

    plan: list[str] = [f"S{n}" for n in CORE_STAGES if result.core_stage < n <= min(target, n_core)]
    chosen: list[str] = []
    if target > n_core:
        mastered = [b.key for b in result.branches if b.passed]
        wanted = target - n_core - len(mastered)
        open_branches = [b.key for b in result.branches if not b.passed]
        by_effort = sorted(open_branches, key=lambda key: (groups[key].remaining_effort, key))
        ranked = [b for b in order if b in open_branches]
        ranked += [b for b in by_effort if b not in ranked]
        chosen = ranked[: max(wanted, 0)]
        plan += chosen

    position = display_order(model)
    phases: list[Phase] = []
    step_no = 0
    for key in plan:
        group = groups.get(key)
        if group is None:
            continue
        needed = _needed(model, group)
        if needed == 0:
            continue
        ordered = sorted(
            group.gaps + group.unanswered,
            key=lambda g: (-g.value_ratio, -g.impact, g.effort, position[g.criterion_id]),
        )
        phase_no = len(phases) + 1
        steps = []
        for gap in ordered:
            step_no += 1
            steps.append(RoadmapStep(step_no, phase_no, gap))
        phases.append(
            Phase(
                number=phase_no,
                target=key,
                title=_phase_title(model, key),
                steps=tuple(steps),
                needed=needed,
            )
        )
    label = f"Stage {target}: {model.stage_info(target).name}"
    if chosen:
        label += " (core stage 4 and branch" + ("es " if len(chosen) > 1 else " ")
        label += ", ".join(chosen) + ")"
    message = None
    if not phases:
        message = f"Nothing stands between this assessment and stage {target}."
    return Roadmap(
        current_stage=result.stage,
        target_stage=target,
        target_label=label,
        branches=tuple(chosen),
        phases=tuple(phases),
        message=message,
    )


def _phase_title(model: Model, key: str) -> str:
    if key.startswith("S"):
        number = int(key[1:])
        return f"Reach core stage {number}: {model.stage_info(number).name}"
    return f"Master branch {key}: {model.branch(key).name}"
