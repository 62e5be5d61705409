"""Live rows follow submissions, reopenings, consent, verification and peer attributes; releases
are cut from them on command, by the schedule, or by a programme admin, and never move."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from diam.stats import GLOBAL
from diam.web.accounts.services import OrganisationDetails, organisation_update
from diam.web.assessments.models import Assessment, Status
from diam.web.assessments.services import assessment_reopen, assessment_submit
from diam.web.audit.models import AuditEvent
from diam.web.benchmarks import selectors, services
from diam.web.benchmarks.models import (
    BenchmarkEntry,
    BenchmarkRelease,
    BenchmarkReleaseMember,
)
from diam.web.benchmarks.services import (
    benchmark_entries_rebuild,
    benchmark_entry_refresh,
    benchmark_refresh_paused,
    benchmark_release_cut_if_due,
)
from diam.web.core.maintenance import assessments_rescore
from tests.web.benchmarks.conftest import cut, entries, peer, submitted, verify

MODEL = "radiology"


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


# --- live rows ----------------------------------------------------------------------------------


def test_submit_creates_the_row_with_the_peer_attributes(org, alice, assessment) -> None:
    assessment_submit(assessment=assessment, user=alice)
    assessment.refresh_from_db()
    row = BenchmarkEntry.objects.get(organisation=org, model_id=MODEL)
    assert row.assessment_id == assessment.pk and row.model_version == assessment.model_version
    assert (row.region, row.country, row.org_type, row.size_band) == (
        "Western Europe",
        "NL",
        "hospital",
        "large",  # 450 beds
    )
    assert row.consent and not row.is_demo and not row.verified  # nobody verified it yet
    assert row.assessed_on == timezone.localdate(assessment.submitted_at)


def test_reopen_falls_back_to_the_previous_submission_then_removes_the_row(
    org, alice, assessment
) -> None:
    older = submitted(org, 2, when=timezone.now() - timedelta(days=400))
    assessment_submit(assessment=assessment, user=alice)
    assert BenchmarkEntry.objects.get(organisation=org).assessment_id == assessment.pk
    assessment_reopen(assessment=assessment, user=alice, reason="Fix an answer")
    row = BenchmarkEntry.objects.get(organisation=org)
    assert (row.assessment_id, row.stage) == (older.pk, 2)
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


def test_consent_attributes_and_verification_follow_the_organisation(org) -> None:
    verify(org)
    submitted(org, 3)
    assert BenchmarkEntry.objects.get(organisation=org).verified
    organisation_update(organisation=org, details=details(org, benchmarking_consent=False))
    row = BenchmarkEntry.objects.get(organisation=org)
    assert not row.consent and row.verified  # consent is not identity
    organisation_update(organisation=org, details=details(org, benchmarking_consent=True, beds=50))
    row.refresh_from_db()
    assert row.consent and row.size_band == "small" and row.verified  # size is not identity
    organisation_update(organisation=org, details=details(org, country="SE"))
    row.refresh_from_db()
    assert (row.country, row.region, row.verified) == ("SE", "Northern Europe", False)


def test_rebuild_matches_the_refreshed_rows(org, other_org) -> None:
    for i in range(4):
        peer(f"Peer {i}", stage=i, validated=i == 2)
    submitted(org, 2, when=timezone.now() - timedelta(days=100))
    submitted(org, 5)
    fields = ("organisation_id", "assessment_id", "stage", "validated", "verified", "consent")
    before = sorted(BenchmarkEntry.objects.values_list(*fields))
    BenchmarkEntry.objects.all().delete()
    summary = benchmark_entries_rebuild()
    assert summary.entries == 5 and summary.models == (MODEL,)
    assert sorted(BenchmarkEntry.objects.values_list(*fields)) == before


def test_rescore_rebuilds_once_at_the_end(org) -> None:
    for i in range(3):
        peer(f"Peer {i}", stage=i)
    BenchmarkEntry.objects.all().delete()
    assessments_rescore()
    assert BenchmarkEntry.objects.count() == 3


def test_paused_refreshes_do_nothing(org) -> None:
    with benchmark_refresh_paused():
        submitted(org, 3)
    assert not BenchmarkEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_deleting_a_counted_assessment_refreshes_the_row(org) -> None:
    older = submitted(org, 2, when=timezone.now() - timedelta(days=300))
    newer = submitted(org, 4)
    newer.delete()
    assert BenchmarkEntry.objects.get(organisation=org).assessment_id == older.pk
    org.delete()
    assert not BenchmarkEntry.objects.exists()
    assert Assessment.objects.filter(status=Status.SUBMITTED).count() == 0


# --- who counts -----------------------------------------------------------------------------------


def test_only_verified_consenting_real_organisations_count(org) -> None:
    for i in range(6):
        peer(f"Peer {i}", country="NL")
    peer("Signed up yesterday", country="NL", verified=False)
    peer("Opted out", country="NL", consent=False)
    peer("Synthetic", country="NL", is_demo=True)
    counted = {e.organisation_id for e in entries()}
    assert len(counted) == 6
    assert {e.organisation_id for e in entries("demo")} == {
        BenchmarkEntry.objects.get(is_demo=True).organisation_id
    }


def test_only_the_latest_major_model_version_counts(org) -> None:
    for i in range(6):
        peer(f"Peer {i}")
    old = peer("On an old major")
    BenchmarkEntry.objects.filter(organisation=old).update(model_version="0.9.0")
    assert old.pk not in {e.organisation_id for e in entries()}


# --- releases -----------------------------------------------------------------------------------


def test_a_release_freezes_rows_and_figures_and_nothing_moves_until_the_next(org) -> None:
    for i in range(12):
        peer(f"Peer {i}", stage=2)
    first = cut()
    assert (
        first.number == 1
        and first.organisations == 12
        and first.key == f"radiology-{services.benchmarked_major(MODEL)}-real-1"
    )
    assert BenchmarkReleaseMember.objects.filter(release=first).count() == 12
    for i in range(5):  # five more organisations submit: live, not published
        peer(f"Late {i}", stage=6)
    view = selectors.programme_view()
    assert view.release == first
    assert view.statistics.overall_figures.organisations.value == 12
    second = cut()
    assert second.number == 2 and second.organisations == 17
    assert selectors.programme_view().statistics.overall_figures.organisations.value == 17


def test_a_cut_is_audited(org, programme_admin) -> None:
    for i in range(6):
        peer(f"Peer {i}")
    release = cut(user=programme_admin, trigger="programme")
    event = AuditEvent.objects.get(action="benchmarks.release_cut")
    assert event.actor == programme_admin and event.target_id == str(release.pk)
    assert event.detail["organisations"] == 6


def test_the_schedule_cuts_the_first_release_and_then_once_a_month(org) -> None:
    for i in range(6):
        peer(f"Peer {i}")
    now = timezone.now()
    first = benchmark_release_cut_if_due(now=now)
    assert first is not None and first.trigger == "schedule"
    assert benchmark_release_cut_if_due(now=now + timedelta(minutes=5)) is None
    later = now.replace(day=1) + timedelta(days=40)  # a day in a later month
    assert benchmark_release_cut_if_due(now=later) is not None


@override_settings(DIAM_BENCHMARK_RELEASE_EVERY="never")
def test_never_cuts_only_on_command(org) -> None:
    for i in range(6):
        peer(f"Peer {i}")
    assert benchmark_release_cut_if_due() is not None  # the very first one
    assert benchmark_release_cut_if_due(now=timezone.now() + timedelta(days=400)) is None


def test_reading_a_benchmark_cuts_a_due_release_once(org, alice) -> None:
    verify(org)
    for i in range(6):
        peer(f"Peer {i}", country="NL")
    selectors.organisation_benchmark(organisation=org)
    selectors.organisation_benchmark(organisation=org)
    assert BenchmarkRelease.objects.count() == 1


def test_current_release_id_moves_exactly_when_a_release_is_cut(org) -> None:
    assert selectors.current_release_id(MODEL) == "radiology-none"
    for i in range(6):
        peer(f"Peer {i}")
    cut()
    first = selectors.current_release_id(MODEL)
    peer("Another")
    assert selectors.current_release_id(MODEL) == first
    cut("demo")
    assert selectors.current_release_id(MODEL) != first


def test_the_command_cuts_a_release_and_lists_them(org, capsys) -> None:
    for i in range(6):
        peer(f"Peer {i}")
    from click.testing import CliRunner

    from diam.cli import main

    runner = CliRunner()
    result = runner.invoke(main, ["benchmarks", "release"])
    assert result.exit_code == 0, result.output
    key = f"radiology-{services.benchmarked_major(MODEL)}-real-1"
    assert f"Published {key}" in result.output and "6 organisations" in result.output
    result = runner.invoke(main, ["benchmarks", "release", "--if-due"])
    assert result.exit_code == 0 and "No release is due." in result.output
    result = runner.invoke(main, ["benchmarks", "list"])
    assert key in result.output
    result = runner.invoke(main, ["benchmarks", "release", "--model", "nonsense"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert BenchmarkRelease.objects.count() == 1


def test_the_global_group_of_a_release_carries_the_frozen_population(org) -> None:
    for i in range(7):
        peer(f"Peer {i}", stage=i)
    release = cut()
    record = selectors.release_groups(release, [GLOBAL.key])[GLOBAL.key]
    assert record.stage.shown and record.stage.figures.organisations.value == 7
    call_command("check")
