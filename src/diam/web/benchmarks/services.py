"""Writes of the benchmarks app: keep the benchmark rows and the peer aggregates current.

- `benchmark_entry_refresh(organisation=, model_id=)` recomputes one organisation's row from its
  latest submitted or validated assessment of the model (deleting it when none is left) and
  bumps the model's population version. The assessment services call it on submit, reopen and
  rescore; the accounts service calls it (through `benchmark_organisation_refresh`) when the
  organisation's consent or peer attributes change.
- `benchmark_entries_rebuild(model_id=None)` rebuilds every row in bulk and the aggregates
  eagerly (`diam demo`, `diam rescore`).
- `peer_snapshot_build(model_id=)` builds the aggregates per (region, country, type, size band)
  of the consenting rows for the current version; the selectors call it lazily when the version
  moved since the last build.

Rows and aggregates never contain an organisation that opted out of benchmarking: its row is
kept (with `consent=False`) only so that it can see where it would stand among the others.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import F, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from diam.paths import UnknownModel, available_model_ids, latest_version
from diam.regions import region_for
from diam.stats import Aggregate, size_band
from diam.web.accounts.models import Organisation
from diam.web.assessments.models import Assessment, Status
from diam.web.benchmarks.models import BenchmarkEntry, PeerSnapshot

COUNTED = (Status.SUBMITTED, Status.VALIDATED)


# --- which model versions are compared --------------------------------------------------------


def benchmarked_major(model_id: str) -> str:
    """The major model version benchmarks compare: the latest installed one's ("2").

    The rule, in this one place (docs/benchmarks.md): benchmarks compare only assessments of
    the same major version of a model, because a major version changes what the stages ask
    (1.x and 2.x stages are not the same measure). An organisation whose latest submitted
    assessment is of an older major version takes no part until it moves to the current one.
    """
    try:
        return latest_version(model_id).split(".", 1)[0]
    except UnknownModel:
        return ""


def older_major_assessment(organisation_id: int, model_id: str) -> Assessment | None:
    """The organisation's latest submitted or validated assessment of an older major version
    of the model, when it has none of the benchmarked one (to say why it has no position)."""
    counted = Assessment.objects.filter(
        organisation_id=organisation_id, model_id=model_id, status__in=COUNTED
    )
    if comparable(counted, model_id).exists():
        return None
    return counted.order_by(F("submitted_at").desc(nulls_last=True), "-pk").first()


def comparable(queryset: QuerySet[Assessment], model_id: str | None = None) -> QuerySet[Assessment]:
    """Only assessments of the benchmarked major version of their model (of one model, or all)."""
    ids = [model_id] if model_id else available_model_ids()
    condition = Q(pk__in=[])
    for mid in ids:
        major = benchmarked_major(mid)
        if major:
            condition |= Q(model_id=mid, model_version__startswith=f"{major}.")
    return queryset.filter(condition)


# The fields of a row that come from the assessment and the organisation (everything but keys).
_VALUE_FIELDS = (
    "assessment_id",
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
    "consent",
    "is_demo",
)


# --- pausing per-row refreshes during bulk work -----------------------------------------------

_local = threading.local()


@contextmanager
def benchmark_refresh_paused() -> Iterator[None]:
    """Skip `benchmark_entry_refresh` inside the block (bulk loads that rebuild at the end).

    The caller must run `benchmark_entries_rebuild` afterwards; `diam demo` and `diam rescore`
    do, so thousands of rescored assessments cost one bulk rebuild instead of a refresh each.
    """
    previous = getattr(_local, "paused", False)
    _local.paused = True
    try:
        yield
    finally:
        _local.paused = previous


def _paused() -> bool:
    return bool(getattr(_local, "paused", False))


# --- one row ----------------------------------------------------------------------------------


def _assessed_on(submitted_at: datetime | None, created_at: datetime) -> date:
    return timezone.localdate(submitted_at or created_at)


def _country_code(organisation: Organisation) -> str:
    country = organisation.country
    return str(getattr(country, "code", country) or "")


def peer_attributes(organisation: Organisation) -> dict[str, str]:
    """The organisation's region, country, type and size band as the benchmark rows hold them."""
    country = _country_code(organisation)
    return {
        "region": organisation.region or (region_for(country) if country else ""),
        "country": country,
        "org_type": organisation.org_type,
        "size_band": size_band(organisation.beds, organisation.annual_exams),
    }


