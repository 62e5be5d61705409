"""The programme console's world: pat (programme admin) and organisations in known states,
built directly (the workflows that reach these states are tested in their own apps)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from diam.web.accounts.models import Organisation, ProgrammeRole, User
from diam.web.assessments.models import Assessment, Status
from diam.web.benchmarks import selectors as benchmark_selectors
from diam.web.validation.models import RequestState, ValidationDecision, ValidationRequest
from tests.web.benchmarks.conftest import submitted, verify
from tests.web.conftest import client_for
from tests.web.factories import make_organisation, make_user


@pytest.fixture(autouse=True)
def _fresh_releases() -> Any:
    """Each test's database is new: drop this process's parsed release groups."""
    benchmark_selectors.forget_releases()
    yield
    benchmark_selectors.forget_releases()


@pytest.fixture
def pat(db: None) -> User:
    return make_user("pat@example.org", "Pat Programme", programme_role=ProgrammeRole.ADMIN)


@pytest.fixture
def pat_client(pat: User) -> Client:
    return client_for(pat)


def decide(
    assessment: Assessment,
    *,
    stage: int,
    decided_on: dt.date,
    valid_until: dt.date,
    revoked: bool = False,
) -> ValidationDecision:
    """A decided validation of `assessment` as the workflow would store it."""
    organisation = assessment.organisation
    request = ValidationRequest.objects.create(
        assessment=assessment,
        organisation=organisation,
        state=RequestState.DECIDED,
        self_assessed_stage=assessment.stage or 0,
        contact_name="Contact",
        contact_email="contact@example.org",
        proposed_dates="any",
    )
    n = ValidationDecision.objects.count() + 1
    return ValidationDecision.objects.create(
        request=request,
        organisation=organisation,
        stage=stage,
        core_stage=min(stage, 4),
        self_assessed_stage=assessment.stage or 0,
        accepted=10,
        rejected=0,
        narrative="Seen on site.",
        decided_on=decided_on,
        valid_until=valid_until,
        revalidation_due=valid_until - dt.timedelta(days=180),
        validators=["Val Idator"],
        code=f"CODE-{n:04d}",
        revoked_at=timezone.now() if revoked else None,
        revoked_reason="Found to be false." if revoked else "",
    )


@pytest.fixture
def world(db: None) -> dict[str, Organisation]:
    """Four organisations, one of each kind the filters tell apart.

    - Amsterdam General (NL hospital): verified, stage 3 submitted.
    - Berlin Imaging (DE imaging centre): verified, stage 5, validated until next year.
    - Cologne Clinic (DE hospital): not verified, a draft only.
    - Delft Medical (NL hospital): stage 4, its validation expired last month.
    """
    today = timezone.localdate()
    amsterdam = verify(make_organisation("Amsterdam General", country="NL"))
    submitted(amsterdam, 3)
    berlin = verify(make_organisation("Berlin Imaging", country="DE", org_type="imaging_centre"))
    b = submitted(berlin, 5, validated=True)
    decide(
        b,
        stage=5,
        decided_on=today - dt.timedelta(days=300),
        valid_until=today + dt.timedelta(days=400),
    )
    cologne = make_organisation("Cologne Clinic", country="DE")
    user = make_user("cora@example.org", "Cora")
    Assessment.objects.create(
        organisation=cologne,
        title="First try",
        model_id="radiology",
        model_version="2.0.0",
        model_hash="x",
        created_by=user,
        status=Status.DRAFT,
        completeness=40.0,
        stage=2,  # a draft's provisional stage: never shown as the organisation's stage
    )
    delft = make_organisation("Delft Medical", country="NL")
    d = submitted(delft, 4, validated=True)
    decide(
        d,
        stage=4,
        decided_on=today - dt.timedelta(days=3 * 365),
        valid_until=today - dt.timedelta(days=30),
    )
    return {"amsterdam": amsterdam, "berlin": berlin, "cologne": cologne, "delft": delft}
