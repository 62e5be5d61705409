"""Reads of the benchmarks app: an organisation's benchmark, programme statistics, peer medians.

A benchmark page never reads the population's rows. The aggregates per (region, country,
org_type, size_band) do not depend on the viewer, so they are built once per population
version (`services.peer_snapshot_build`, stored in `PeerSnapshot`) and kept in this process
(`_populations`, keyed by model and build token). A request then costs the viewer's own row,
the snapshot's version, and `diam.stats.benchmark_from_aggregates` over a dozen merged cells
(the atoms merged per membership pattern of the viewer's groups, also kept per process).
"""

from __future__ import annotations

import threading
from collections import OrderedDict, namedtuple
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django_countries import countries

from diam.model.schema import Model
from diam.paths import DEFAULT_MODEL_ID, shipped_model
from diam.reports.benchmark import PeerArea, PeerSection
from diam.stats import (
    SIZE_BAND_LABELS,
    Aggregate,
    AttributeKey,
    Benchmark,
    Entry,
    GroupBenchmark,
    OrgProfile,
    PeerAttributes,
    PeerGroup,
    ProgrammeStatistics,
    benchmark_from_aggregates,
    peer_groups_for,
    programme_statistics,
)
from diam.web.accounts.models import Organisation, OrganisationType
from diam.web.assessments.models import Assessment
from diam.web.benchmarks import services
from diam.web.benchmarks.models import BenchmarkEntry, PeerSnapshot

_Key = namedtuple("_Key", "region country org_type size_band")

# Viewer keys whose merged cells one population keeps (each a dozen small aggregates).
CELL_MEMO_SIZE = 4096


# --- the population's aggregates ---------------------------------------------------------------


