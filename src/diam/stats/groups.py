"""Benchmark rows (`Entry`), size bands and peer groups (pure; no Django).

Size bands
----------
An organisation's size band comes from its number of beds when known, otherwise from its annual
number of imaging examinations, otherwise it is `unknown` (`size_band(beds, annual_exams)`):

=============  ==============  =========================
Band           Beds            Annual imaging exams
=============  ==============  =========================
``small``      fewer than 100  fewer than 30,000
``medium``     100 to 299      30,000 to 99,999
``large``      300 to 599      100,000 to 199,999
``very-large`` 600 or more     200,000 or more
``unknown``    not given       not given
=============  ==============  =========================

The exam thresholds roughly match the bed thresholds for a general hospital (about 300
examinations per bed per year), so organisations sized either way share one set of bands.
An imaging centre without beds is banded by its exams.

Peer groups
-----------
A `PeerGroup` is a named filter over the peer attributes region, country, organisation type and
size band; an attribute left as `None` is not filtered on. `peer_groups_for(org)` gives an
organisation's own groups, most general first: global, its region, its country, its type, its
size band, country + type, region + type. A dimension whose value is unknown (empty, or the size
band `unknown`) is left out, since "organisations whose size is unknown" is no peer group.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Protocol, TypeVar

STAGES = tuple(range(8))  # stage 0-7 (docs/scoring.md)
DEFAULT_BRANCHES = ("A", "B", "C")

SIZE_SMALL, SIZE_MEDIUM, SIZE_LARGE, SIZE_VERY_LARGE = "small", "medium", "large", "very-large"
SIZE_UNKNOWN = "unknown"
SIZE_BANDS: tuple[str, ...] = (SIZE_SMALL, SIZE_MEDIUM, SIZE_LARGE, SIZE_VERY_LARGE)
# Lower bounds of the bands after the first, in the order of SIZE_BANDS.
BEDS_BOUNDS: tuple[int, ...] = (100, 300, 600)
EXAMS_BOUNDS: tuple[int, ...] = (30_000, 100_000, 200_000)
SIZE_BAND_LABELS: Mapping[str, str] = {
    SIZE_SMALL: "Small (<100 beds or <30,000 exams a year)",
    SIZE_MEDIUM: "Medium (100-299 beds or 30,000-99,999 exams)",
    SIZE_LARGE: "Large (300-599 beds or 100,000-199,999 exams)",
    SIZE_VERY_LARGE: "Very large (600+ beds or 200,000+ exams)",
    SIZE_UNKNOWN: "Size unknown",
}


def size_band(beds: int | None, annual_exams: int | None) -> str:
    """The size band from beds when given, else from annual exams; `unknown` when neither is."""
    if beds is not None:
        value, bounds = beds, BEDS_BOUNDS
    elif annual_exams is not None:
        value, bounds = annual_exams, EXAMS_BOUNDS
    else:
        return SIZE_UNKNOWN
    if value < 0:
        raise ValueError(f"a size cannot be negative: {value}")
    band = sum(1 for bound in bounds if value >= bound)
    return SIZE_BANDS[band]


class PeerAttributes(Protocol):
    """What places an organisation in peer groups (an `Entry` or an `OrgProfile`)."""

    @property
    def region(self) -> str: ...
    @property
    def country(self) -> str: ...
    @property
    def org_type(self) -> str: ...
    @property
    def size_band(self) -> str: ...


class OwnOrganisation(PeerAttributes, Protocol):
    """Peer attributes plus the organisation's id (an `Entry` or an `OrgProfile`)."""

    @property
    def organisation_id(self) -> int: ...


@dataclass(frozen=True, slots=True)
class OrgProfile:
    """An organisation's peer attributes, for one that may have no benchmark row of its own."""

    organisation_id: int
    region: str
    country: str
    org_type: str
    size_band: str


