"""The Result of scoring one assessment, and its JSON form (design.md §3, "Result")."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

from diam.model.schema import CORE_STAGES, Criterion, Model
from diam.scoring.answers import NotApplicable
from diam.scoring.context import Context

if TYPE_CHECKING:
    from diam.scoring.answers import AnswerValue

MET, NOT_MET, UNANSWERED, NOT_APPLICABLE = 0, 1, 2, 3


class Status(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    UNANSWERED = "unanswered"
    NOT_APPLICABLE = "not_applicable"


_STATUS = (Status.MET, Status.NOT_MET, Status.UNANSWERED, Status.NOT_APPLICABLE)


class GroupCount(NamedTuple):
    """Counts for a core stage or branch; `total` excludes not-applicable criteria."""

    met: int
    total: int
    unanswered: int
    passed: bool


def percent(met: int, total: int) -> float | None:
    """Share met, rounded to one decimal; None when nothing is applicable (0 of 0)."""
    return round(met * 100 / total, 1) if total else None


@dataclass(frozen=True, slots=True)
class GroupSummary:
    key: str  # "1".."4" for core stages, the letter for branches
    name: str
    met: int
    total: int
    unanswered: int
    passed: bool

    @property
    def percent(self) -> float | None:
        return percent(self.met, self.total)


@dataclass(frozen=True, slots=True)
class FocusAreaSummary:
    code: str
    name: str
    met: int
    total: int

    @property
    def percent(self) -> float | None:
        return percent(self.met, self.total)


@dataclass(frozen=True, slots=True)
class Completeness:
    """How much of an assessment is answered: the one definition every page, report, the API and
    the CLI show (docs/scoring.md §5).

    `relevant` criteria are the ones asked of this organisation (not hidden by skip logic, its
    country or its service profile); a relevant criterion is `answered` when it has a value or
    N/A with a justification. `not_applicable` counts the N/A answers among `answered`: a detail
    shown beside the figure, never a third category.
    """

    answered: int
    relevant: int
    not_applicable: int

    @property
    def unanswered(self) -> int:
        return self.relevant - self.answered

    @property
    def percent(self) -> float:
        """Answered ÷ relevant × 100, one decimal; 100 when nothing is relevant (nothing to do)."""
        if self.relevant == 0:
            return 100.0
        return round(self.answered * 100 / self.relevant, 1)

    @property
    def complete(self) -> bool:
        return self.answered >= self.relevant

    def to_dict(self) -> dict[str, Any]:
        return {
            "percent": self.percent,
            "answered": self.answered,
            "relevant": self.relevant,
            "not_applicable": self.not_applicable,
            "unanswered": self.unanswered,
        }


def count_completeness(
    criteria: Iterable[Criterion], values: Mapping[str, AnswerValue], hidden: Collection[str]
) -> Completeness:
    """Completeness of `criteria` given the answer `values` and the ids not asked (`hidden`).

    The only place answered / relevant is counted: the result's figure and the survey's
    progress per focus area both come from here, so they cannot drift apart.
    """
    answered = relevant = na = 0
    for c in criteria:
        if c.id in hidden:
            continue
        relevant += 1
        value = values.get(c.id)
        if value is None:
            continue
        answered += 1
        if value.__class__ is NotApplicable:
            na += 1
    return Completeness(answered, relevant, na)


class Result(NamedTuple):
    """What the engine computes from one assessment; recomputable, never the only truth.

    A NamedTuple rather than a dataclass: it is immutable and cheap to create, which matters
    at tens of thousands of results per second (docs/benchmarks.md).
    """

    model: Model
    stage: int
    core_stage: int
    statuses: list[int]  # aligned with model.criteria; not to be mutated
    met: list[int]  # per group: core stages 1-4, then branches in manifest order
    applicable: list[int]
    unanswered: list[int]
    passed: list[bool]
    fa_met: list[int]  # per focus area, in manifest order
    fa_applicable: list[int]
    hidden: frozenset[str]  # not asked: skip logic or out of scope (reported as not applicable)
    context: Context  # the country and service profile the result was computed for
    out_of_scope: Mapping[str, str]  # id -> "jurisdiction" or "service" (part of `hidden`)
    values: Mapping[str, AnswerValue]  # the answers scored (unanswered absent); not mutated

    @property
    def groups(self) -> list[GroupCount]:
        return [
            GroupCount(*counts)
            for counts in zip(self.met, self.applicable, self.unanswered, self.passed, strict=True)
        ]

    @property
    def focus_area_counts(self) -> list[tuple[int, int]]:
        return list(zip(self.fa_met, self.fa_applicable, strict=True))

    # --- per criterion -------------------------------------------------------------------
    def status(self, criterion_id: str) -> Status:
        index = self._index()[criterion_id]
        return _STATUS[self.statuses[index]]

    def _index(self) -> dict[str, int]:
        cache = self.model._cache
        found = cache.get("index")
        if found is None:
            found = {c.id: i for i, c in enumerate(self.model.criteria)}
            cache["index"] = found
        return found

    @property
    def criteria(self) -> dict[str, Status]:
        return {c.id: _STATUS[s] for c, s in zip(self.model.criteria, self.statuses, strict=True)}

    def criteria_with(self, status: Status) -> list[Criterion]:
        code = _STATUS.index(status)
        return [c for c, s in zip(self.model.criteria, self.statuses, strict=True) if s == code]

    # --- groups ----------------------------------------------------------------------------
    @property
    def stages(self) -> list[GroupSummary]:
        groups = self.groups
        return [
            GroupSummary(str(n), self.model.stage_info(n).name, *groups[i])
            for i, n in enumerate(CORE_STAGES)
        ]

    @property
    def branches(self) -> list[GroupSummary]:
        n_core = len(CORE_STAGES)
        groups = self.groups
        return [
            GroupSummary(b.id, b.name, *groups[n_core + i])
            for i, b in enumerate(self.model.manifest.branches)
        ]

    @property
    def mastered_branches(self) -> list[str]:
        """Letters of mastered branches; they raise the stage only from core stage 4."""
        return [b.key for b in self.branches if b.passed]

    @property
    def focus_areas(self) -> list[FocusAreaSummary]:
        return [
            FocusAreaSummary(fa.code, fa.name, met, total)
            for fa, (met, total) in zip(
                self.model.manifest.focus_areas, self.focus_area_counts, strict=True
            )
        ]

    @property
    def completeness_counts(self) -> Completeness:
        """Answered / relevant criteria, N/A answers counted as answered (and shown apart)."""
        return count_completeness(self.model.criteria, self.values, self.hidden)

    @property
    def completeness(self) -> float:
        """Percent of relevant criteria answered (see `Completeness`); 100 if none is relevant."""
        return self.completeness_counts.percent

    # --- what stands in the way -------------------------------------------------------------
    @property
    def next_target(self) -> str | None:
        """`S<n>` for the next core stage, a branch letter once stage 4 is reached, else None.

        Past stage 4 the target is the unmastered branch with the fewest criteria left
        (manifest order breaks ties), since any one branch raises the stage.
        """
        n_core = len(CORE_STAGES)
        if self.core_stage < n_core:
            return f"S{self.core_stage + 1}"
        open_branches = [b for b in self.branches if not b.passed]
        if not open_branches:
            return None
        best = min(open_branches, key=lambda b: b.total - b.met)
        return best.key

    @property
    def blockers(self) -> list[str]:
        """Ids not met or unanswered in the next target (see `next_target`), in model order."""
        target = self.next_target
        if target is None:
            return []
        return [
            c.id
            for c, s in zip(self.model.criteria, self.statuses, strict=True)
            if c.group == target and c.gating and s in (NOT_MET, UNANSWERED)
        ]

    def stage_name(self) -> str:
        return self.model.stage_info(self.stage).name

    # --- contract ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The result contract of design.md §3 (plus counts that explain each percentage)."""
        return {
            "model": self.model.id,
            "model_version": self.model.version,
            "stage": self.stage,
            "stage_name": self.stage_name(),
            "core_stage": self.core_stage,
            "branches": {
                b.key: {
                    "name": b.name,
                    "mastered": b.passed,
                    "met": b.met,
                    "total": b.total,
                    "unanswered": b.unanswered,
                    "percent": b.percent,
                }
                for b in self.branches
            },
            "stages": {
                s.key: {
                    "name": s.name,
                    "reached": self.core_stage >= int(s.key),
                    "criteria_passed": s.passed,
                    "met": s.met,
                    "total": s.total,
                    "unanswered": s.unanswered,
                    "percent": s.percent,
                }
                for s in self.stages
            },
            "focus_areas": {
                f.code: {"name": f.name, "met": f.met, "total": f.total, "percent": f.percent}
                for f in self.focus_areas
            },
            "criteria": {
                c.id: {
                    "status": str(_STATUS[s]),
                    **({"hidden": True} if c.id in self.hidden else {}),
                    **(
                        {"out_of_scope": self.out_of_scope[c.id]}
                        if c.id in self.out_of_scope
                        else {}
                    ),
                    **({} if c.gating else {"gating": False}),
                }
                for c, s in zip(self.model.criteria, self.statuses, strict=True)
            },
            "completeness": self.completeness,
            # The counts behind the figure: answered includes the N/A answers (docs/scoring.md §5).
            "completeness_counts": self.completeness_counts.to_dict(),
            "next_target": self.next_target,
            "blockers": self.blockers,
        }