def _latest_counted(organisation_id: int, model_id: str) -> Assessment | None:
    return (
        comparable(
            Assessment.objects.filter(
                organisation_id=organisation_id,
                model_id=model_id,
                status__in=COUNTED,
                stage__isnull=False,
            ),
            model_id,
        )
        .only(
            "pk",
            "status",
            "stage",
            "core_stage",
            "branches",
            "focus_area_percents",
            "submitted_at",
            "created_at",
        )
        .order_by(F("submitted_at").desc(nulls_last=True), "-pk")
        .first()
    )


def _values(assessment: Assessment, organisation: Organisation) -> dict[str, Any]:
    assert assessment.stage is not None
    return {
        "assessment_id": assessment.pk,
        "stage": assessment.stage,
        "core_stage": assessment.core_stage if assessment.core_stage is not None else 0,
        "branches": "".join(sorted(assessment.branches or "")),
        "focus_area_percents": dict(assessment.focus_area_percents or {}),
        "validated": assessment.status == Status.VALIDATED,
        **peer_attributes(organisation),
        "assessed_on": _assessed_on(assessment.submitted_at, assessment.created_at),
        "consent": organisation.benchmarking_consent,
        "is_demo": organisation.is_demo,
    }


def population_bump(model_id: str) -> None:
    """Move the model's population version on (the aggregates are rebuilt when next read)."""
    bumped = PeerSnapshot.objects.filter(model_id=model_id).update(version=F("version") + 1)
    if bumped:
        return
    _, created = PeerSnapshot.objects.get_or_create(model_id=model_id)
    if not created:  # someone created it between our update and get_or_create
        PeerSnapshot.objects.filter(model_id=model_id).update(version=F("version") + 1)


@transaction.atomic
def benchmark_entry_refresh(*, organisation: Organisation, model_id: str) -> BenchmarkEntry | None:
    """Recompute the organisation's row for the model; bump the version when it changed.

    The row follows the organisation's latest submitted or validated assessment of the model
    (by submission time) and its current consent and peer attributes; it is deleted when no
    such assessment is left. Returns the row, or None when there is none (or refreshes are
    paused, see `benchmark_refresh_paused`).
    """
    if _paused():
        return None
    latest = _latest_counted(organisation.pk, model_id)
    entry = (
        BenchmarkEntry.objects.select_for_update()
        .filter(organisation_id=organisation.pk, model_id=model_id)
        .first()
    )
    old = None if entry is None else _counted_of({n: getattr(entry, n) for n in _VALUE_FIELDS})
    if latest is None:
        if entry is not None:
            entry.delete()
            population_changed(model_id, removed=old)
        return None
    values = _values(latest, organisation)
    if entry is None:
        entry = BenchmarkEntry.objects.create(
            organisation_id=organisation.pk, model_id=model_id, **values
        )
        population_changed(model_id, added=_counted_of(values))
        return entry
    if all(getattr(entry, name) == values[name] for name in _VALUE_FIELDS):
        return entry
    for name, value in values.items():
        setattr(entry, name, value)
    entry.save(update_fields=list(_VALUE_FIELDS))
    population_changed(model_id, removed=old, added=_counted_of(values))
    return entry


def benchmark_organisation_refresh(*, organisation: Organisation) -> None:
    """Refresh every row of the organisation (after a change of consent or peer attributes)."""
    model_ids = set(
        Assessment.objects.filter(organisation_id=organisation.pk, status__in=COUNTED)
        .values_list("model_id", flat=True)
        .distinct()
    )
    model_ids |= set(
        BenchmarkEntry.objects.filter(organisation_id=organisation.pk).values_list(
            "model_id", flat=True
        )
    )
    for model_id in sorted(model_ids):
        benchmark_entry_refresh(organisation=organisation, model_id=model_id)


