"""Figures over one peer group, with the per-figure disclosure rules (pure).

`summarise(entries, k=..., own=...)` applies the rules that concern one group: the minimum n of
every figure, small cells in the stage distribution and in branch shares, the
validated / self-assessed split, and the own organisation's percentile ranks. The rules that
concern several groups shown together (differencing) are applied by `benchmark_for`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter, methodcaller
from typing import Any

from diam.stats.disclosure import hidden_cells, share_hidden, small_cell, small_table
from diam.stats.figures import (
    Figure,
    Reason,
    SuppressionReason,
    ValueCounts,
    no_data,
    percentile_rank,
    too_few,
)
from diam.stats.groups import DEFAULT_BRANCHES, STAGES, Entry

_stage = attrgetter("stage")
_branches = attrgetter("branches")
_validated = attrgetter("validated")
_focus = attrgetter("focus_areas")
_items = methodcaller("items")


def _pair_order(item: tuple[tuple[str, float | None], int]) -> tuple[str, bool, float]:
    (code, value), _ = item
    return code, value is None, 0.0 if value is None else value


@dataclass(slots=True)
class Aggregate:
    """Counts over some organisations, enough to compute every figure; mergeable.

    The web layer may build these from SQL aggregates (one per group of identical peer
    attributes) instead of rows; `benchmark_for` merges them per peer group.
    """

    n: int = 0
    stages: list[int] = field(default_factory=lambda: [0] * len(STAGES))
    validated: int = 0
    validated_stage_sum: int = 0
    branches: dict[str, int] = field(default_factory=dict)
    focus: dict[str, dict[float, int]] = field(default_factory=dict)  # code -> value -> count

    @classmethod
    def of(cls, entries: Sequence[Entry]) -> Aggregate:
        """Counts over `entries` (column-wise, so the loops run in C)."""
        stage_counts = Counter(map(_stage, entries))
        validated_rows = list(filter(_validated, entries))
        # One C-level pass over every (code, value) pair: reading each row's mapping once
        # is what keeps this linear and cache-friendly at 100,000 rows.
        pairs = Counter(chain.from_iterable(map(_items, map(_focus, entries))))
        focus: dict[str, dict[float, int]] = {}
        for (code, value), count in sorted(pairs.items(), key=_pair_order):
            values = focus.setdefault(code, {})
            if value is not None:
                values[value] = count
        return cls(
            n=len(entries),
            stages=[stage_counts.get(s, 0) for s in STAGES],
            validated=len(validated_rows),
            validated_stage_sum=sum(map(_stage, validated_rows)),
            branches=dict(Counter(chain.from_iterable(map(_branches, entries)))),
            focus=focus,
        )

    def add(self, other: Aggregate) -> None:
        self.n += other.n
        self.stages = [a + b for a, b in zip(self.stages, other.stages, strict=True)]
        self.validated += other.validated
        self.validated_stage_sum += other.validated_stage_sum
        for letter, count in other.branches.items():
            self.branches[letter] = self.branches.get(letter, 0) + count
        for code, counts in other.focus.items():
            mine = self.focus.setdefault(code, {})
            for value, count in counts.items():
                mine[value] = mine.get(value, 0) + count

    @classmethod
    def merged(cls, parts: Iterable[Aggregate]) -> Aggregate:
        total = cls()
        for part in parts:
            total.add(part)
        return total

    @property
    def stage_sum(self) -> int:
        return sum(s * c for s, c in zip(STAGES, self.stages, strict=True))

    def focus_n(self, code: str) -> int:
        return sum(self.focus.get(code, {}).values())


# --- the figures of a group -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StageSummary:
    """Stage figures: distribution over stages 0-7 (a count per stage), mean, median, rank."""

    count: Figure[int]
    distribution: tuple[Figure[int], ...]
    mean: Figure[float]
    median: Figure[float]
    own_percentile: Figure[float]


@dataclass(frozen=True, slots=True)
class ValueSummary:
    """Figures of one focus area (percent of criteria met) over the organisations with a value."""

    count: Figure[int]
    mean: Figure[float]
    p25: Figure[float]
    median: Figure[float]
    p75: Figure[float]
    minimum: Figure[float]
    maximum: Figure[float]
    own_percentile: Figure[float]


@dataclass(frozen=True, slots=True)
class SplitSummary:
    """The validated (or the self-assessed) part of a group: how many, and their mean stage."""

    count: Figure[int]
    mean_stage: Figure[float]


@dataclass(frozen=True, slots=True)
class GroupSummary:
    """Every figure of one peer group; hidden figures are present with their reason."""

    k: int
    organisations: Figure[int]
    stage: StageSummary
    branches: Mapping[str, Figure[float]]  # letter -> percent of organisations that mastered it
    focus_areas: Mapping[str, ValueSummary]
    validated: SplitSummary
    self_assessed: SplitSummary

    def figures(self) -> Iterator[tuple[str, Figure[Any]]]:
        """Every figure with a dotted path, e.g. `focus_areas.SI.median`, in a fixed order."""
        yield "organisations", self.organisations
        yield from _walk("stage", self.stage)
        for letter, figure in self.branches.items():
            yield f"branches.{letter}", figure
        for code, summary in self.focus_areas.items():
            yield from _walk(f"focus_areas.{code}", summary)
        yield from _walk("validated", self.validated)
        yield from _walk("self_assessed", self.self_assessed)


def _walk(
    prefix: str, obj: StageSummary | ValueSummary | SplitSummary
) -> Iterator[tuple[str, Figure[Any]]]:
    for name in obj.__slots__:
        value = getattr(obj, name)
        if isinstance(value, tuple):
            for i, figure in enumerate(value):
                yield f"{prefix}.{name}.{i}", figure
        else:
            yield f"{prefix}.{name}", value


def _hidden(reason: SuppressionReason) -> Figure[Any]:
    return Figure.hide(reason)


def hidden_value_summary(reason: SuppressionReason) -> ValueSummary:
    h = _hidden(reason)
    return ValueSummary(h, h, h, h, h, h, h, h)


def hidden_split(reason: SuppressionReason) -> SplitSummary:
    h = _hidden(reason)
    return SplitSummary(h, h)


def hidden_summary(
    reason: SuppressionReason, *, k: int, branches: Sequence[str], focus_areas: Sequence[str]
) -> GroupSummary:
    """A summary with every figure hidden for `reason` (a hidden or too small group)."""
    h = _hidden(reason)
    return GroupSummary(
        k=k,
        organisations=h,
        stage=StageSummary(h, tuple(h for _ in STAGES), h, h, h),
        branches={letter: h for letter in branches},
        focus_areas={code: hidden_value_summary(reason) for code in focus_areas},
        validated=hidden_split(reason),
        self_assessed=hidden_split(reason),
    )


def _own_rank(
    counts: ValueCounts, own_value: float | None, *, own_in_group: bool, k: int
) -> Figure[float]:
    """The own percentile rank, shown when at least k peers (excluding self) have a value."""
    if own_value is None:
        return Figure.hide(
            SuppressionReason(Reason.NO_OWN_VALUE, "your organisation has no value to compare")
        )
    below, equal = counts.below_and_equal(own_value)
    peers = counts.n
    if own_in_group:
        peers, equal = peers - 1, equal - 1
    if peers == 0:
        return Figure.hide(no_data("no peers besides your organisation"))
    if peers < k:
        return Figure.hide(too_few(k, "peers besides your organisation"))
    return Figure.show(round(percentile_rank(below, equal, peers), 1), peers)


def _stage_summary(agg: Aggregate, own: Entry | None, own_in_group: bool, k: int) -> StageSummary:
    n = agg.n
    counts = ValueCounts.of({float(s): c for s, c in zip(STAGES, agg.stages, strict=True)})
    hide = hidden_cells(agg.stages, k)
    if hide is None:
        reason = small_table(k)
        distribution = tuple(Figure[int].hide(reason) for _ in STAGES)
    else:
        cell = small_cell(k)
        distribution = tuple(
            Figure[int].hide(cell) if s in hide else Figure.show(c, n)
            for s, c in zip(STAGES, agg.stages, strict=True)
        )
    return StageSummary(
        count=Figure.show(n, n),
        distribution=distribution,
        mean=Figure.show(round(agg.stage_sum / n, 2), n),
        median=Figure.show(counts.quantile(0.5), n),
        own_percentile=_own_rank(
            counts, None if own is None else float(own.stage), own_in_group=own_in_group, k=k
        ),
    )


def _value_summary(
    counts: ValueCounts, own_value: float | None, own_in_group: bool, k: int, what: str
) -> ValueSummary:
    n = counts.n
    if n == 0:
        return hidden_value_summary(no_data(f"no organisation has a value for {what}"))
    if n < k:
        return hidden_value_summary(too_few(k, f"organisations with a value for {what}"))
    return ValueSummary(
        count=Figure.show(n, n),
        mean=Figure.show(round(counts.mean(), 2), n),
        p25=Figure.show(round(counts.quantile(0.25), 2), n),
        median=Figure.show(round(counts.quantile(0.5), 2), n),
        p75=Figure.show(round(counts.quantile(0.75), 2), n),
        minimum=Figure.show(counts.values[0], n),
        maximum=Figure.show(counts.values[-1], n),
        own_percentile=_own_rank(counts, own_value, own_in_group=own_in_group, k=k),
    )


def split_summaries(agg: Aggregate, k: int) -> tuple[SplitSummary, SplitSummary]:
    """Validated and self-assessed parts: each shown only if both parts are 0 or >= k."""
    parts = (
        (agg.validated, agg.validated_stage_sum, "validated organisations"),
        (agg.n - agg.validated, agg.stage_sum - agg.validated_stage_sum, "self-assessed"),
    )
    small = [0 < count < k for count, _, _ in parts]
    result = []
    for (count, stage_sum, what), is_small in zip(parts, small, strict=True):
        if count == 0:
            result.append(hidden_split(no_data(f"no {what}")))
        elif is_small:
            result.append(hidden_split(too_few(k, what)))
        elif any(small):
            other = SuppressionReason(
                Reason.SMALL_CELL,
                f"hidden because the other part of the split has fewer than {k} organisations "
                "and would follow from this one",
            )
            result.append(hidden_split(other))
        else:
            result.append(
                SplitSummary(
                    Figure.show(count, count), Figure.show(round(stage_sum / count, 2), count)
                )
            )
    return result[0], result[1]


def summarise_aggregate(
    agg: Aggregate,
    *,
    k: int,
    own: Entry | None,
    own_in_group: bool,
    branches: Sequence[str] = DEFAULT_BRANCHES,
    focus_areas: Sequence[str] | None = None,
) -> GroupSummary:
    """`summarise` over pre-computed counts; `own_in_group` says whether own is counted in."""
    if k < 1:
        raise ValueError("k must be at least 1")
    codes = sorted(agg.focus) if focus_areas is None else list(focus_areas)
    n = agg.n
    if n == 0:
        return hidden_summary(
            no_data("no organisations"), k=k, branches=branches, focus_areas=codes
        )
    if n < k:
        return hidden_summary(too_few(k), k=k, branches=branches, focus_areas=codes)
    share_reason = SuppressionReason(
        Reason.SMALL_CELL,
        f"fewer than {k} organisations have mastered this branch, or fewer than {k} have not",
    )
    branch_figures: dict[str, Figure[float]] = {}
    for letter in branches:
        count = agg.branches.get(letter, 0)
        branch_figures[letter] = (
            Figure[float].hide(share_reason)
            if share_hidden(count, n, k)
            else Figure.show(round(100 * count / n, 1), n)
        )
    focus: dict[str, ValueSummary] = {}
    for code in codes:
        counts = ValueCounts.of(agg.focus.get(code, {}))
        own_value = None if own is None else own.focus_areas.get(code)
        focus[code] = _value_summary(counts, own_value, own_in_group, k, code)
    validated, self_assessed = split_summaries(agg, k)
    return GroupSummary(
        k=k,
        organisations=Figure.show(n, n),
        stage=_stage_summary(agg, own, own_in_group, k),
        branches=branch_figures,
        focus_areas=focus,
        validated=validated,
        self_assessed=self_assessed,
    )


def summarise(
    entries: Sequence[Entry],
    *,
    k: int = 5,
    own: Entry | None = None,
    branches: Sequence[str] = DEFAULT_BRANCHES,
    focus_areas: Sequence[str] | None = None,
) -> GroupSummary:
    """The figures of one group, each shown only if disclosure-safe on its own.

    `own` (optional) is the organisation whose percentile ranks are wanted; it is a peer of
    itself only if its row is among `entries`, and ranks always exclude it. Focus areas are
    those given, else every code found in the entries. With no entries every figure is hidden
    with the reason "no organisations".
    """
    agg = Aggregate.of(entries)
    own_in_group = own is not None and any(
        e.organisation_id == own.organisation_id for e in entries
    )
    return summarise_aggregate(
        agg, k=k, own=own, own_in_group=own_in_group, branches=branches, focus_areas=focus_areas
    )
