"""The figures a release publishes for one group: stage figures and focus-area figures (pure).

Rules (docs/benchmarks.md §3):

- every figure carries its n; a hidden figure carries its reason and no number;
- one message for 0 and for 1..k-1 ("fewer than k ..."), so a reader cannot tell whether a
  lone organisation takes part;
- no minimum or maximum (they are one organisation's value);
- quartiles (P25, median, P75) only from at least 2k organisations, interpolated and rounded
  to a grid coarser than one organisation's step: stages to the nearest half stage, focus-area
  percents to the nearest 5 points. A shown quartile is then a point of that grid, not a value
  reported by an organisation;
- the stage distribution hides small cells with complementary suppression; a branch share
  hides when it or its complement is 1..k-1; the validated / self-assessed split (of all
  organisations: `SplitPair`) is shown only when both parts have at least k organisations.

Percentile ranks are bands (`Band`): which quarter of the shown quartiles an organisation's
own value falls in, so they say nothing the quartiles do not.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from diam.stats.disclosure import hidden_cells, share_hidden, small_cell, small_table
from diam.stats.figures import Figure, Reason, SuppressionReason, ValueCounts, too_few
from diam.stats.groups import STAGES
from diam.stats.summary import Aggregate

STAGE_GRID = 0.5  # stage quartiles are rounded to the nearest half stage
PERCENT_GRID = 5.0  # focus-area quartiles to the nearest 5 percentage points


def quartiles_need(k: int) -> int:
    """The number of organisations a quartile needs: 2k."""
    return 2 * k


def on_grid(value: float, grid: float) -> float:
    """`value` rounded half up to the nearest multiple of `grid`."""
    return round(math.floor(value / grid + 0.5) * grid, 6)


def _quartile_reason(k: int, what: str = "organisations") -> SuppressionReason:
    return SuppressionReason(
        Reason.TOO_FEW,
        f"quartiles need at least {quartiles_need(k)} {what}, so that none is one "
        "organisation's value",
    )


def _quartiles(
    counts: ValueCounts, k: int, grid: float, what: str = "organisations"
) -> tuple[Figure[float], Figure[float], Figure[float]]:
    n = counts.n
    if n < quartiles_need(k):
        h: Figure[float] = Figure.hide(_quartile_reason(k, what))
        return h, h, h
    return (
        Figure.show(on_grid(counts.quantile(0.25), grid), n),
        Figure.show(on_grid(counts.quantile(0.5), grid), n),
        Figure.show(on_grid(counts.quantile(0.75), grid), n),
    )


@dataclass(frozen=True, slots=True)
class SplitFigures:
    """The validated (or the self-assessed) part of a group: how many, their mean stage."""

    count: Figure[int]
    mean_stage: Figure[float]


@dataclass(frozen=True, slots=True)
class StageFigures:
    """A group's stage figures: n, distribution 0-7, mean, quartiles, branches, the split."""

    organisations: Figure[int]
    distribution: tuple[Figure[int], ...]
    mean: Figure[float]
    p25: Figure[float]
    median: Figure[float]
    p75: Figure[float]
    branches: Mapping[str, Figure[float]]  # letter -> percent that mastered it

    def figures(self) -> list[tuple[str, Figure[Any]]]:
        out: list[tuple[str, Figure[Any]]] = [("organisations", self.organisations)]
        out += [(f"distribution.{s}", f) for s, f in zip(STAGES, self.distribution, strict=True)]
        out += [("mean", self.mean), ("p25", self.p25), ("median", self.median)]
        out += [("p75", self.p75)]
        out += [(f"branches.{b}", f) for b, f in self.branches.items()]
        return out


@dataclass(frozen=True, slots=True)
class SplitPair:
    """All organisations split into validated and self-assessed ones."""

    validated: SplitFigures
    self_assessed: SplitFigures

    def figures(self) -> list[tuple[str, Figure[Any]]]:
        return [
            ("validated.count", self.validated.count),
            ("validated.mean_stage", self.validated.mean_stage),
            ("self_assessed.count", self.self_assessed.count),
            ("self_assessed.mean_stage", self.self_assessed.mean_stage),
        ]


