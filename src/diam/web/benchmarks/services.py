"""Writes of the benchmarks app: the live rows, and cutting releases from them.

- `benchmark_entry_refresh(organisation=, model_id=)` recomputes one organisation's live row from
  its latest submitted or validated assessment of the model (deleting it when none is left). The
  assessment services call it on submit, reopen and rescore (the validation app on a decision),
  accounts and verification when consent, peer attributes or verification change.
- `benchmark_entries_rebuild(model_id=None)` rebuilds every live row in bulk (`diam demo`,
  `diam rescore`).
- `benchmark_release_cut(model_id=, population=, ...)` cuts the next release of a series: the
  live rows of the population are handed to `diam.stats.cut_release` with the earlier releases,
  and the result (frozen rows, every group's figures) is stored. A plain service: the pages call
  `benchmark_release_cut_if_due` (the first request after a release is due cuts it), and so can a
  task runner or cron (`diam benchmarks release --if-due`); programme admins cut one at will.

Nothing a reader sees moves between releases: pages read releases only. An organisation's own
values are live; its peer figures and groups are those of the release.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from diam.paths import (
    DEFAULT_MODEL_ID,
    UnknownModel,
    available_model_ids,
    latest_version,
    shipped_model,
)
from diam.regions import region_for
from diam.stats import Entry, OrgProfile, Published, Release, cut_release, size_band
from diam.web.accounts.models import Organisation, User
from diam.web.assessments.models import Assessment, Status
from diam.web.audit.services import audit_record
from diam.web.benchmarks.models import (
    BenchmarkEntry,
    BenchmarkRelease,
    BenchmarkReleaseGroup,
    BenchmarkReleaseMember,
    BenchmarkSeries,
    Population,
    Trigger,
)

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
    "model_version",
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
    "verified",
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


def major_of(model_version: str) -> int:
    """The major version of a SemVer string (`2` for `2.1.0`); 0 when it is not one."""
    head = (model_version or "").split(".", 1)[0]
    return int(head) if head.isdigit() else 0


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


def _verified(organisation: Organisation) -> bool:
    from diam.web.verification.selectors import is_verified

    return is_verified(organisation)


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
            "model_version",
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
        "model_version": assessment.model_version or "",
        "stage": assessment.stage,
        "core_stage": assessment.core_stage if assessment.core_stage is not None else 0,
        "branches": "".join(sorted(assessment.branches or "")),
        "focus_area_percents": dict(assessment.focus_area_percents or {}),
        "validated": assessment.status == Status.VALIDATED,
        **peer_attributes(organisation),
        "assessed_on": _assessed_on(assessment.submitted_at, assessment.created_at),
        "consent": organisation.benchmarking_consent,
        "verified": _verified(organisation),
        "is_demo": organisation.is_demo,
    }


@transaction.atomic
def benchmark_entry_refresh(*, organisation: Organisation, model_id: str) -> BenchmarkEntry | None:
    """Recompute the organisation's live row for the model.

    The row follows the organisation's latest submitted or validated assessment of the model
    (by submission time) and its current consent, verification and peer attributes; it is
    deleted when no such assessment is left. Returns the row, or None when there is none (or
    refreshes are paused, see `benchmark_refresh_paused`). Published figures change only at
    the next release.
    """
    if _paused():
        return None
    latest = _latest_counted(organisation.pk, model_id)
    entry = (
        BenchmarkEntry.objects.select_for_update()
        .filter(organisation_id=organisation.pk, model_id=model_id)
        .first()
    )
    if latest is None:
        if entry is not None:
            entry.delete()
        return None
    values = _values(latest, organisation)
    if entry is None:
        return BenchmarkEntry.objects.create(
            organisation_id=organisation.pk, model_id=model_id, **values
        )
    if any(getattr(entry, name) != values[name] for name in _VALUE_FIELDS):
        for name, value in values.items():
            setattr(entry, name, value)
        entry.save(update_fields=list(_VALUE_FIELDS))
    return entry


def benchmark_organisation_refresh(*, organisation: Organisation) -> None:
    """Refresh every row of the organisation (consent, attributes or verification changed)."""
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
    with transaction.atomic():
        organisation = Organisation.objects.filter(pk=organisation_id).first()
        if organisation is not None:
            benchmark_entry_refresh(organisation=organisation, model_id=model_id)
        else:
            BenchmarkEntry.objects.filter(
                organisation_id=organisation_id, model_id=model_id
            ).delete()


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
    "model_version",
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
    "organisation__verification__status",
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
        model_version,
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
        verification,
    ) = row
    country = str(country or "")
    return BenchmarkEntry(
        organisation_id=org_id,
        model_id=model,
        model_version=model_version or "",
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
        verified=verification == "verified",
        is_demo=is_demo,
    )


@transaction.atomic
def benchmark_entries_rebuild(*, model_id: str | None = None) -> RebuildSummary:
    """Rebuild every live row (of one model, or all) in bulk."""
    rows = [_entry_from_row(row) for row in _latest_rows(model_id).values()]
    old = BenchmarkEntry.objects.all()
    if model_id:
        old = old.filter(model_id=model_id)
    models = {e.model_id for e in rows} | set(old.values_list("model_id", flat=True))
    old.delete()
    BenchmarkEntry.objects.bulk_create(rows, batch_size=2000)
    return RebuildSummary(len(rows), tuple(sorted(models)))


# --- releases ---------------------------------------------------------------------------------


def entry_of(row: BenchmarkEntry | BenchmarkReleaseMember) -> Entry:
    """The stats core's row for a live or a frozen benchmark row."""
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


