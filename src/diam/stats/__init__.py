"""Benchmark statistics and disclosure control (pure: no Django, no database, no clock).

The web layer selects one row per organisation (`Entry`: its latest submitted or validated
assessment of a model, for organisations that take part in benchmarking) and asks for

- `benchmark_for(entries, own, k=5)`: the organisation's peer groups (`peer_groups_for`) with
  every figure disclosure-checked, including the differencing guard across the groups;
- `summarise(entries, k=5, own=None)`: the figures of one group with the per-figure rules;
- `programme_statistics(entries, k=5)`: programme-wide counts and stages by region, country
  and period (k=1 for programme admins).

Every figure is a `Figure`: a value with its own n, or a `SuppressionReason` saying why it is
hidden. The rules, the size bands and the percentile definitions are in docs/benchmarks.md and
in the docstrings of `diam.stats.groups` (size bands), `diam.stats.figures` (percentiles) and
`diam.stats.disclosure` (the rules and how the guard decides).
"""

from diam.stats.benchmark import (
    AttributeKey,
    Benchmark,
    GroupBenchmark,
    benchmark_for,
    benchmark_from_aggregates,
)
from diam.stats.disclosure import guard_differencing, hidden_cells, leaks, share_hidden
from diam.stats.figures import (
    Figure,
    Reason,
    SuppressionReason,
    ValueCounts,
    percentile_rank,
    quantile,
)
from diam.stats.groups import (
    BEDS_BOUNDS,
    DEFAULT_BRANCHES,
    EXAMS_BOUNDS,
    GLOBAL,
    SIZE_BAND_LABELS,
    SIZE_BANDS,
    SIZE_UNKNOWN,
    Entry,
    OrgProfile,
    OwnOrganisation,
    PeerAttributes,
    PeerGroup,
    peer_groups_for,
    select_members,
    size_band,
)
from diam.stats.programme import ProgrammeStatistics, StageRow, period_of, programme_statistics
from diam.stats.summary import (
    Aggregate,
    GroupSummary,
    SplitSummary,
    StageSummary,
    ValueSummary,
    summarise,
    summarise_aggregate,
)

__all__ = [
    "BEDS_BOUNDS",
    "DEFAULT_BRANCHES",
    "EXAMS_BOUNDS",
    "GLOBAL",
    "SIZE_BANDS",
    "SIZE_BAND_LABELS",
    "SIZE_UNKNOWN",
    "Aggregate",
    "AttributeKey",
    "Benchmark",
    "Entry",
    "Figure",
    "GroupBenchmark",
    "GroupSummary",
    "OrgProfile",
    "OwnOrganisation",
    "PeerAttributes",
    "PeerGroup",
    "ProgrammeStatistics",
    "Reason",
    "SplitSummary",
    "StageRow",
    "StageSummary",
    "SuppressionReason",
    "ValueCounts",
    "ValueSummary",
    "benchmark_for",
    "benchmark_from_aggregates",
    "guard_differencing",
    "hidden_cells",
    "leaks",
    "peer_groups_for",
    "percentile_rank",
    "period_of",
    "programme_statistics",
    "quantile",
    "select_members",
    "share_hidden",
    "size_band",
    "summarise",
    "summarise_aggregate",
]