@dataclass(frozen=True, slots=True)
class AreaFigures:
    """One focus area's figures over the organisations with a value for it."""

    count: Figure[int]
    mean: Figure[float]
    p25: Figure[float]
    median: Figure[float]
    p75: Figure[float]

    def figures(self) -> list[tuple[str, Figure[Any]]]:
        return [
            ("count", self.count),
            ("mean", self.mean),
            ("p25", self.p25),
            ("median", self.median),
            ("p75", self.p75),
        ]


def hidden_split(reason: SuppressionReason) -> SplitFigures:
    h: Figure[Any] = Figure.hide(reason)
    return SplitFigures(h, h)


def split_figures(agg: Aggregate, k: int) -> SplitPair:
    """Validated and self-assessed parts: shown only when both have at least k organisations."""
    parts = (
        (agg.validated, agg.validated_stage_sum, "validated organisations"),
        (agg.n - agg.validated, agg.stage_sum - agg.validated_stage_sum, "self-assessed ones"),
    )
    if all(count >= k for count, _, _ in parts):
        shown = [
            SplitFigures(Figure.show(c, c), Figure.show(round(s / c, 2), c)) for c, s, _ in parts
        ]
        return SplitPair(shown[0], shown[1])
    out = []
    for count, _, what in parts:
        if count < k:
            out.append(hidden_split(too_few(k, what)))
        else:
            out.append(hidden_split(split_companion(k)))
    return SplitPair(out[0], out[1])


def hidden_pair(reason: SuppressionReason) -> SplitPair:
    return SplitPair(hidden_split(reason), hidden_split(reason))


def split_companion(k: int) -> SuppressionReason:
    return SuppressionReason(
        Reason.SMALL_CELL,
        f"hidden because the other part of the split has fewer than {k} organisations and "
        "would follow from this one",
    )


def stage_figures(agg: Aggregate, *, k: int, branches: Sequence[str]) -> StageFigures:
    """The stage figures of a group of at least k organisations."""
    n = agg.n
    assert n >= k and n > 0, "a group is shown only with at least k organisations"
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
    share_reason = SuppressionReason(
        Reason.SMALL_CELL,
        f"fewer than {k} organisations have mastered this branch, or fewer than {k} have not",
    )
    shares: dict[str, Figure[float]] = {}
    for letter in branches:
        count = agg.branches.get(letter, 0)
        shares[letter] = (
            Figure[float].hide(share_reason)
            if share_hidden(count, n, k)
            else Figure.show(round(100 * count / n, 1), n)
        )
    counts = ValueCounts.of({float(s): c for s, c in zip(STAGES, agg.stages, strict=True)})
    p25, median, p75 = _quartiles(counts, k, STAGE_GRID)
    return StageFigures(
        organisations=Figure.show(n, n),
        distribution=distribution,
        mean=Figure.show(round(agg.stage_sum / n, 2), n),
        p25=p25,
        median=median,
        p75=p75,
        branches=shares,
    )


def area_figures(counts: Mapping[float, int], *, k: int, code: str) -> AreaFigures:
    """A focus area's figures over at least k organisations with a value."""
    values = ValueCounts.of(counts)
    n = values.n
    assert n >= k and n > 0, "a focus area is shown only with at least k values"
    what = f"organisations with a value for {code}"
    p25, median, p75 = _quartiles(values, k, PERCENT_GRID, what)
    return AreaFigures(
        count=Figure.show(n, n),
        mean=Figure.show(round(values.mean(), 1), n),
        p25=p25,
        median=median,
        p75=p75,
    )


def hidden_stage(reason: SuppressionReason, branches: Sequence[str]) -> StageFigures:
    h: Figure[Any] = Figure.hide(reason)
    return StageFigures(
        organisations=h,
        distribution=tuple(h for _ in STAGES),
        mean=h,
        p25=h,
        median=h,
        p75=h,
        branches={b: h for b in branches},
    )


def hidden_area(reason: SuppressionReason) -> AreaFigures:
    h: Figure[Any] = Figure.hide(reason)
    return AreaFigures(h, h, h, h, h)