def series_for(
    *, model_id: str = DEFAULT_MODEL_ID, population: str = Population.REAL, major: int | None = None
) -> BenchmarkSeries:
    """The series of releases (created on first use); the latest model's major by default."""
    if major is None:
        major = int(benchmarked_major(model_id) or 0)
    series, _ = BenchmarkSeries.objects.get_or_create(
        model_id=model_id, major=major, population=population
    )
    return series


def live_rows(series: BenchmarkSeries) -> list[Entry]:
    """The rows a release of the series is cut from (the one place that decides who counts):
    consenting organisations of the series' population (verified real ones, or the synthetic
    demo ones) whose latest counted assessment is of the series' major model version."""
    rows = BenchmarkEntry.objects.filter(
        model_id=series.model_id,
        consent=True,
        is_demo=series.population == Population.DEMO,
        model_version__startswith=f"{series.major}.",
    )
    if series.population == Population.REAL:
        rows = rows.filter(verified=True)
    return [entry_of(row) for row in rows.order_by("organisation_id").iterator(chunk_size=5000)]


def viewers(series: BenchmarkSeries) -> list[OrgProfile]:
    """Every organisation that may open a benchmark of the series (its groups are published):
    the verified real organisations, or the demo ones."""
    orgs = Organisation.objects.filter(is_demo=series.population == Population.DEMO)
    if series.population == Population.REAL:
        orgs = orgs.filter(verification__status="verified")
    return [
        OrgProfile(organisation_id=org.pk, **peer_attributes(org))
        for org in orgs.only("pk", "country", "region", "org_type", "beds", "annual_exams")
    ]


def release_of(row: BenchmarkRelease, *, with_members: bool = True) -> Release:
    """A stored release as the stats core's `Release`."""
    from diam.stats import GroupRecord

    groups = {
        g.key: GroupRecord.from_json(g.key, g.data)
        for g in BenchmarkReleaseGroup.objects.filter(release=row)
    }
    members: tuple[Entry, ...] = ()
    if with_members:
        members = tuple(
            entry_of(m)
            for m in BenchmarkReleaseMember.objects.filter(release=row)
            .order_by("organisation_id")
            .iterator(chunk_size=5000)
        )
    return Release(
        number=row.number,
        k=row.k,
        branches=tuple(row.branches),
        focus_areas=tuple(row.focus_areas),
        population=members,
        groups=groups,
        held_back=row.held_back,
    )


def _published(row: BenchmarkRelease) -> Published:
    shown: dict[str, set[str]] = {}
    for key, data in BenchmarkReleaseGroup.objects.filter(release=row).values_list("key", "data"):
        for family, record in data.items():
            if record.get("since") is not None:
                shown.setdefault(family, set()).add(key)
    members = [
        entry_of(m)
        for m in BenchmarkReleaseMember.objects.filter(release=row).iterator(chunk_size=5000)
    ]
    return Published(row.number, members, {f: frozenset(keys) for f, keys in shown.items()})


