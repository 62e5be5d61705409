"""Reads of the benchmarks app: releases, an organisation's benchmark, programme statistics,
and the peer figures the reports, the API and the research dataset use.

Every peer figure comes from the latest release of a series (`BenchmarkRelease`), never from
the live rows: nothing a reader sees moves between releases. A release is immutable, so its
parsed groups are kept per process (`_groups`). A page costs a handful of queries whatever the
population: the series' latest release, the viewer's frozen row, and the few groups it shows.

Who sees which series: a real, verified organisation sees the real series; a synthetic demo
organisation sees the demo series, and only in demo mode (`DIAM_DEMO_MODE`); an organisation not
yet verified sees no peer figures. The public page shows the real series, or the demo series in
demo mode (labelled).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from diam.model.schema import Model
from diam.paths import DEFAULT_MODEL_ID, shipped_model
from diam.reports.benchmark import PeerArea, PeerSection
from diam.stats import (
    GLOBAL,
    SIZE_BAND_LABELS,
    STAGE,
    VALIDATED_GROUP,
    AreaFigures,
    Entry,
    GroupRecord,
    GroupView,
    OrgProfile,
    PeerAttributes,
    PeerGroup,
    ProgrammeStatistics,
    Release,
    SplitPair,
    TimePoint,
    peer_groups_for,
    programme_statistics,
    view_for,
)
from diam.web.accounts.models import Organisation, OrganisationType
from diam.web.assessments.models import Assessment
from diam.web.benchmarks import services
from diam.web.benchmarks.models import (
    BenchmarkEntry,
    BenchmarkRelease,
    BenchmarkReleaseGroup,
    BenchmarkReleaseMember,
    BenchmarkSeries,
    Population,
)
from diam.web.core.countries import country_name

GROUP_CACHE_SIZE = 20_000  # parsed groups of immutable releases kept per process


def _one(queryset: QuerySet[Any]) -> Any:
    """The row of a lookup by a unique key, or None. Not `.first()`: its ORDER BY id can make
    PostgreSQL walk the primary key index of a large table instead of using the unique one."""
    return next(iter(queryset.order_by()[:1]), None)


# --- releases -----------------------------------------------------------------------------------


def demo_mode() -> bool:
    return bool(settings.DIAM_DEMO_MODE)


def latest_release(
    *, model_id: str = DEFAULT_MODEL_ID, population: str = Population.REAL, cut_if_due: bool = True
) -> BenchmarkRelease | None:
    """The series' latest release; when a new one is due, the first reader cuts it."""
    if cut_if_due and settings.DIAM_BENCHMARK_RELEASE_EVERY != "never":
        services.benchmark_release_cut_if_due(model_id=model_id, population=population)
    series = services.series_for(model_id=model_id, population=population)
    return BenchmarkRelease.objects.filter(series=series).order_by("-number").first()


def current_release_id(model_id: str) -> str:
    """A stable id of the latest releases of the model's series (real and demo, every major):
    it changes exactly when a new release is cut. Stored reports are keyed on it."""
    keys = []
    for series in BenchmarkSeries.objects.filter(model_id=model_id).order_by("population", "major"):
        latest = (
            BenchmarkRelease.objects.filter(series=series)
            .order_by("-number")
            .values_list("key", flat=True)
            .first()
        )
        if latest is not None:
            keys.append(latest)
    return "+".join(keys) if keys else f"{model_id}-none"


_groups: OrderedDict[tuple[int, str], GroupRecord] = OrderedDict()
_groups_lock = threading.Lock()


def release_groups(release: BenchmarkRelease, keys: Iterable[str]) -> dict[str, GroupRecord]:
    """Some groups of a release (a group it does not know is absent from the result)."""
    wanted = list(dict.fromkeys(keys))
    found: dict[str, GroupRecord] = {}
    with _groups_lock:
        for key in wanted:
            cached = _groups.get((release.pk, key))
            if cached is not None:
                found[key] = cached
    missing = [key for key in wanted if key not in found]
    if missing:
        rows = BenchmarkReleaseGroup.objects.filter(release=release, key__in=missing)
        with _groups_lock:
            for row in rows.values_list("key", "data"):
                record = GroupRecord.from_json(row[0], row[1])
                found[row[0]] = record
                _groups[(release.pk, row[0])] = record
            while len(_groups) > GROUP_CACHE_SIZE:
                _groups.popitem(last=False)
    return found


