"""Benchmark rows for tests: a factory with defaults, and hypothesis strategies."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import strategies as st

from diam.stats import Entry, PeerGroup

REGIONS = ("North", "South")
COUNTRIES = ("Aland", "Borduria", "Carpania")
TYPES = ("hospital", "centre")
SIZES = ("small", "large")
CODES = ("AA", "BB", "CC")

_next_id = 0


def make_entry(**overrides: Any) -> Entry:
    """An Entry with plain defaults; every field can be overridden."""
    global _next_id
    _next_id += 1
    fields: dict[str, Any] = {
        "organisation_id": _next_id,
        "stage": 3,
        "core_stage": 3,
        "branches": frozenset(),
        "focus_areas": {"AA": 50.0, "BB": 50.0},
        "validated": False,
        "region": "North",
        "country": "Aland",
        "org_type": "hospital",
        "size_band": "small",
        "assessed_on": date(2025, 1, 15),
    }
    fields.update(overrides)
    if "core_stage" not in overrides:
        fields["core_stage"] = min(fields["stage"], 4)
    return Entry(**fields)


def make_entries(count: int, **overrides: Any) -> list[Entry]:
    return [make_entry(**overrides) for _ in range(count)]


# Every group that can be formed over the attribute pools (for random group choices).
ALL_GROUPS: tuple[PeerGroup, ...] = tuple(
    dict.fromkeys(
        [PeerGroup()]
        + [PeerGroup(region=r) for r in REGIONS]
        + [PeerGroup(country=c) for c in COUNTRIES]
        + [PeerGroup(org_type=t) for t in TYPES]
        + [PeerGroup(size_band=s) for s in SIZES]
        + [PeerGroup(country=c, org_type=t) for c in COUNTRIES for t in TYPES]
        + [PeerGroup(region=r, org_type=t) for r in REGIONS for t in TYPES]
        + [PeerGroup(region=r, size_band=s) for r in REGIONS for s in SIZES]
    )
)

focus_value = st.one_of(
    st.none(), st.sampled_from([0.0, 12.5, 25.0, 50.0, 62.5, 87.5, 100.0]), st.floats(0, 100)
)


@st.composite
def entry_rows(draw: st.DrawFn, organisation_id: int) -> Entry:
    return draw(populations(min_size=1, max_size=1, first_id=organisation_id))[0]


@st.composite
def populations(
    draw: st.DrawFn, min_size: int = 0, max_size: int = 36, first_id: int = 0
) -> list[Entry]:
    """Rows drawn column by column (much faster to generate than row by row)."""
    size = draw(st.integers(min_size, max_size))

    def column(strategy: st.SearchStrategy[Any]) -> list[Any]:
        return draw(st.lists(strategy, min_size=size, max_size=size))

    stages = column(st.integers(0, 7))
    branches = column(st.sets(st.sampled_from("ABC")))
    focus = {code: column(focus_value) for code in CODES}
    validated = column(st.booleans())
    regions = column(st.sampled_from(REGIONS))
    countries = column(st.sampled_from(COUNTRIES))
    types = column(st.sampled_from(TYPES))
    sizes = column(st.sampled_from(SIZES))
    days = column(st.dates(date(2022, 1, 1), date(2025, 12, 31)))
    return [
        Entry(
            organisation_id=first_id + i,
            stage=stages[i],
            core_stage=min(stages[i], 4),
            branches=frozenset(branches[i]),
            focus_areas={code: focus[code][i] for code in CODES},
            validated=validated[i],
            region=regions[i],
            country=countries[i],
            org_type=types[i],
            size_band=sizes[i],
            assessed_on=days[i],
        )
        for i in range(size)
    ]
