"""Time `benchmark_for` (pure benchmark statistics with disclosure control) at 1k/10k/100k rows.

Synthetic, realistic rows: countries nested in regions, four organisation types, five size
bands, ten focus areas of about eight criteria each (so percentages take few distinct values),
some focus areas without a value, one in five organisations validated. Prints the median of a
few runs for one organisation's benchmark, the same from pre-grouped aggregates (what the web
layer can get from SQL GROUP BY), and the programme-wide statistics.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from diam.stats import (  # noqa: E402
    SIZE_BANDS,
    SIZE_UNKNOWN,
    Aggregate,
    Entry,
    benchmark_for,
    benchmark_from_aggregates,
    programme_statistics,
)

CODES = ("SI", "HX", "WS", "PU", "DS", "CD", "QS", "AA", "PE", "PM")
TYPES = ("hospital", "hospital", "imaging_centre", "network", "other")
REGIONS = {f"Region {r}": [f"C{r}{c}" for c in range(8)] for r in "ABCDEF"}


def entries(n: int, seed: int = 1) -> list[Entry]:
    rng = random.Random(seed)
    regions = list(REGIONS)
    rows = []
    for i in range(n):
        region = rng.choice(regions)
        stage = min(7, max(0, round(rng.gauss(3, 1.6))))
        mastered = frozenset(rng.sample("ABC", stage - 4)) if stage > 4 else frozenset()
        focus: dict[str, float | None] = {}
        for code in CODES:
            total = rng.choice((7, 8, 9))
            met = min(total, max(0, round(rng.gauss(stage * total / 7, 1.5))))
            focus[code] = None if rng.random() < 0.05 else round(100 * met / total, 1)
        rows.append(
            Entry(
                organisation_id=i,
                stage=stage,
                core_stage=min(stage, 4),
                branches=mastered,
                focus_areas=focus,
                validated=rng.random() < 0.2,
                region=region,
                country=rng.choice(REGIONS[region]),
                org_type=rng.choice(TYPES),
                size_band=rng.choice((*SIZE_BANDS, SIZE_UNKNOWN)),
                assessed_on=date(2021 + rng.randrange(5), rng.randrange(1, 13), 1),
            )
        )
    return rows


def timed(fn: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs) * 1000


def main() -> None:
    print(f"{'rows':>8}  {'benchmark_for':>14}  {'from aggregates':>16}  {'programme':>10}")
    baseline = None
    for n in (1_000, 10_000, 100_000):
        rows = entries(n)
        own = rows[0]
        repeat = 15 if n <= 10_000 else 5
        t_rows = timed(lambda: benchmark_for(rows, own), repeat)  # noqa: B023
        grouped: dict[tuple[str, str, str, str], list[Entry]] = {}
        for e in rows:
            grouped.setdefault((e.region, e.country, e.org_type, e.size_band), []).append(e)
        aggregates = {key: Aggregate.of(group) for key, group in grouped.items()}
        t_aggs = timed(
            lambda: benchmark_from_aggregates(aggregates, own, own_entry=own),  # noqa: B023
            repeat,
        )
        t_prog = timed(lambda: programme_statistics(rows, k=5), repeat)  # noqa: B023
        baseline = baseline or t_rows
        print(
            f"{n:>8}  {t_rows:>11.1f} ms  {t_aggs:>13.1f} ms  {t_prog:>7.1f} ms"
            f"   ({t_rows / baseline:.1f}x the 1k time)"
        )


if __name__ == "__main__":
    main()