def release_view(release: BenchmarkRelease, keys: Iterable[str]) -> Release:
    """The stats core's `Release` holding just the given groups (no frozen rows)."""
    return Release(
        number=release.number,
        k=release.k,
        branches=tuple(release.branches),
        focus_areas=tuple(release.focus_areas),
        population=(),
        groups=release_groups(release, keys),
        held_back=release.held_back,
    )


def forget_releases() -> None:
    """Drop this process's parsed groups (tests; releases never change otherwise)."""
    with _groups_lock:
        _groups.clear()


# --- labels --------------------------------------------------------------------------------------


def group_label(group: PeerGroup) -> str:
    """`Country: Netherlands · Type: Hospital` (the core's label says `Country: NL`)."""
    if group == VALIDATED_GROUP:
        return "Validated organisations"
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


def release_label(release: BenchmarkRelease) -> str:
    """`Benchmark release 12 of 1 May 2026` (`demo` releases say so)."""
    demo = " (synthetic demo data)" if release.series.population == Population.DEMO else ""
    return f"Benchmark release {release.number} of {release.cut_at:%-d %B %Y}{demo}"


# --- an organisation's benchmark ---------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationBenchmark:
    """What an organisation sees of its peers, and what it needs to say why."""

    organisation: Organisation
    model: Model
    k: int
    release: BenchmarkRelease | None
    unavailable: str  # why no peer figures are shown ("" when they are)
    groups: tuple[GroupView, ...] = ()
    split: GroupRecord | None = None
    own: Entry | None = None  # the organisation's live values (its latest counted result)
    own_row: BenchmarkEntry | None = None
    counted: bool = False  # its row is in this release's frozen population
    attributes: PeerAttributes | None = None  # where it sits in the release
    other_major: str = ""  # its latest result is of another major model version
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def available(self) -> bool:
        return self.release is not None and not self.unavailable

    @property
    def has_position(self) -> bool:
        return self.own is not None

    @property
    def opted_out(self) -> bool:
        return not self.organisation.benchmarking_consent

    @property
    def is_demo(self) -> bool:
        return self.release is not None and self.release.series.population == Population.DEMO

    @property
    def release_label(self) -> str:
        return release_label(self.release) if self.release is not None else ""

    def group(self, key: str | None) -> GroupView | None:
        """The group with this key, else the default one (`reference_group`)."""
        for g in self.groups:
            if g.group.key == key:
                return g
        return self.reference_group()

    def reference_group(self) -> GroupView | None:
        """The most specific shown group among country, region and global (else global)."""
        by_dimensions = {g.group.dimensions: g for g in self.groups}
        for dimensions in (("country",), ("region",), ()):
            g = by_dimensions.get(dimensions)
            if g is not None and g.shown:
                return g
        return self.groups[0] if self.groups else None


def _population_for(organisation: Organisation) -> tuple[str | None, str]:
    """The series an organisation sees, or why none."""
    if organisation.is_demo:
        if demo_mode():
            return Population.DEMO, ""
        return None, (
            "Demonstration organisations see benchmark figures only when diam runs in demo mode."
        )
    from diam.web.verification.selectors import is_verified

    if not is_verified(organisation):
        return None, (
            "Benchmarks are shown once a programme admin has verified this organisation: only "
            "verified organisations count in, and see, the figures."
        )
    return Population.REAL, ""