def benchmark_refresh_after_delete(*, organisation_id: int, model_id: str) -> None:
    """Recompute a row after a counted assessment was deleted (possibly with its organisation)."""
    # The row went with the assessment (or the organisation) by cascade, without taking its
    # contribution out of the stored aggregates: recompute the row, then mark the aggregates
    # stale (the version moves past the build) so the next reader rebuilds them from the rows.
    with transaction.atomic():
        organisation = Organisation.objects.filter(pk=organisation_id).first()
        if organisation is not None:
            benchmark_entry_refresh(organisation=organisation, model_id=model_id)
        else:
            BenchmarkEntry.objects.filter(
                organisation_id=organisation_id, model_id=model_id
            ).delete()
        population_bump(model_id)


# --- every row --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RebuildSummary:
    entries: int
    models: tuple[str, ...]


_REBUILD_FIELDS = (
    "pk",
    "organisation_id",
    "model_id",
    "submitted_at",
    "created_at",
    "status",
    "stage",
    "core_stage",
    "branches",
    "focus_area_percents",
    "organisation__country",
    "organisation__region",
    "organisation__org_type",
    "organisation__beds",
    "organisation__annual_exams",
    "organisation__benchmarking_consent",
    "organisation__is_demo",
)


def _latest_rows(model_id: str | None) -> dict[tuple[int, str], tuple[Any, ...]]:
    queryset = comparable(
        Assessment.objects.filter(status__in=COUNTED, stage__isnull=False), model_id
    )
    if model_id:
        queryset = queryset.filter(model_id=model_id)
    latest: dict[tuple[int, str], tuple[Any, ...]] = {}
    order: dict[tuple[int, str], tuple[datetime, int]] = {}
    for row in queryset.order_by().values_list(*_REBUILD_FIELDS).iterator(chunk_size=5000):
        pk, org_id, model, submitted_at, created_at = row[:5]
        key = (org_id, model)
        # Latest by submission time; a submitted assessment without one sorts first.
        rank = (submitted_at or datetime.min.replace(tzinfo=created_at.tzinfo), pk)
        if key not in order or rank > order[key]:
            order[key] = rank
            latest[key] = row
    return latest


def _entry_from_row(row: tuple[Any, ...]) -> BenchmarkEntry:
    (
        pk,
        org_id,
        model,
        submitted_at,
        created_at,
        status,
        stage,
        core_stage,
        branches,
        percents,
        country,
        region,
        org_type,
        beds,
        exams,
        consent,
        is_demo,
    ) = row
    country = str(country or "")
    return BenchmarkEntry(
        organisation_id=org_id,
        model_id=model,
        assessment_id=pk,
        stage=stage,
        core_stage=core_stage if core_stage is not None else 0,
        branches="".join(sorted(branches or "")),
        focus_area_percents=dict(percents or {}),
        validated=status == Status.VALIDATED,
        region=region or (region_for(country) if country else ""),
        country=country,
        org_type=org_type,
        size_band=size_band(beds, exams),
        assessed_on=_assessed_on(submitted_at, created_at),
        consent=consent,
        is_demo=is_demo,
    )


def benchmark_entries_rebuild(*, model_id: str | None = None) -> RebuildSummary:
    """Rebuild every benchmark row (of one model, or all) and then the peer aggregates."""
    with transaction.atomic():
        rows = [_entry_from_row(row) for row in _latest_rows(model_id).values()]
        old = BenchmarkEntry.objects.all()
        known = PeerSnapshot.objects.all()
        if model_id:
            old = old.filter(model_id=model_id)
            known = known.filter(model_id=model_id)
        models = {e.model_id for e in rows} | set(old.values_list("model_id", flat=True))
        models |= set(known.values_list("model_id", flat=True))
        if model_id:
            models.add(model_id)
        old.delete()
        BenchmarkEntry.objects.bulk_create(rows, batch_size=2000)
        for model in sorted(models):
            population_bump(model)
    for model in sorted(models):
        peer_snapshot_build(model_id=model)
    return RebuildSummary(len(rows), tuple(sorted(models)))