# --- percentile bands ----------------------------------------------------------------------------


class Band(IntEnum):
    """Which quarter of a group an organisation's own value is in, from the shown quartiles."""

    LOWEST = 1
    SECOND = 2
    THIRD = 3
    HIGHEST = 4

    @property
    def label(self) -> str:
        return {
            Band.LOWEST: "lowest quarter (below P25)",
            Band.SECOND: "second quarter (P25 to the median)",
            Band.THIRD: "third quarter (the median to P75)",
            Band.HIGHEST: "highest quarter (above P75)",
        }[self]


def band_of(value: float, p25: float, median: float, p75: float) -> Band:
    """The quarter of `value` among the quartiles: below P25, up to the median, up to P75,
    above P75 (a value equal to a quartile belongs to the quarter below it)."""
    if value < p25:
        return Band.LOWEST
    if value > p75:
        return Band.HIGHEST
    if value <= median:
        return Band.SECOND
    return Band.THIRD


def own_band(
    value: float | None, p25: Figure[float], median: Figure[float], p75: Figure[float], k: int
) -> Figure[Band]:
    """The band of the organisation's own value, shown exactly when the quartiles are."""
    if value is None:
        return Figure.hide(
            SuppressionReason(Reason.NO_OWN_VALUE, "your organisation has no value to compare")
        )
    if not (p25.shown and median.shown and p75.shown):
        reason = median.suppressed or too_few(k)
        return Figure.hide(reason)
    assert p25.value is not None and median.value is not None and p75.value is not None
    assert median.n is not None
    return Figure.show(band_of(value, p25.value, median.value, p75.value), median.n)


# --- JSON ----------------------------------------------------------------------------------------


def figure_to_json(figure: Figure[Any]) -> dict[str, Any]:
    if figure.suppressed is None:
        return {"v": figure.value, "n": figure.n}
    return {"r": figure.suppressed.code.value, "m": figure.suppressed.message}


def figure_from_json(data: Mapping[str, Any]) -> Figure[Any]:
    if "r" in data:
        return Figure.hide(SuppressionReason(Reason(data["r"]), str(data["m"])))
    return Figure.show(data["v"], int(data["n"]))


def _split_json(split: SplitFigures) -> dict[str, Any]:
    return {"count": figure_to_json(split.count), "mean_stage": figure_to_json(split.mean_stage)}


def _split_from(data: Mapping[str, Any]) -> SplitFigures:
    return SplitFigures(figure_from_json(data["count"]), figure_from_json(data["mean_stage"]))


def stage_to_json(f: StageFigures) -> dict[str, Any]:
    return {
        "organisations": figure_to_json(f.organisations),
        "distribution": [figure_to_json(x) for x in f.distribution],
        "mean": figure_to_json(f.mean),
        "p25": figure_to_json(f.p25),
        "median": figure_to_json(f.median),
        "p75": figure_to_json(f.p75),
        "branches": {b: figure_to_json(x) for b, x in f.branches.items()},
    }


def stage_from_json(data: Mapping[str, Any]) -> StageFigures:
    return StageFigures(
        organisations=figure_from_json(data["organisations"]),
        distribution=tuple(figure_from_json(x) for x in data["distribution"]),
        mean=figure_from_json(data["mean"]),
        p25=figure_from_json(data["p25"]),
        median=figure_from_json(data["median"]),
        p75=figure_from_json(data["p75"]),
        branches={b: figure_from_json(x) for b, x in data["branches"].items()},
    )


def pair_to_json(f: SplitPair) -> dict[str, Any]:
    return {"validated": _split_json(f.validated), "self_assessed": _split_json(f.self_assessed)}


def pair_from_json(data: Mapping[str, Any]) -> SplitPair:
    return SplitPair(_split_from(data["validated"]), _split_from(data["self_assessed"]))


def area_to_json(f: AreaFigures) -> dict[str, Any]:
    return {name: figure_to_json(x) for name, x in f.figures()}


def area_from_json(data: Mapping[str, Any]) -> AreaFigures:
    return AreaFigures(**{name: figure_from_json(data[name]) for name in AreaFigures.__slots__})
