"""Programme-wide statistics from a release, and the programme over time (pure).

`programme_statistics(release)` is what the public and the programme pages show: all
organisations, each region and each country, and the validated / self-assessed split, read
from the release's groups, so they are the very figures (and pass the very guard) of every
organisation's benchmark page. Only shown rows are listed: a region or country whose figures
are hidden is not named (its name would say that a few organisations take part there).

`over_time(points, period="year" | "quarter", k=...)` is the programme over time: the figures of
all organisations as published by the last release of each year or quarter. Those figures were
published (and guarded against each other) when their release was cut, so this view adds no
new set of organisations: a year minus a quarter is a difference between two releases, which
the release rules protect (docs/benchmarks.md §4). Each point keeps the k it was published
under; a point published under a smaller k than the one the page is held to (the operator
raised `DIAM_BENCHMARK_K` since) is hidden whole, because its cells and differences were only
guarded for the smaller k.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from diam.stats.figures import Reason, SuppressionReason
from diam.stats.figuresets import SplitPair, StageFigures, hidden_stage
from diam.stats.groups import GLOBAL, PeerGroup
from diam.stats.release import Record, Release

Period = Literal["year", "quarter"]


@dataclass(frozen=True, slots=True)
class PlaceRow:
    """A shown region or country with its stage figures."""

    group: PeerGroup
    record: Record

    @property
    def figures(self) -> StageFigures:
        assert isinstance(self.record.figures, StageFigures)
        return self.record.figures


@dataclass(frozen=True, slots=True)
class ProgrammeStatistics:
    release: int
    k: int
    overall: Record  # all organisations (stage figures)
    split: Record  # the validated / self-assessed split of all organisations
    by_region: tuple[PlaceRow, ...]  # shown regions only, by name
    by_country: tuple[PlaceRow, ...]  # shown countries only, by code

    @property
    def overall_figures(self) -> StageFigures:
        assert isinstance(self.overall.figures, StageFigures)
        return self.overall.figures

    @property
    def split_figures(self) -> SplitPair:
        assert isinstance(self.split.figures, SplitPair)
        return self.split.figures


def programme_statistics(release: Release) -> ProgrammeStatistics:
    regions, countries = [], []
    for key in sorted(release.groups):
        grec = release.groups[key]
        if not grec.stage.shown:
            continue
        if grec.group.dimensions == ("region",):
            regions.append(PlaceRow(grec.group, grec.stage))
        elif grec.group.dimensions == ("country",):
            countries.append(PlaceRow(grec.group, grec.stage))
    return ProgrammeStatistics(
        release=release.number,
        k=release.k,
        overall=release.record(GLOBAL).stage,
        split=release.split,
        by_region=tuple(regions),
        by_country=tuple(countries),
    )


def period_of(day: date, period: Period) -> str:
    """`2025` for a year, `2025-Q3` for a quarter."""
    if period == "year":
        return str(day.year)
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


@dataclass(frozen=True, slots=True)
class TimePoint:
    """A release's figures of all organisations, with when it was cut."""

    release: int
    cut_on: date
    overall: Record
    k: int  # the k the release was cut with


@dataclass(frozen=True, slots=True)
class PeriodRow:
    period: str
    point: TimePoint  # the last release of the period


def over_time(
    points: Iterable[TimePoint], period: Period = "year", *, k: int | None = None
) -> list[PeriodRow]:
    """Per year or quarter, the figures of all organisations of the last release in it; with
    `k`, those of a release cut under a smaller k are hidden (`held_to`). Empty without points."""
    last: dict[str, TimePoint] = {}
    for p in sorted(points, key=lambda p: (p.cut_on, p.release)):
        last[period_of(p.cut_on, period)] = p
    return [
        PeriodRow(label, last[label] if k is None else held_to(last[label], k))
        for label in sorted(last)
    ]


def held_to(point: TimePoint, k: int) -> TimePoint:
    """The point as it may be shown where figures need at least k organisations: unchanged if
    its release was cut with at least that k, else every figure hidden with the reason.

    Re-checking each figure against the larger k is not enough: a stage cell was shown with its
    group's n, not its own count, and the guard against differences ran with the smaller k."""
    if point.k >= k:
        return point
    reason = SuppressionReason(
        Reason.EARLIER_K,
        f"published when figures needed {point.k} organisations; hidden now that they need {k}",
    )
    figures = point.overall.figures
    branches = tuple(figures.branches) if isinstance(figures, StageFigures) else ()
    hidden = Record(hidden_stage(reason, branches), None, reason)
    return TimePoint(point.release, point.cut_on, hidden, point.k)


def shown_points(points: Sequence[TimePoint]) -> list[TimePoint]:
    """The points whose figures of all organisations are shown."""
    return [p for p in points if p.overall.shown]
