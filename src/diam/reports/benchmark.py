"""The report's Benchmark section: the organisation among its peers (plain values, no stats).

The web layer fills a `PeerSection` from the latest benchmark release (every figure here is shown
there, computed from at least `k` organisations, with its n); `build_report` only carries it
and the renderers print it, each figure with its n. Hidden figures are `None` and say why in
`notes`.
"""

from __future__ import annotations

from dataclasses import dataclass

BENCHMARK_PLACEHOLDER = (
    "Benchmarks are not available yet: there are not enough organisations with submitted "
    "assessments among this organisation's peers."
)


@dataclass(frozen=True, slots=True)
class PeerArea:
    """One focus area's peer median (percent of criteria met) and how many organisations."""

    code: str
    name: str
    median: float | None  # None: hidden (the reason is in PeerSection.notes)
    n: int | None


@dataclass(frozen=True, slots=True)
class PeerSection:
    """The organisation's peer group (the most specific shown one) and its position in it."""

    group_label: str  # e.g. "Country: NL"
    n: int  # organisations in the group
    median_stage: float | None
    median_stage_n: int | None
    own_stage: int | None  # of the organisation's latest submitted assessment
    own_band: str | None  # the quarter of the group own_stage is in, e.g. "second quarter (...)"
    own_band_n: int | None  # organisations the quartiles are computed from
    areas: tuple[PeerArea, ...]
    notes: tuple[str, ...] = ()  # why figures are hidden
    basis: str = ""  # which assessment the position is of
    k: int = 5
    includes_demo: bool = False
    release: str = ""  # e.g. "Benchmark release 12 of 1 May 2026"

    def area_n(self, code: str) -> int | None:
        """The n of a focus area's peer median (None when hidden)."""
        return next((a.n for a in self.areas if a.code == code and a.median is not None), None)
