"""Time `cut_release` (pure: a release with the guard over every group and every earlier release)
at 1k / 10k / 100k rows.

Synthetic, realistic rows (diam.demo's organisations: 31 countries in 12 regions weighted like the
programme's early population, four types, beds or exams for the size band; ten focus areas of
about eight criteria each, so percentages take few distinct values; one in five validated). Per
size: the first release, then a second and a third each after 5 % of the organisations changed
their result (a month of resubmissions), checked against the earlier releases. A release is cut
once a month (or on command) by a batch job, never on a page request's hot path; the figure to
watch is that it stays in seconds at 100k.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from diam.demo import draw_stage, synthetic_organisation  # noqa: E402
from diam.regions import region_for  # noqa: E402
from diam.stats import Entry, cut_release, size_band  # noqa: E402

CODES = ("SI", "HX", "WS", "PU", "DS", "CD", "QS", "AA", "PE", "PM")
SIZES = (1_000, 10_000, 100_000)


def focus(rng: random.Random, stage: int) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for code in CODES:
        total = rng.choice((7, 8, 9))
        met = min(total, max(0, round(rng.gauss(stage * total / 7, 1.5))))
        out[code] = None if rng.random() < 0.05 else round(100 * met / total, 1)
    return out


def entries(n: int, seed: int = 1) -> list[Entry]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        spec = synthetic_organisation(rng, i)
        stage = draw_stage(rng)
        rows.append(
            Entry(
                organisation_id=i,
                stage=stage,
                core_stage=min(stage, 4),
                branches=frozenset("ABC"[: max(0, stage - 4)]),
                focus_areas=focus(rng, stage),
                validated=rng.random() < 0.2,
                region=region_for(spec.country),
                country=spec.country,
                org_type=spec.org_type,
                size_band=size_band(spec.beds, spec.annual_exams),
                assessed_on=date(2026, 1, 1),
            )
        )
    return rows


def changed(rows: list[Entry], share: float, seed: int) -> list[Entry]:
    rng = random.Random(seed)
    out = list(rows)
    for i in rng.sample(range(len(out)), int(len(out) * share)):
        stage = draw_stage(rng)
        e = out[i]
        out[i] = Entry(
            organisation_id=e.organisation_id,
            stage=stage,
            core_stage=min(stage, 4),
            branches=frozenset("ABC"[: max(0, stage - 4)]),
            focus_areas=focus(rng, stage),
            validated=e.validated,
            region=e.region,
            country=e.country,
            org_type=e.org_type,
            size_band=e.size_band,
            assessed_on=e.assessed_on,
        )
    return out


def main() -> None:
    print("cut_release, k = 5: the first release, then two more after 5 % changes each")
    for n in SIZES:
        live = entries(n)
        releases = []
        times = []
        for step in range(3):
            if step:
                live = changed(live, 0.05, seed=step)
            start = time.perf_counter()
            release = cut_release(
                number=step + 1,
                live=live,
                history=[r.published() for r in releases],
                k=5,
                focus_areas=CODES,
                previous=releases[-1] if releases else None,
            )
            times.append(time.perf_counter() - start)
            releases.append(release)
        last = releases[-1]
        print(
            f"{n:>7,} rows: {times[0]:.1f} s, {times[1]:.1f} s, {times[2]:.1f} s; "
            f"{len(last.shown('stage'))} of {len(last.groups)} groups shown; "
            f"{last.held_back} changes held back in the third"
        )


if __name__ == "__main__":
    main()
