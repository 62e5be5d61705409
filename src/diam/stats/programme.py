"""Programme-wide statistics: how many organisations, and stages by region, country and time.

Programme admins call `programme_statistics(entries, k=1)` (every figure shown); the public
page calls it with the programme's k, and then every row and cell follows the same rules as a
benchmark (docs/benchmarks.md): each figure from at least k organisations, small cells hidden
with complementary suppression, and the differencing guard over all the rows shown together
(the overall row, regions, countries and periods are sums over sets of the same organisations,
so all of them are guarded as one family).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from diam.stats.disclosure import (
    accept_greedily,
    differencing,
    hidden_cells,
    partner_of,
    small_cell,
    small_table,
)
from diam.stats.figures import Figure, Reason, SuppressionReason, too_few
from diam.stats.groups import STAGES, Entry
from diam.stats.summary import Aggregate, SplitSummary, split_summaries

Period = Literal["year", "quarter"]


@dataclass(frozen=True, slots=True)
class StageRow:
    """One row: how many organisations, their mean stage and their distribution over stages."""

    key: str
    label: str
    count: Figure[int]
    mean_stage: Figure[float]
    distribution: tuple[Figure[int], ...]


@dataclass(frozen=True, slots=True)
class ProgrammeStatistics:
    k: int
    organisations: Figure[int]
    countries: Figure[int]
    overall: StageRow
    validated: SplitSummary
    self_assessed: SplitSummary
    by_region: tuple[StageRow, ...]
    by_country: tuple[StageRow, ...]
    over_time: tuple[StageRow, ...]  # by period of `assessed_on`, oldest first

    def rows(self) -> Iterator[StageRow]:
        yield self.overall
        yield from self.by_region
        yield from self.by_country
        yield from self.over_time

    def figures(self) -> Iterator[tuple[str, Figure[Any]]]:
        yield "organisations", self.organisations
        yield "countries", self.countries
        for part in ("validated", "self_assessed"):
            split: SplitSummary = getattr(self, part)
            yield f"{part}.count", split.count
            yield f"{part}.mean_stage", split.mean_stage
        for row in self.rows():
            yield f"{row.key}.count", row.count
            yield f"{row.key}.mean_stage", row.mean_stage
            for s, cell in zip(STAGES, row.distribution, strict=True):
                yield f"{row.key}.distribution.{s}", cell


def period_of(day: date, period: Period) -> str:
    """`2025` for a year, `2025-Q3` for a quarter."""
    if period == "year":
        return str(day.year)
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _row(key: str, label: str, stages: list[int], k: int) -> StageRow:
    n = sum(stages)
    mean = sum(s * c for s, c in zip(STAGES, stages, strict=True)) / n
    hide = hidden_cells(stages, k)
    if hide is None:
        reason = small_table(k)
        distribution = tuple(Figure[int].hide(reason) for _ in STAGES)
    else:
        distribution = tuple(
            Figure[int].hide(small_cell(k)) if s in hide else Figure.show(c, n)
            for s, c in zip(STAGES, stages, strict=True)
        )
    return StageRow(key, label, Figure.show(n, n), Figure.show(round(mean, 2), n), distribution)


def _hidden_row(key: str, label: str, reason: SuppressionReason) -> StageRow:
    h: Figure[Any] = Figure.hide(reason)
    return StageRow(key, label, h, h, tuple(h for _ in STAGES))


def programme_statistics(
    entries: Iterable[Entry], *, k: int = 5, period: Period = "year"
) -> ProgrammeStatistics:
    """Programme-wide figures, k-safe (k=1 shows everything, for programme admins)."""
    if k < 1:
        raise ValueError("k must be at least 1")
    rows = list(entries)
    by_key: Counter[tuple[str, str, str, int]] = Counter(
        (e.region, e.country, period_of(e.assessed_on, period), e.stage) for e in rows
    )
    regions = sorted({r for r, _, _, _ in by_key})
    countries = sorted({c for _, c, _, _ in by_key})
    periods = sorted({p for _, _, p, _ in by_key})
    # Sets: 0 = everybody, then regions, countries, periods.
    sets: list[tuple[str, str]] = [("all", "All organisations")]
    sets += [(f"region={r}", r) for r in regions]
    sets += [(f"country={c}", c) for c in countries]
    sets += [(f"period={p}", p) for p in periods]
    index = {key: i for i, (key, _) in enumerate(sets)}
    stages = [[0] * len(STAGES) for _ in sets]
    atoms: dict[int, int] = {}
    for (region, country, when, stage), count in by_key.items():
        members = (
            0,
            index[f"region={region}"],
            index[f"country={country}"],
            index[f"period={when}"],
        )
        sig = 0
        for i in members:
            stages[i][stage] += count
            sig |= 1 << i
        atoms[sig] = atoms.get(sig, 0) + count
    n = len(rows)
    validated = sum(1 for e in rows if e.validated)
    split_agg = Aggregate(
        n=n,
        stages=stages[0],
        validated=validated,
        validated_stage_sum=sum(e.stage for e in rows if e.validated),
    )

    if n < k:
        # Too few organisations for anything: one hidden overall row, no per-place rows (their
        # names would tell where the few organisations are).
        reason = too_few(k) if n else SuppressionReason(Reason.NO_DATA, "no organisations")
        hidden: Figure[Any] = Figure.hide(reason)
        return ProgrammeStatistics(
            k=k,
            organisations=hidden,
            countries=hidden,
            overall=_hidden_row(*sets[0], reason),
            validated=SplitSummary(hidden, hidden),
            self_assessed=SplitSummary(hidden, hidden),
            by_region=(),
            by_country=(),
            over_time=(),
        )
    results: dict[int, StageRow] = {}
    candidates = []
    for i, (key, label) in enumerate(sets):
        size = sum(stages[i])
        if size < k:
            results[i] = _hidden_row(key, label, too_few(k))
        elif i:
            candidates.append(i)
    # Geography before time; within each, larger rows first (so smaller ones are hidden).
    first_period = 1 + len(regions) + len(countries)
    order = sorted(candidates, key=lambda i: (i >= first_period, -sum(stages[i]), i))
    taken, rejected = accept_greedily(atoms, order, k, accepted=[0])
    for i in rejected:
        partner = partner_of(atoms, i, [0, *taken], k)
        other = None if partner is None else sets[partner][1]
        results[i] = _hidden_row(*sets[i], differencing(k, other))
    for i in [0, *taken]:
        results[i] = _row(*sets[i], stages[i], k)
    validated_split, self_split = split_summaries(split_agg, k)

    def part(start: int, stop: int) -> tuple[StageRow, ...]:
        return tuple(results[i] for i in range(start, stop))

    return ProgrammeStatistics(
        k=k,
        organisations=Figure.show(n, n),
        countries=Figure.show(len(countries), n),
        overall=results[0],
        validated=validated_split,
        self_assessed=self_split,
        by_region=part(1, 1 + len(regions)),
        by_country=part(1 + len(regions), first_period),
        over_time=part(first_period, len(sets)),
    )