@dataclass
class Population:
    """One build of a model's aggregates: per combination of peer attributes, consenting only."""

    model_id: str
    version: int
    token: str
    organisations: int
    demo_organisations: int
    atoms: dict[AttributeKey, Aggregate]
    _cells: OrderedDict[AttributeKey, dict[AttributeKey, Aggregate]] = field(
        default_factory=OrderedDict, repr=False
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_build(cls, build: services.SnapshotBuild) -> Population:
        return cls.from_data(build.model_id, build.version, build.token, build.data)

    @classmethod
    def from_data(
        cls, model_id: str, version: int, token: str, data: Mapping[str, Any]
    ) -> Population:
        atoms = services.Atoms.from_json(data)
        return cls(
            model_id=model_id,
            version=version,
            token=token,
            organisations=atoms.organisations,
            demo_organisations=atoms.demo_organisations,
            atoms=atoms.atoms,
        )

    def cells_for(self, own: PeerAttributes) -> dict[AttributeKey, Aggregate]:
        """The atoms merged per membership pattern of `own`'s peer groups.

        `benchmark_from_aggregates` gives the same result for these as for all atoms (it merges
        them by the same pattern), but merges a dozen instead of hundreds.
        """
        key: AttributeKey = (own.region, own.country, own.org_type, own.size_band)
        with self._lock:
            cells = self._cells.get(key)
            if cells is not None:
                self._cells.move_to_end(key)
                return cells
        groups = peer_groups_for(own)
        merged: dict[int, tuple[AttributeKey, Aggregate]] = {}
        for atom_key, agg in self.atoms.items():
            attrs = _Key(*atom_key)
            mask = 0
            for i, group in enumerate(groups):
                if group.contains(attrs):
                    mask |= 1 << i
            if not mask:
                continue
            found = merged.get(mask)
            if found is None:
                merged[mask] = (atom_key, Aggregate.merged([agg]))
            else:
                found[1].add(agg)
        cells = dict(merged.values())
        with self._lock:
            self._cells[key] = cells
            while len(self._cells) > CELL_MEMO_SIZE:
                self._cells.popitem(last=False)
        return cells


_populations: dict[str, Population] = {}
_populations_lock = threading.Lock()


def population_for(model_id: str) -> Population:
    """The model's aggregates for its current version: from this process, the snapshot row, or
    built now (the first read after the population changed)."""
    row = (
        PeerSnapshot.objects.filter(model_id=model_id)
        .values_list("version", "built_version", "token")
        .first()
    )
    if row is None:
        # Every write of a row bumps (and so creates) the snapshot, and the migration that
        # fills rows creates it too: no snapshot means no rows, and nothing to build or store.
        return Population(model_id, 0, "", 0, 0, {})
    version, built_version, token = row
    if built_version == version:
        cached = _populations.get(model_id)
        if cached is not None and cached.token == token and cached.version == version:
            return cached
        data = (
            PeerSnapshot.objects.filter(model_id=model_id, token=token)
            .values_list("data", flat=True)
            .first()
        )
        if data is not None and data.get("format") == services.FORMAT:
            population = Population.from_data(model_id, version, token, data)
            with _populations_lock:
                _populations[model_id] = population
            return population
    build = services.peer_snapshot_build(model_id=model_id)
    population = Population.from_build(build)
    if build.stored:
        with _populations_lock:
            _populations[model_id] = population
    return population


def forget_populations() -> None:
    """Drop this process's copies (tests; the token check makes this unnecessary otherwise)."""
    with _populations_lock:
        _populations.clear()


# --- labels ------------------------------------------------------------------------------------


def country_name(code: str) -> str:
    return str(countries.name(code)) or code


def group_label(group: PeerGroup) -> str:
    """`Country: Netherlands · Type: Hospital` (the core's label says `Country: NL`)."""
    types = dict(OrganisationType.choices)
    parts = []
    if group.region is not None:
        parts.append(f"Region: {group.region}")
    if group.country is not None:
        parts.append(f"Country: {country_name(group.country)}")
    if group.org_type is not None:
        parts.append(f"Type: {types.get(group.org_type, group.org_type)}")
    if group.size_band is not None:
        parts.append(f"Size: {SIZE_BAND_LABELS.get(group.size_band, group.size_band)}")
    return " · ".join(parts) if parts else "Global"


# --- an organisation's benchmark ----------------------------------------------------------------


def entry_of(row: BenchmarkEntry) -> Entry:
    """The stats core's row for a benchmark row."""
    return Entry(
        organisation_id=row.organisation_id,
        stage=row.stage,
        core_stage=row.core_stage,
        branches=frozenset(row.branches),
        focus_areas={
            code: None if value is None else float(value)
            for code, value in (row.focus_area_percents or {}).items()
        },
        validated=row.validated,
        region=row.region,
        country=row.country,
        org_type=row.org_type,
        size_band=row.size_band,
        assessed_on=row.assessed_on,
    )


def profile_of(organisation: Organisation) -> OrgProfile:
    return OrgProfile(organisation_id=organisation.pk, **services.peer_attributes(organisation))


@dataclass(frozen=True)
class OrganisationBenchmark:
    """What the benchmark page shows for one organisation, with what it needs to say why."""

    organisation: Organisation
    model: Model
    k: int
    benchmark: Benchmark
    row: BenchmarkEntry | None  # the organisation's own row (None: nothing submitted)
    own: Entry | None
    own_counted: bool  # included in the figures (it consents)
    population: Population

    @property
    def groups(self) -> tuple[GroupBenchmark, ...]:
        return self.benchmark.groups

    @property
    def has_position(self) -> bool:
        return self.own is not None

    @property
    def opted_out(self) -> bool:
        if self.row is not None:
            return not self.row.consent
        return not self.organisation.benchmarking_consent

    @property
    def includes_demo(self) -> bool:
        return self.population.demo_organisations > 0

    def group(self, key: str | None) -> GroupBenchmark:
        """The group with this key, else the default one (`reference_group`)."""
        for g in self.groups:
            if g.group.key == key:
                return g
        return self.reference_group()

    def reference_group(self) -> GroupBenchmark:
        """The most specific shown group among country, region and global (else global)."""
        by_dimensions = {g.group.dimensions: g for g in self.groups}
        for dimensions in (("country",), ("region",), ()):
            g = by_dimensions.get(dimensions)
            if g is not None and g.shown:
                return g
        return self.groups[0]


def organisation_benchmark(
    *, organisation: Organisation, model_id: str = DEFAULT_MODEL_ID, k: int | None = None
) -> OrganisationBenchmark:
    """The organisation's benchmark over the model's consenting population (two queries)."""
    model = shipped_model(model_id)
    k = settings.DIAM_BENCHMARK_K if k is None else k
    row = BenchmarkEntry.objects.filter(organisation_id=organisation.pk, model_id=model.id).first()
    population = population_for(model.id)
    own = entry_of(row) if row is not None else None
    profile = own if own is not None else profile_of(organisation)
    own_counted = row is not None and row.consent
    benchmark = benchmark_from_aggregates(
        population.cells_for(profile),
        profile,
        own_entry=own,
        own_counted=own_counted,
        k=k,
        branches=[b.id for b in model.manifest.branches],
        focus_areas=[f.code for f in model.manifest.focus_areas],
    )
    return OrganisationBenchmark(
        organisation=organisation,
        model=model,
        k=k,
        benchmark=benchmark,
        row=row,
        own=own,
        own_counted=own_counted,
        population=population,
    )


# --- the report's hooks ---------------------------------------------------------------------------


def current_release_id(model_id: str) -> str:
    """A stable id of the peer figures reports show now for the model (stored report files are
    keyed on it): the population version of the peer aggregates, `none` without any.

    Frozen benchmark releases (issue 11) replace the body with the current release's id.
    """
    version = (
        PeerSnapshot.objects.filter(model_id=model_id).values_list("version", flat=True).first()
    )
    return "none" if version is None else f"population-{version}"


def peer_medians_for(assessment: Assessment) -> dict[str, float | None] | None:
    """Focus-area code -> peer median percent for the report's radar (None when suppressed).

    From the organisation's most specific shown group among country, region and global; None
    when none of them is shown (the report then says peers appear once benchmarks exist).
    """
    section = peer_section_for(assessment)
    if section is None:
        return None
    return {area.code: area.median for area in section.areas}


def _assessment_benchmark(assessment: Assessment) -> OrganisationBenchmark:
    """The organisation's benchmark, once per assessment instance (the report asks twice)."""
    cached: OrganisationBenchmark | None = getattr(assessment, "_peer_benchmark", None)
    if cached is None:
        cached = organisation_benchmark(
            organisation=assessment.organisation, model_id=assessment.model_id
        )
        assessment._peer_benchmark = cached  # type: ignore[attr-defined]
    return cached


def peer_section_for(assessment: Assessment) -> PeerSection | None:
    """The report's Benchmark section for the assessment's organisation (None: not available)."""
    ob = _assessment_benchmark(assessment)
    group = ob.reference_group()
    if not group.shown:
        return None
    summary = group.summary
    notes: list[str] = []
    areas = []
    for fa in ob.model.manifest.focus_areas:
        values = summary.focus_areas[fa.code]
        median = values.median
        if not median.shown and median.reason:
            notes.append(f"{fa.code}: {median.reason}")
        areas.append(PeerArea(code=fa.code, name=fa.name, median=median.value, n=median.n))
    rank = summary.stage.own_percentile
    basis = ""
    if ob.own is None:
        basis = "Submit an assessment to see your organisation's position among its peers."
    else:
        if not rank.shown and rank.reason:
            notes.append(f"Percentile rank: {rank.reason}")
        basis = (
            f"Position of the organisation's latest submitted assessment "
            f"(stage {ob.own.stage}, {ob.own.assessed_on:%d %B %Y})"
            + ("" if ob.own_counted else "; the organisation does not take part in benchmarks")
            + "."
        )
    return PeerSection(
        group_label=group_label(group.group),
        n=summary.organisations.value or 0,
        median_stage=summary.stage.median.value,
        own_stage=ob.own.stage if ob.own is not None else None,
        own_percentile=rank.value,
        own_percentile_n=rank.n,
        areas=tuple(areas),
        notes=tuple(notes),
        basis=basis,
        k=ob.k,
        includes_demo=ob.includes_demo,
    )


# --- programme statistics --------------------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeView:
    statistics: ProgrammeStatistics
    opted_out: int
    includes_demo: bool


_programme: dict[tuple[str, str, int, str], ProgrammeView] = {}


def _entries(model_id: str) -> list[Entry]:
    rows = BenchmarkEntry.objects.filter(model_id=model_id, consent=True).only(
        "organisation_id",
        "stage",
        "core_stage",
        "branches",
        "focus_area_percents",
        "validated",
        "region",
        "country",
        "org_type",
        "size_band",
        "assessed_on",
    )
    return [entry_of(row) for row in rows.iterator(chunk_size=5000)]


def programme_view(
    *, k: int, period: str = "year", model_id: str = DEFAULT_MODEL_ID
) -> ProgrammeView:
    """Programme-wide statistics of the consenting organisations (k=1 for programme admins)."""
    population = population_for(model_id)
    key = (model_id, population.token, k, period)
    cached = _programme.get(key)
    if cached is not None:
        return cached
    statistics = programme_statistics(
        _entries(model_id), k=k, period="quarter" if period == "quarter" else "year"
    )
    view = ProgrammeView(
        statistics=statistics,
        opted_out=BenchmarkEntry.objects.filter(model_id=model_id, consent=False).count(),
        includes_demo=population.demo_organisations > 0,
    )
    for old in [k_ for k_ in _programme if k_[0] == model_id and k_[1] != population.token]:
        _programme.pop(old, None)
    _programme[key] = view
    return view
