"""The report's Benchmark section: the organisation among its peers (plain values, no stats).

The web layer fills a `PeerSection` from its disclosure-checked benchmark (every figure here
was shown there, computed from at least `k` organisations); `build_report` only carries it and
the renderers print it. Hidden figures are `None` and say why in `notes`.
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
    own_stage: int | None  # of the organisation's latest submitted assessment
    own_percentile: float | None  # percentile rank of own_stage among the peers
    own_percentile_n: int | None  # peers besides the organisation
    areas: tuple[PeerArea, ...]
    notes: tuple[str, ...] = ()  # why figures are hidden
    basis: str = ""  # which assessment the position is of
    k: int = 5
    includes_demo: bool = False
