"""Benchmark statistics and disclosure control (pure: no Django, no database, no clock).

Peer figures are published as *releases* (`cut_release`): computed once over a frozen
population of rows (`Entry`: an organisation's latest submitted or validated result and its
peer attributes), for every group any organisation can open, and checked together, against
every earlier release, so that no combination of figures of any pages, views and releases
isolates fewer than k organisations. `view_for(release, attrs, own)` gives an organisation's
groups with its own live values as percentile bands; `programme_statistics(release)` the
public and programme figures.

Every figure is a `Figure`: a value with its own n, or a `SuppressionReason` saying why it is
hidden. The rules are in docs/benchmarks.md and in the docstrings of `diam.stats.release`
(releases, over time), `diam.stats.guard` (the check over a release's groups),
`diam.stats.figuresets` (the figures of a group: quartiles, bands, small cells),
`diam.stats.disclosure` (small cells; the general exact check) and `diam.stats.groups` (size
bands and peer groups).
"""

from diam.stats.disclosure import guard_differencing, hidden_cells, leaks, share_hidden
from diam.stats.figures import (
    Figure,
    Reason,
    SuppressionReason,
    ValueCounts,
    quantile,
    too_few,
)
from diam.stats.figuresets import (
    PERCENT_GRID,
    STAGE_GRID,
    AreaFigures,
    Band,
    SplitFigures,
    SplitPair,
    StageFigures,
    band_of,
    on_grid,
    quartiles_need,
)
from diam.stats.groups import (
    BEDS_BOUNDS,
    DEFAULT_BRANCHES,
    EXAMS_BOUNDS,
    GLOBAL,
    SIZE_BAND_LABELS,
    SIZE_BANDS,
    SIZE_UNKNOWN,
    STAGES,
    VALIDATED_GROUP,
    Entry,
    OrgProfile,
    OwnOrganisation,
    PeerAttributes,
    PeerGroup,
    peer_groups_for,
    select_members,
    size_band,
)
from diam.stats.guard import family_leaks, release_guard
from diam.stats.programme import (
    PeriodRow,
    PlaceRow,
    ProgrammeStatistics,
    TimePoint,
    held_to,
    over_time,
    period_of,
    programme_statistics,
)
from diam.stats.release import (
    STAGE,
    GroupRecord,
    GroupView,
    Published,
    Record,
    Release,
    area_family,
    cut_release,
    families_of,
    group_of_key,
    view_for,
)
from diam.stats.summary import Aggregate

__all__ = [
    "BEDS_BOUNDS",
    "DEFAULT_BRANCHES",
    "EXAMS_BOUNDS",
    "GLOBAL",
    "PERCENT_GRID",
    "SIZE_BANDS",
    "SIZE_BAND_LABELS",
    "SIZE_UNKNOWN",
    "STAGE",
    "STAGES",
    "STAGE_GRID",
    "VALIDATED_GROUP",
    "Aggregate",
    "AreaFigures",
    "Band",
    "Entry",
    "Figure",
    "GroupRecord",
    "GroupView",
    "OrgProfile",
    "OwnOrganisation",
    "PeerAttributes",
    "PeerGroup",
    "PeriodRow",
    "PlaceRow",
    "ProgrammeStatistics",
    "Published",
    "Reason",
    "Record",
    "Release",
    "SplitFigures",
    "SplitPair",
    "StageFigures",
    "SuppressionReason",
    "TimePoint",
    "ValueCounts",
    "area_family",
    "band_of",
    "cut_release",
    "families_of",
    "family_leaks",
    "group_of_key",
    "guard_differencing",
    "held_to",
    "hidden_cells",
    "leaks",
    "on_grid",
    "over_time",
    "peer_groups_for",
    "period_of",
    "programme_statistics",
    "quantile",
    "quartiles_need",
    "release_guard",
    "select_members",
    "share_hidden",
    "size_band",
    "too_few",
    "view_for",
]