@transaction.atomic
def benchmark_release_cut(
    *,
    model_id: str = DEFAULT_MODEL_ID,
    population: str = Population.REAL,
    major: int | None = None,
    user: User | None = None,
    trigger: str = Trigger.COMMAND,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> BenchmarkRelease:
    """Cut the next release of a series from its live rows (module docstring); one at a time."""
    if population not in Population.values:
        raise ValueError(f"Unknown population {population!r}: use real or demo")
    model = shipped_model(model_id)
    series = series_for(model_id=model.id, population=population, major=major)
    series = BenchmarkSeries.objects.select_for_update().get(pk=series.pk)  # one cut at a time
    earlier = list(
        BenchmarkRelease.objects.filter(series=series).order_by("-number")[
            : settings.DIAM_BENCHMARK_RELEASE_HISTORY
        ]
    )[::-1]
    previous_row = earlier[-1] if earlier else None
    k = settings.DIAM_BENCHMARK_K
    release = cut_release(
        number=(previous_row.number + 1) if previous_row else 1,
        live=live_rows(series),
        history=[_published(row) for row in earlier],
        viewers=viewers(series),
        k=k,
        branches=[b.id for b in model.manifest.branches],
        focus_areas=[f.code for f in model.manifest.focus_areas],
        previous=release_of(previous_row, with_members=False) if previous_row else None,
    )
    row = BenchmarkRelease.objects.create(
        series=series,
        number=release.number,
        key=f"{series.model_id}-{series.major}-{series.population}-{release.number}",
        cut_at=now or timezone.now(),
        cut_by=user,
        trigger=trigger,
        k=k,
        organisations=release.organisations,
        held_back=release.held_back,
        branches="".join(release.branches),
        focus_areas=list(release.focus_areas),
    )
    BenchmarkReleaseGroup.objects.bulk_create(
        [
            BenchmarkReleaseGroup(
                release=row,
                key=key,
                dimensions="&".join(grec.group.dimensions),
                shown=grec.stage.shown,
                data=grec.to_json(),
            )
            for key, grec in release.groups.items()
        ],
        batch_size=500,
    )
    BenchmarkReleaseMember.objects.bulk_create(
        [
            BenchmarkReleaseMember(
                release=row,
                organisation_id=e.organisation_id,
                stage=e.stage,
                core_stage=e.core_stage,
                branches="".join(sorted(e.branches)),
                focus_area_percents=dict(e.focus_areas),
                validated=e.validated,
                region=e.region,
                country=e.country,
                org_type=e.org_type,
                size_band=e.size_band,
                assessed_on=e.assessed_on,
            )
            for e in release.population
        ],
        batch_size=2000,
    )
    audit_record(
        action="benchmarks.release_cut",
        actor=user,
        target=row,
        summary=f"Benchmark release {row.key} cut ({row.get_trigger_display()})",
        detail={
            "release": row.key,
            "organisations": row.organisations,
            "held_back": row.held_back,
            "groups_shown": sum(1 for g in release.groups.values() if g.stage.shown),
        },
        request=request,
    )
    return row


# --- the schedule -----------------------------------------------------------------------------


def _period(moment: datetime, every: str) -> tuple[int, int]:
    day = timezone.localdate(moment)
    if every == "week":
        year, week, _ = day.isocalendar()
        return year, week
    if every == "quarter":
        return day.year, (day.month - 1) // 3
    return day.year, day.month


def release_due(series: BenchmarkSeries, *, now: datetime | None = None) -> bool:
    """Whether the series has no release yet, or its latest is from an earlier period."""
    every = settings.DIAM_BENCHMARK_RELEASE_EVERY
    latest = BenchmarkRelease.objects.filter(series=series).order_by("-number").first()
    if latest is None:
        return True
    if every == "never":
        return False
    return _period(latest.cut_at, every) < _period(now or timezone.now(), every)


def benchmark_release_cut_if_due(
    *,
    model_id: str = DEFAULT_MODEL_ID,
    population: str = Population.REAL,
    now: datetime | None = None,
) -> BenchmarkRelease | None:
    """Cut the series' next release when it is due (the schedule); None when it is not."""
    series = series_for(model_id=model_id, population=population)
    if not release_due(series, now=now):
        return None
    with transaction.atomic():
        locked = BenchmarkSeries.objects.select_for_update().get(pk=series.pk)
        if not release_due(locked, now=now):  # another request cut it meanwhile
            return None
        return benchmark_release_cut(
            model_id=model_id, population=population, trigger=Trigger.SCHEDULE, now=now
        )
