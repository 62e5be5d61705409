"""Benchmarks compare only assessments of the same major model version (docs/benchmarks.md)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from diam.paths import shipped_model
from diam.web.assessments.models import Assessment, Status
from diam.web.benchmarks.models import BenchmarkEntry
from diam.web.benchmarks.services import (
    benchmark_entries_rebuild,
    benchmark_entry_refresh,
    benchmarked_major,
)
from tests.web.benchmarks.conftest import percents, submitted, verify
from tests.web.factories import make_organisation

MODEL = "radiology"


def on_v1(organisation, stage: int, *, days_ago: int = 10) -> Assessment:
    v1 = shipped_model(MODEL, "1.0.0")
    return Assessment.objects.create(
        organisation=organisation,
        title=f"Old model, stage {stage}",
        model_id=v1.id,
        model_version=v1.version,
        model_hash=v1.content_hash,
        status=Status.SUBMITTED,
        submitted_at=timezone.now() - timedelta(days=days_ago),
        stage=stage,
        core_stage=min(stage, 4),
        focus_area_percents=percents(stage),
        completeness=100.0,
    )


def test_the_benchmarked_major_version_is_the_latest_installed() -> None:
    assert benchmarked_major(MODEL) == "2"
    assert benchmarked_major("no-such-model") == ""


def test_an_assessment_of_an_older_major_version_is_not_compared(db) -> None:
    org = make_organisation("Old Model Hospital", country="DE")
    older_but_current = submitted(org, 3, when=timezone.now() - timedelta(days=200), refresh=False)
    on_v1(org, 6, days_ago=5)  # newer, but on 1.0.0: never mixed with 2.x stages
    row = benchmark_entry_refresh(organisation=org, model_id=MODEL)
    assert row is not None and row.assessment_id == older_but_current.pk and row.stage == 3


def test_an_organisation_with_only_old_major_assessments_takes_no_part(db) -> None:
    only_v1 = make_organisation("Only 1.0.0 Clinic", country="DE")
    on_v1(only_v1, 5)
    current = make_organisation("Current Hospital", country="DE")
    submitted(current, 2, refresh=False)
    summary = benchmark_entries_rebuild(model_id=MODEL)
    assert summary.entries == 1
    assert list(BenchmarkEntry.objects.values_list("organisation__name", flat=True)) == [
        "Current Hospital"
    ]
    assert benchmark_entry_refresh(organisation=only_v1, model_id=MODEL) is None


def test_the_benchmark_page_says_why_an_old_major_assessment_has_no_position(db) -> None:
    from tests.web.conftest import client_for
    from tests.web.factories import make_member, make_user

    org = verify(make_organisation("Only 1.0.0 Hospital", country="DE"))
    admin = make_user("admin@old.example")
    make_member(admin, org, "admin")
    old = on_v1(org, 3)
    page = client_for(admin).get(f"/o/{org.pk}/benchmarks/").content.decode()
    assert "Move to model 2.0.0 to see your position." in page
    assert f'href="/a/{old.pk}/results/"' in page and "is on model 1.0.0" in page
    assert "has no submitted assessment yet" not in page
