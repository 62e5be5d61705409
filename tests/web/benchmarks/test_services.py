"""Benchmark rows follow submissions, reopenings, consent and peer attributes; the aggregates
follow the rows; opted-out organisations are never counted."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from diam.stats import benchmark_for
from diam.web.accounts.services import OrganisationDetails, organisation_update
from diam.web.assessments.models import Assessment, Status
from diam.web.assessments.services import assessment_reopen, assessment_submit
from diam.web.benchmarks import selectors
from diam.web.benchmarks.models import BenchmarkEntry, PeerSnapshot
from diam.web.benchmarks.services import (
    Atoms,
    _consenting_rows,
    benchmark_entries_rebuild,
    benchmark_entry_refresh,
    benchmark_refresh_paused,
)
from diam.web.core.maintenance import assessments_rescore
from tests.web.benchmarks.conftest import entries, peer, percents, submitted

MODEL = "radiology"


def version() -> int:
    return PeerSnapshot.objects.get(model_id=MODEL).version


def details(org, **changes) -> OrganisationDetails:
    base = {
        "name": org.name,
        "org_type": org.org_type,
        "country": str(org.country.code),
        "beds": org.beds,
        "annual_exams": org.annual_exams,
        "service_areas": list(org.service_areas),
        "benchmarking_consent": org.benchmarking_consent,
    }
    return OrganisationDetails(**{**base, **changes})


def test_submit_creates_the_row_with_the_peer_attributes(org, alice, assessment) -> None:
    assert not BenchmarkEntry.objects.exists()
    assessment_submit(assessment=assessment, user=alice)
    assessment.refresh_from_db()
    row = BenchmarkEntry.objects.get(organisation=org, model_id=MODEL)
    assert row.assessment_id == assessment.pk
    assert (row.stage, row.core_stage, row.validated) == (assessment.stage, 0, False)
    assert row.focus_area_percents == assessment.focus_area_percents
    assert (row.region, row.country, row.org_type, row.size_band) == (
        "Western Europe",
        "NL",
        "hospital",
        "large",  # 450 beds
    )
    assert row.consent and not row.is_demo
    assert row.assessed_on == timezone.localdate(assessment.submitted_at)
    assert version() >= 1


def test_reopen_falls_back_to_the_previous_submission_then_removes_the_row(
    org, alice, assessment
) -> None:
    older = submitted(org, 2, when=timezone.now() - timedelta(days=400))
    assert BenchmarkEntry.objects.get(organisation=org).assessment_id == older.pk
    assessment_submit(assessment=assessment, user=alice)
    assert BenchmarkEntry.objects.get(organisation=org).assessment_id == assessment.pk
    before = version()
    assessment_reopen(assessment=assessment, user=alice, reason="Fix an answer")
    row = BenchmarkEntry.objects.get(organisation=org)
    assert (row.assessment_id, row.stage) == (older.pk, 2)
    assert version() > before
    assessment_reopen(assessment=older, user=alice, reason="Start again")
    assert not BenchmarkEntry.objects.filter(organisation=org).exists()


def test_only_the_latest_submitted_or_validated_assessment_counts(org) -> None:
    now = timezone.now()
    submitted(org, 6, validated=True, when=now - timedelta(days=300))
    latest = submitted(org, 2, when=now - timedelta(days=10))
    submitted(org, 5, when=now - timedelta(days=200))
    Assessment.objects.create(  # a newer draft never counts
        organisation=org, title="Draft", model_id=MODEL, model_version="1.0.0", stage=7
    )
    benchmark_entry_refresh(organisation=org, model_id=MODEL)
    row = BenchmarkEntry.objects.get(organisation=org)
    assert (row.assessment_id, row.stage, row.validated) == (latest.pk, 2, False)
    assert BenchmarkEntry.objects.count() == 1


def test_an_unchanged_row_does_not_move_the_version(org) -> None:
    submitted(org, 3)
    before = version()
    benchmark_entry_refresh(organisation=org, model_id=MODEL)
    organisation_update(organisation=org, details=details(org))  # nothing benchmark-relevant
    assert version() == before


def test_consent_and_peer_attributes_follow_the_organisation_settings(org) -> None:
    submitted(org, 3)
    before = version()
    organisation_update(organisation=org, details=details(org, benchmarking_consent=False))
    row = BenchmarkEntry.objects.get(organisation=org)
    assert not row.consent and version() > before
    organisation_update(
        organisation=org,
        details=details(org, benchmarking_consent=True, country="SE", beds=None, annual_exams=None),
    )
    row.refresh_from_db()
    assert (row.consent, row.country, row.region, row.size_band) == (
        True,
        "SE",
        "Northern Europe",
        "unknown",
    )


def test_opted_out_organisations_are_never_counted(org) -> None:
    for i in range(6):
        peer(f"Peer {i}", country="NL", stage=3)
    out = peer("Opted out", country="NL", stage=7, consent=False)
    population = selectors.population_for(MODEL)
    assert population.organisations == 6  # St Elsewhere has no row; the opted-out one is out
    ob = selectors.organisation_benchmark(organisation=org)
    country = ob.benchmark.group("country=NL").summary
    assert country.organisations.value == 6
    assert country.stage.distribution[7].value == 0
    # The opted-out organisation still sees the others, ranked among them but not counted.
    mine = selectors.organisation_benchmark(organisation=out)
    assert not mine.own_counted and mine.opted_out
    summary = mine.benchmark.group("country=NL").summary
    assert summary.organisations.value == 6
    assert summary.stage.own_percentile.value == 100.0
    # Rebuilding in bulk keeps its row (for itself) and keeps it out of the aggregates.
    benchmark_entries_rebuild()
    assert BenchmarkEntry.objects.filter(organisation=out, consent=False).exists()
    assert selectors.population_for(MODEL).organisations == 6


def test_the_aggregates_give_the_same_benchmark_as_the_rows(org, other_org) -> None:
    countries = ["NL"] * 7 + ["DE"] * 9 + ["BE"] * 3 + ["SE"] * 6
    for i, country in enumerate(countries):
        peer(
            f"Peer {i}",
            country=country,
            org_type="hospital" if i % 3 else "imaging_centre",
            beds=None if i % 3 == 0 else 80 + 60 * i,
            annual_exams=20_000 + 9_000 * i if i % 3 == 0 else None,
            stage=i % 8,
            validated=i % 4 == 0,
            focus=percents(i % 8, offset=i % 5, missing=("PM",) if i % 6 == 0 else ()),
        )
    peer("Opted out", country="NL", stage=5, consent=False)
    submitted(org, 4)
    for viewer in (org, other_org):  # other_org (DE) has no row: a profile, no ranks
        ob = selectors.organisation_benchmark(organisation=viewer, k=3)
        rows = entries()
        own = ob.own if ob.own is not None else selectors.profile_of(viewer)
        expected = benchmark_for(
            rows,
            own,
            k=3,
            branches=["A", "B", "C"],
            focus_areas=[f.code for f in ob.model.manifest.focus_areas],
        )
        assert ob.benchmark == expected


def test_the_population_is_rebuilt_only_when_the_version_moved(
    org, django_assert_num_queries
) -> None:
    for i in range(5):
        peer(f"Peer {i}", stage=i)
    first = selectors.population_for(MODEL)
    with django_assert_num_queries(1):  # the version only
        assert selectors.population_for(MODEL) is first
    selectors.forget_populations()  # another process: reads the stored build
    with django_assert_num_queries(2):
        again = selectors.population_for(MODEL)
    assert again.token == first.token and again.atoms == first.atoms
    submitted(org, 6)
    changed = selectors.population_for(MODEL)
    assert changed.token != first.token and changed.organisations == 6


def test_rebuild_matches_the_refreshed_rows(org, other_org) -> None:
    for i in range(4):
        peer(f"Peer {i}", stage=i, validated=i == 2)
    submitted(org, 2, when=timezone.now() - timedelta(days=100))
    submitted(org, 5)
    fields = ("organisation_id", "assessment_id", "stage", "validated", "size_band", "consent")
    before = sorted(BenchmarkEntry.objects.values_list(*fields))
    BenchmarkEntry.objects.all().delete()
    summary = benchmark_entries_rebuild()
    assert summary.entries == 5 and summary.models == (MODEL,)
    assert sorted(BenchmarkEntry.objects.values_list(*fields)) == before
    snapshot = PeerSnapshot.objects.get(model_id=MODEL)
    assert snapshot.built_version == snapshot.version  # built eagerly


def test_rescore_rebuilds_once_at_the_end(org) -> None:
    for i in range(3):
        peer(f"Peer {i}", stage=i)
    BenchmarkEntry.objects.all().delete()
    assessments_rescore()  # the synthetic results are not those of their (missing) answers
    assert BenchmarkEntry.objects.count() == 3
    assert set(BenchmarkEntry.objects.values_list("stage", flat=True)) == set(
        Assessment.objects.values_list("stage", flat=True)
    )


def test_paused_refreshes_do_nothing(org) -> None:
    with benchmark_refresh_paused():
        submitted(org, 3)
    assert not BenchmarkEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_deleting_a_counted_assessment_refreshes_the_row(org) -> None:
    older = submitted(org, 2, when=timezone.now() - timedelta(days=300))
    newer = submitted(org, 4)
    newer.delete()
    row = BenchmarkEntry.objects.get(organisation=org)
    assert row.assessment_id == older.pk
    before = version()
    org.delete()
    assert not BenchmarkEntry.objects.exists()
    assert version() > before
    assert Assessment.objects.filter(status=Status.SUBMITTED).count() == 0


def test_changes_keep_the_stored_aggregates_current_and_equal_to_a_rebuild(
    org, alice, other_org
) -> None:
    """Every refresh applies its change to the stored aggregates (no reader rebuilds), and the
    result is what a rebuild from the rows gives, through submits, reopenings, consent and
    attribute changes."""
    rng = random.Random(4)
    orgs = [peer(f"Peer {i}", country=rng.choice(["NL", "SE"]), stage=i % 8) for i in range(8)]
    orgs += [org, other_org]
    selectors.population_for(MODEL)  # the first build

    def check() -> None:
        snapshot = PeerSnapshot.objects.get(model_id=MODEL)
        assert snapshot.built_version == snapshot.version
        stored = Atoms.from_json(snapshot.data)
        rebuilt = Atoms.of(_consenting_rows(MODEL))
        assert stored.atoms == rebuilt.normalised()
        assert (stored.organisations, stored.demo_organisations) == (
            rebuilt.organisations,
            rebuilt.demo_organisations,
        )

    for step in range(30):
        target = rng.choice(orgs)
        action = rng.choice(["submit", "reopen", "consent", "move"])
        if action == "submit":
            submitted(
                target,
                rng.randrange(8),
                validated=rng.random() < 0.3,
                focus=percents(rng.randrange(8), offset=step, missing=("PM",) * (step % 2)),
            )
        elif action == "reopen":
            latest = target.assessments.exclude(status=Status.DRAFT).order_by("-pk").first()
            if latest is not None and latest.status == Status.SUBMITTED:
                assessment_reopen(assessment=latest, user=alice, reason="Test")
        elif action == "consent":
            change = details(target, benchmarking_consent=not target.benchmarking_consent)
            organisation_update(organisation=target, details=change)
        else:
            change = details(target, country=rng.choice(["NL", "BE"]), beds=rng.choice([50, 700]))
            organisation_update(organisation=target, details=change)
        check()