def organisation_benchmark(
    *, organisation: Organisation, model_id: str = DEFAULT_MODEL_ID
) -> OrganisationBenchmark:
    """The organisation's groups in the latest release, with its own live values as bands."""
    model = shipped_model(model_id)
    k = settings.DIAM_BENCHMARK_K
    population, why = _population_for(organisation)
    own_row = _one(BenchmarkEntry.objects.filter(organisation=organisation, model_id=model.id))
    if population is None:
        return OrganisationBenchmark(organisation, model, k, None, why, own_row=own_row)
    release = latest_release(model_id=model.id, population=population)
    if release is None:
        return OrganisationBenchmark(
            organisation, model, k, None, "No benchmark release has been published yet."
        )
    major = services.major_of(model.version)
    own = None
    other_major = ""
    if own_row is not None:
        if services.major_of(own_row.model_version) == major:
            own = services.entry_of(own_row)
        else:
            other_major = own_row.model_version
    member = _one(
        BenchmarkReleaseMember.objects.filter(release=release, organisation_id=organisation.pk)
    )
    attributes: PeerAttributes
    if member is not None:
        attributes = services.entry_of(member)  # its place in the release, not its settings now
    else:
        attributes = OrgProfile(
            organisation_id=organisation.pk, **services.peer_attributes(organisation)
        )
    keys = [g.key for g in peer_groups_for(attributes)] + [VALIDATED_GROUP.key]
    core = release_view(release, keys)
    return OrganisationBenchmark(
        organisation=organisation,
        model=model,
        k=release.k,
        release=release,
        unavailable="",
        groups=tuple(view_for(core, attributes, own)),
        split=core.record(VALIDATED_GROUP),
        own=own,
        own_row=own_row,
        counted=member is not None,
        attributes=attributes,
        other_major=other_major,
    )


# --- peer figures for reports, the API and the research dataset ---------------------------------


@dataclass(frozen=True)
class PeerFigure:
    """One figure as plain values: shown with its n, or hidden with the reason."""

    value: float | int | None
    n: int | None
    hidden: str = ""  # the reason, when hidden


@dataclass(frozen=True)
class PeerGroupFigures:
    key: str
    label: str
    shown: bool
    hidden: str
    unchanged_since: int | None  # figures unchanged since this earlier release
    organisations: PeerFigure
    mean_stage: PeerFigure
    median_stage: PeerFigure
    stage_band: PeerFigure  # the organisation's quarter (1-4) from the quartiles
    areas: dict[str, dict[str, PeerFigure]]  # code -> count, mean, p25, median, p75, band


@dataclass(frozen=True)
class PeerFigures:
    """An organisation's peer figures from the latest release (or why there are none)."""

    release: str  # the release key ("" when none)
    release_number: int | None
    cut_at: datetime | None
    k: int
    demo: bool
    unavailable: str
    groups: tuple[PeerGroupFigures, ...]


def _plain(figure: object) -> PeerFigure:
    from diam.stats import Figure

    assert isinstance(figure, Figure)
    if figure.shown:
        value = figure.value
        return PeerFigure(int(value) if hasattr(value, "label") else value, figure.n)
    return PeerFigure(None, None, figure.reason or "")


def peer_figures_for(
    *, organisation: Organisation, model_id: str = DEFAULT_MODEL_ID
) -> PeerFigures:
    """The organisation's peer figures from the latest release, as plain values: for the report
    builder, the API and the research dataset. Every figure carries its n or why it is hidden;
    the bands place the organisation's live values among the release's quartiles."""
    ob = organisation_benchmark(organisation=organisation, model_id=model_id)
    groups = []
    for g in ob.groups:
        stage = g.stage
        groups.append(
            PeerGroupFigures(
                key=g.group.key,
                label=group_label(g.group),
                shown=g.shown,
                hidden=g.reason.message if g.reason is not None else "",
                unchanged_since=unchanged_since(g.record, STAGE, ob.release),
                organisations=_plain(stage.organisations),
                mean_stage=_plain(stage.mean),
                median_stage=_plain(stage.median),
                stage_band=_plain(g.stage_band),
                areas={
                    code: {
                        **{name: _plain(f) for name, f in area.figures()},
                        "band": _plain(g.area_bands[code]),
                    }
                    for code, area in g.areas.items()
                },
            )
        )
    release = ob.release
    return PeerFigures(
        release=release.key if release is not None else "",
        release_number=release.number if release is not None else None,
        cut_at=release.cut_at if release is not None else None,
        k=ob.k,
        demo=ob.is_demo,
        unavailable=ob.unavailable,
        groups=tuple(groups),
    )


def unchanged_since(
    record: GroupRecord, family: str, release: BenchmarkRelease | None
) -> int | None:
    """The earlier release a family's figures are unchanged since, or None (new, or hidden)."""
    since = record.records[family].since if family in record.records else None
    if release is None or since is None or since == release.number:
        return None
    return since