# --- the aggregates ---------------------------------------------------------------------------
#
# Stored format of `PeerSnapshot.data` (compact: it is read by every process after a change):
#   {"format": 2, "organisations": n, "demo_organisations": d, "values": [v0, v1, ...],
#    "atoms": [[[region, country, org_type, size_band], n, [stage counts 0-7], validated,
#               validated_stage_sum, {letter: count}, {code: [value index, count, ...]}], ...]}
# Focus-area percents take few distinct values (a share of a handful of criteria), so they are
# listed once in "values" and the atoms hold small integers, which parse several times faster.

FORMAT = 2
AtomKey = tuple[str, str, str, str]


class Counted(NamedTuple):
    """What a consenting row contributes to its atom (`Aggregate.of` reads these attributes)."""

    key: AtomKey
    stage: int
    branches: str
    validated: bool
    focus_areas: dict[str, float | None]
    is_demo: bool


def _floats(percents: Mapping[str, Any] | None) -> dict[str, float | None]:
    return {c: None if v is None else float(v) for c, v in (percents or {}).items()}


def _counted_of(values: Mapping[str, Any]) -> Counted | None:
    """A row's contribution (as `_values` or a BenchmarkEntry has it); None if not consenting."""
    if not values["consent"]:
        return None
    return Counted(
        (values["region"], values["country"], values["org_type"], values["size_band"]),
        values["stage"],
        values["branches"],
        values["validated"],
        _floats(values["focus_area_percents"]),
        values["is_demo"],
    )


