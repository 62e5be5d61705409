"""Comparing two results of one organisation: what changed between two assessments (pure).

The two results may be on different versions of a model. `counterparts` reads the newer
version's declared migration (`migration.yaml`) to say which criterion of one version is the
same question as a criterion of the other; a criterion with no single counterpart (new, merged
from several, or removed) is listed as such instead of being counted as met or lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from diam.model.migration import Migration
from diam.scoring.result import Result, Status


@dataclass(frozen=True, slots=True)
class CriterionChange:
    """One criterion whose status changed between the two results.

    `criterion_id` is the id in the later result's model and `before_id` its counterpart in the
    earlier one (the same id unless the model version changed it).
    """

    criterion_id: str
    before_id: str
    before: Status
    after: Status


@dataclass(frozen=True, slots=True)
class FocusAreaChange:
    """Percent of criteria met in one focus area, before and after (None: nothing applicable
    on that side, or the focus area does not exist in that side's model version)."""

    code: str
    name: str
    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        """The change in percentage points; None when either side has no figure."""
        if self.before is None or self.after is None:
            return None
        return round(self.after - self.before, 1)


@dataclass(frozen=True)
class Comparison:
    """What changed from `before` to `after`; criterion lists follow the later model's order."""

    before_stage: int
    after_stage: int
    newly_met: tuple[CriterionChange, ...]
    no_longer_met: tuple[CriterionChange, ...]
    focus_areas: tuple[FocusAreaChange, ...]
    only_before: tuple[str, ...]  # earlier criteria with no counterpart in the later model
    only_after: tuple[str, ...]  # later criteria with no counterpart in the earlier model

    @property
    def stage_change(self) -> int:
        return self.after_stage - self.before_stage

    @property
    def unchanged(self) -> bool:
        """True when neither the stage nor any criterion's met status changed."""
        return not (self.stage_change or self.newly_met or self.no_longer_met)


def counterparts(
    *, earlier_ids: frozenset[str], later_ids: frozenset[str], migration: Migration | None
) -> dict[str, str | None]:
    """Later criterion id -> the earlier criterion that asks the same question, or None.

    With a migration (declared by the later version from the earlier one) a criterion has a
    counterpart when its entry names exactly one earlier criterion; a merge of several has
    none. Without one (both results on the same version) a criterion is its own counterpart
    when the earlier model has the same id.
    """
    found: dict[str, str | None] = {}
    for cid in sorted(later_ids):
        if migration is None:
            found[cid] = cid if cid in earlier_ids else None
            continue
        entry = migration.criteria.get(cid)
        sources = tuple(s for s in entry.sources if s in earlier_ids) if entry else ()
        found[cid] = sources[0] if len(sources) == 1 else None
    return found


def compare_results(
    *, before: Result, after: Result, sources: Mapping[str, str | None] | None = None
) -> Comparison:
    """The changes from `before` to `after`.

    `sources` maps each of `after`'s criterion ids to its counterpart in `before` (None: no
    counterpart); by default a criterion's counterpart is the one with the same id. A criterion
    is newly met when it is met after and its counterpart was not (unanswered, not met or not
    applicable), and no longer met the other way round.
    """
    before_status = before.criteria
    after_status = after.criteria
    if sources is None:
        sources = {cid: cid if cid in before_status else None for cid in after_status}
    newly: list[CriterionChange] = []
    lost: list[CriterionChange] = []
    only_after: list[str] = []
    matched: set[str] = set()
    for criterion in after.model.criteria:
        source = sources.get(criterion.id)
        if source is None or source not in before_status:
            only_after.append(criterion.id)
            continue
        matched.add(source)
        was, now = before_status[source], after_status[criterion.id]
        if (was is Status.MET) == (now is Status.MET):
            continue
        change = CriterionChange(criterion.id, source, was, now)
        (newly if now is Status.MET else lost).append(change)
    only_before = tuple(c.id for c in before.model.criteria if c.id not in matched)
    areas_before = {f.code: f for f in before.focus_areas}
    areas_after = {f.code: f for f in after.focus_areas}
    codes = [f.code for f in after.focus_areas]
    codes += [code for code in areas_before if code not in areas_after]
    focus_areas = tuple(
        FocusAreaChange(
            code,
            (areas_after.get(code) or areas_before[code]).name,
            areas_before[code].percent if code in areas_before else None,
            areas_after[code].percent if code in areas_after else None,
        )
        for code in codes
    )
    return Comparison(
        before_stage=before.stage,
        after_stage=after.stage,
        newly_met=tuple(newly),
        no_longer_met=tuple(lost),
        focus_areas=focus_areas,
        only_before=only_before,
        only_after=tuple(only_after),
    )