@dataclass(frozen=True, slots=True)
class Entry:
    """One organisation's row in a benchmark: its latest submitted or validated assessment.

    `focus_areas` maps a focus-area code to the percentage of its criteria met, or None when
    the organisation has no value for it (nothing applicable or nothing answered).
    """

    organisation_id: int
    stage: int
    core_stage: int
    branches: frozenset[str]
    focus_areas: Mapping[str, float | None]
    validated: bool
    region: str
    country: str
    org_type: str
    size_band: str
    assessed_on: date

    def __post_init__(self) -> None:
        if self.stage not in STAGES or self.core_stage not in STAGES:
            raise ValueError(f"stages are 0-7, got {self.stage} / {self.core_stage}")
        for code, value in self.focus_areas.items():
            if value is not None and not math.isfinite(value):
                raise ValueError(f"focus area {code}: {value} is not a number")


_DIMENSIONS = ("region", "country", "org_type", "size_band", "validated")
_DIMENSION_LABELS = {
    "region": "Region",
    "country": "Country",
    "org_type": "Type",
    "size_band": "Size",
    "validated": "Validated",
}


@dataclass(frozen=True, slots=True)
class PeerGroup:
    """A named filter over the peer attributes; `None` means "any".

    `validated=True` selects the organisations whose result was validated by an expert review
    (`VALIDATED_GROUP`, the validated part of the global group); no organisation's own groups
    filter on it.
    """

    region: str | None = None
    country: str | None = None
    org_type: str | None = None
    size_band: str | None = None
    validated: bool | None = None

    @property
    def key(self) -> str:
        """A stable identifier: `global`, or e.g. `country=NL&org_type=hospital`."""
        parts = [f"{d}={v}" for d, v in self._filters()]
        return "&".join(parts) if parts else "global"

    @property
    def label(self) -> str:
        """A human-readable name, e.g. `Country: NL · Type: hospital`."""
        parts = [f"{_DIMENSION_LABELS[d]}: {v}" for d, v in self._filters()]
        return " · ".join(parts) if parts else "Global"

    @property
    def dimensions(self) -> tuple[str, ...]:
        """The attributes this group filters on (empty for the global group)."""
        return tuple(d for d, _ in self._filters())

    def _filters(self) -> list[tuple[str, str]]:
        validated = None if self.validated is None else "yes" if self.validated else "no"
        values = (self.region, self.country, self.org_type, self.size_band, validated)
        return [(d, v) for d, v in zip(_DIMENSIONS, values, strict=True) if v is not None]

    def contains(self, org: PeerAttributes) -> bool:
        return (
            (self.region is None or org.region == self.region)
            and (self.country is None or org.country == self.country)
            and (self.org_type is None or org.org_type == self.org_type)
            and (self.size_band is None or org.size_band == self.size_band)
            and (self.validated is None or bool(getattr(org, "validated", False)) == self.validated)
        )


GLOBAL = PeerGroup()
VALIDATED_GROUP = PeerGroup(validated=True)
_E = TypeVar("_E", bound=PeerAttributes)


def _known(value: str) -> str | None:
    return value if value and value != SIZE_UNKNOWN else None


def peer_groups_for(org: PeerAttributes) -> list[PeerGroup]:
    """An organisation's own peer groups, most general first (see the module docstring).

    Dimensions with an unknown value are skipped, and so are combinations that would repeat a
    group already listed; the global group is always first.
    """
    region, country = _known(org.region), _known(org.country)
    org_type, band = _known(org.org_type), _known(org.size_band)
    candidates = [
        GLOBAL,
        PeerGroup(region=region) if region else None,
        PeerGroup(country=country) if country else None,
        PeerGroup(org_type=org_type) if org_type else None,
        PeerGroup(size_band=band) if band else None,
        PeerGroup(country=country, org_type=org_type) if country and org_type else None,
        PeerGroup(region=region, org_type=org_type) if region and org_type else None,
    ]
    groups: list[PeerGroup] = []
    for group in candidates:
        if group is not None and group not in groups:
            groups.append(group)
    return groups


def select_members(entries: Iterable[_E], group: PeerGroup) -> list[_E]:
    """The entries that belong to `group`, in their given order (empty when none do)."""
    return [e for e in entries if group.contains(e)]