@dataclass
class Atoms:
    """The aggregates per combination of peer attributes, with the population's counts."""

    atoms: dict[AtomKey, Aggregate]
    organisations: int = 0
    demo_organisations: int = 0

    @classmethod
    def of(cls, rows: Iterable[Counted]) -> Atoms:
        cells: dict[AtomKey, list[Counted]] = {}
        n = demo = 0
        for row in rows:
            n += 1
            demo += row.is_demo
            cell = cells.get(row.key)
            if cell is None:
                cells[row.key] = [row]
            else:
                cell.append(row)
        atoms = {key: Aggregate.of(cell) for key, cell in cells.items()}
        return cls(atoms, n, demo)

    def add(self, row: Counted) -> None:
        agg = self.atoms.get(row.key)
        if agg is None:
            agg = self.atoms[row.key] = Aggregate()
        agg.add(Aggregate.of([row]))
        self.organisations += 1
        self.demo_organisations += row.is_demo

    def remove(self, row: Counted) -> None:
        """Take a row's contribution out again (the row must have been added)."""
        agg = self.atoms[row.key]
        agg.n -= 1
        agg.stages[row.stage] -= 1
        if row.validated:
            agg.validated -= 1
            agg.validated_stage_sum -= row.stage
        for letter in set(row.branches):
            agg.branches[letter] -= 1
            if not agg.branches[letter]:
                del agg.branches[letter]
        for code, value in row.focus_areas.items():
            if value is None:
                continue
            counts = agg.focus[code]
            counts[value] -= 1
            if not counts[value]:
                del counts[value]
        if not agg.n:
            del self.atoms[row.key]
        self.organisations -= 1
        self.demo_organisations -= row.is_demo

    def to_json(self) -> dict[str, Any]:
        values = sorted({v for agg in self.atoms.values() for c in agg.focus.values() for v in c})
        index = {v: i for i, v in enumerate(values)}
        atoms = []
        for key, agg in sorted(self.atoms.items()):
            focus = {
                code: [x for value, count in sorted(counts.items()) for x in (index[value], count)]
                for code, counts in sorted(agg.focus.items())
                if counts
            }
            atoms.append(
                [
                    list(key),
                    agg.n,
                    list(agg.stages),
                    agg.validated,
                    agg.validated_stage_sum,
                    dict(sorted(agg.branches.items())),
                    focus,
                ]
            )
        return {
            "format": FORMAT,
            "organisations": self.organisations,
            "demo_organisations": self.demo_organisations,
            "values": values,
            "atoms": atoms,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Atoms:
        if data.get("format") != FORMAT:
            raise ValueError("not a snapshot of this format")
        values = [float(v) for v in data["values"]]
        atoms: dict[AtomKey, Aggregate] = {}
        for key, n, stages, validated, vsum, branches, focus in data["atoms"]:
            atoms[(key[0], key[1], key[2], key[3])] = Aggregate(
                n=n,
                stages=list(stages),
                validated=validated,
                validated_stage_sum=vsum,
                branches=dict(branches),
                focus={
                    code: dict(zip(map(values.__getitem__, pairs[::2]), pairs[1::2], strict=True))
                    for code, pairs in focus.items()
                },
            )
        return cls(atoms, data["organisations"], data["demo_organisations"])

    def normalised(self) -> dict[AtomKey, Aggregate]:
        """The atoms without empty focus-area counts (for comparing two ways of building)."""
        return Atoms.from_json(self.to_json()).atoms


def _consenting_rows(model_id: str) -> Iterator[Counted]:
    """The model's consenting rows, read as plain text and parsed here (faster than the ORM's
    JSON decoding per row, which matters at 100,000 rows)."""
    rows = (
        BenchmarkEntry.objects.filter(model_id=model_id, consent=True)
        .order_by()
        .annotate(focus_text=Cast("focus_area_percents", TextField()))
        .values_list(
            "region",
            "country",
            "org_type",
            "size_band",
            "stage",
            "branches",
            "validated",
            "focus_text",
            "is_demo",
        )
    )
    loads = json.loads
    for region, country, org_type, band, stage, branches, validated, focus, demo in rows.iterator(
        chunk_size=5000
    ):
        percents = loads(focus) if focus else {}
        yield Counted(
            (region, country, org_type, band),
            stage,
            branches,
            validated,
            _floats(percents),
            demo,
        )


@dataclass(frozen=True)
class SnapshotBuild:
    """A build of a model's aggregates: for which version, its token and data, and whether it
    was stored (not when the version moved on while building; the next reader builds again)."""

    model_id: str
    version: int
    token: str
    stored: bool
    data: dict[str, Any]


def peer_snapshot_build(*, model_id: str) -> SnapshotBuild:
    """Build the model's aggregates from its rows for the current version; store them if the
    version did not move meanwhile."""
    snapshot, _ = PeerSnapshot.objects.get_or_create(model_id=model_id)
    version = snapshot.version
    data = Atoms.of(_consenting_rows(model_id)).to_json()
    token = secrets.token_hex(8)
    stored = PeerSnapshot.objects.filter(pk=snapshot.pk, version=version).update(
        built_version=version, token=token, built_at=timezone.now(), data=data
    )
    return SnapshotBuild(model_id, version, token, bool(stored), data)


def population_changed(
    model_id: str, removed: Counted | None = None, added: Counted | None = None
) -> None:
    """Move the model's population version on after one row changed (inside its transaction).

    When the stored aggregates are current, the change is applied to them (the old row's
    contribution out, the new one's in) and they stay current: no reader has to rebuild from
    the rows. Otherwise only the version moves and the next reader rebuilds.
    """
    snapshot = PeerSnapshot.objects.select_for_update().filter(model_id=model_id).first()
    if snapshot is None:
        population_bump(model_id)
        return
    version = snapshot.version + 1
    fields = ["version"]
    if snapshot.built_version == snapshot.version and snapshot.data:
        try:
            atoms = Atoms.from_json(snapshot.data)
            if removed is not None:
                atoms.remove(removed)
            if added is not None:
                atoms.add(added)
        except (KeyError, ValueError, IndexError, TypeError):
            pass  # not what it should be: leave it to a full rebuild
        else:
            snapshot.data = atoms.to_json()
            snapshot.built_version = version
            snapshot.token = secrets.token_hex(8)
            snapshot.built_at = timezone.now()
            fields += ["data", "built_version", "token", "built_at"]
    snapshot.version = version
    snapshot.save(update_fields=fields)