# --- the report's hooks ---------------------------------------------------------------------------


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
    group = ob.reference_group() if ob.available else None
    if group is None or not group.shown or ob.release is None:
        return None
    stage = group.stage
    notes: list[str] = []
    areas = []
    for fa in ob.model.manifest.focus_areas:
        values: AreaFigures = group.areas[fa.code]
        median = values.median
        if not median.shown and median.reason:
            notes.append(f"{fa.code}: {median.reason}")
        areas.append(PeerArea(code=fa.code, name=fa.name, median=median.value, n=median.n))
    band = group.stage_band
    basis = ""
    if ob.own is None:
        basis = "Submit an assessment to see your organisation's position among its peers."
    else:
        if not band.shown and band.reason:
            notes.append(f"Position: {band.reason}")
        basis = (
            f"Position of the organisation's latest submitted assessment "
            f"(stage {ob.own.stage}, {ob.own.assessed_on:%d %B %Y})"
            + ("" if ob.counted else "; it is not (yet) counted in this release")
            + "."
        )
    since = unchanged_since(group.record, STAGE, ob.release)
    if since is not None:
        notes.append(f"The group's figures are unchanged since release {since}.")
    assert isinstance(stage.organisations.value, int)
    return PeerSection(
        group_label=group_label(group.group),
        n=stage.organisations.value,
        median_stage=stage.median.value,
        median_stage_n=stage.median.n,
        own_stage=ob.own.stage if ob.own is not None else None,
        own_band=band.value.label if band.value is not None else None,
        own_band_n=band.n,
        areas=tuple(areas),
        notes=tuple(notes),
        basis=basis,
        k=ob.k,
        includes_demo=ob.is_demo,
        release=release_label(ob.release),
    )


def peer_medians_for(assessment: Assessment) -> dict[str, float | None] | None:
    """Focus-area code -> peer median percent for the report's radar (None when hidden).

    From the organisation's most specific shown group among country, region and global; None
    when none of them is shown (the report then says peers appear once benchmarks exist). The
    n of each median is in `peer_section_for(...).areas`."""
    section = peer_section_for(assessment)
    if section is None:
        return None
    return {area.code: area.median for area in section.areas}


# --- programme statistics --------------------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeView:
    release: BenchmarkRelease | None
    statistics: ProgrammeStatistics | None
    history: tuple[TimePoint, ...]  # the global figures of every release, oldest first

    @property
    def is_demo(self) -> bool:
        return self.release is not None and self.release.series.population == Population.DEMO


def public_population() -> str:
    return Population.DEMO if demo_mode() else Population.REAL


def programme_view(
    *, population: str = Population.REAL, model_id: str = DEFAULT_MODEL_ID
) -> ProgrammeView:
    """The latest release's programme figures (all, regions, countries, the split) and the
    history of every release's figures of all organisations."""
    release = latest_release(model_id=model_id, population=population)
    if release is None:
        return ProgrammeView(None, None, ())
    keys = list(
        BenchmarkReleaseGroup.objects.filter(
            release=release, dimensions__in=("", "region", "country")
        ).values_list("key", flat=True)
    )
    core = release_view(release, [*keys, GLOBAL.key, VALIDATED_GROUP.key])
    history = []
    for row in BenchmarkRelease.objects.filter(series=release.series).order_by("number"):
        record = release_groups(row, [GLOBAL.key]).get(GLOBAL.key)
        if record is not None:
            history.append(TimePoint(row.number, row.cut_at.date(), record.stage, row.k))
    return ProgrammeView(release, programme_statistics(core), tuple(history))


def release_list(
    *, population: str = Population.REAL, model_id: str = DEFAULT_MODEL_ID
) -> list[BenchmarkRelease]:
    series = services.series_for(model_id=model_id, population=population)
    return list(BenchmarkRelease.objects.filter(series=series).order_by("-number"))


def split_figures(record: GroupRecord | None) -> SplitPair | None:
    if record is None:
        return None
    figures = record.stage.figures
    return figures if isinstance(figures, SplitPair) else None


def schedule_text() -> str:
    """How releases are cut, for the programme page."""
    every = settings.DIAM_BENCHMARK_RELEASE_EVERY
    if every == "never":
        return "Releases are cut only on command (DIAM_BENCHMARK_RELEASE_EVERY=never)."
    return (
        f"A new release is cut once a {every}, by the first visit after it is due (or by "
        "`diam benchmarks release --if-due` from a scheduler), and whenever a programme admin "
        "cuts one here or with `diam benchmarks release`."
    )
