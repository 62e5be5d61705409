"""Benchmark populations built directly (verified organisations with a submitted, scored
assessment), and releases cut from them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from diam.paths import shipped_model
from diam.stats import Entry
from diam.web.accounts.models import Organisation, User
from diam.web.assessments.models import Assessment, Status
from diam.web.benchmarks import selectors, services
from diam.web.benchmarks.models import BenchmarkRelease
from diam.web.benchmarks.services import benchmark_entry_refresh
from diam.web.verification.models import OrganisationVerification
from diam.web.verification.models import Status as Verification
from tests.web.factories import make_member, make_organisation, make_user

CODES = [f.code for f in shipped_model().manifest.focus_areas]
BENCH_URL = "/o/{pk}/benchmarks/"
K = 5


@pytest.fixture(autouse=True)
def _fresh_releases():
    """Each test's database is new: drop this process's parsed groups of earlier tests."""
    selectors.forget_releases()
    yield
    selectors.forget_releases()


def verify(org: Organisation) -> Organisation:
    """Mark the organisation verified (as a programme admin's decision would) and refresh."""
    OrganisationVerification.objects.update_or_create(
        organisation=org,
        defaults={
            "status": Verification.VERIFIED,
            "requested_at": timezone.now(),
            "decided_at": timezone.now(),
            "request_reason": "test",
        },
    )
    services.benchmark_organisation_refresh(organisation=org)
    return org


def percents(stage: int, *, offset: float = 0.0, missing: tuple[str, ...] = ()) -> dict:
    """Plausible focus-area percents that grow with the stage (None for `missing` codes)."""
    out: dict[str, float | None] = {}
    for i, code in enumerate(CODES):
        value = min(100.0, max(0.0, 12.5 * stage + 5 * (i % 3) + offset))
        out[code] = None if code in missing else round(value, 1)
    return out


def submitted(
    organisation: Organisation,
    stage: int,
    *,
    validated: bool = False,
    when: datetime | None = None,
    branches: str = "",
    focus: dict | None = None,
    refresh: bool = True,
) -> Assessment:
    """A submitted (or validated) assessment with a stored result, as if scored on submit."""
    model = shipped_model()
    assessment = Assessment.objects.create(
        organisation=organisation,
        title=f"Stage {stage}",
        model_id=model.id,
        model_version=model.version,
        model_hash=model.content_hash,
        status=Status.VALIDATED if validated else Status.SUBMITTED,
        submitted_at=when or timezone.now() - timedelta(days=30),
        stage=stage,
        core_stage=min(stage, 4),
        branches=branches or "ABC"[: max(0, stage - 4)],
        focus_area_percents=focus if focus is not None else percents(stage),
        completeness=100.0,
    )
    if refresh:
        benchmark_entry_refresh(organisation=organisation, model_id=model.id)
    return assessment


def peer(
    name: str,
    *,
    country: str = "DE",
    org_type: str = "hospital",
    beds: int | None = 450,
    annual_exams: int | None = 180_000,
    stage: int = 3,
    validated: bool = False,
    consent: bool = True,
    is_demo: bool = False,
    verified: bool = True,
    **extra: Any,
) -> Organisation:
    org = make_organisation(
        name,
        country=country,
        org_type=org_type,
        beds=beds,
        annual_exams=annual_exams,
        benchmarking_consent=consent,
        is_demo=is_demo,
    )
    if verified and not is_demo:
        verify(org)
    submitted(org, stage, validated=validated, **extra)
    return org


def cut(population: str = "real", **kwargs: Any) -> BenchmarkRelease:
    """Cut the next release now (as `diam benchmarks release` does)."""
    return services.benchmark_release_cut(population=population, **kwargs)


def entries(population: str = "real") -> list[Entry]:
    """The live rows a release of the population would be cut from."""
    return services.live_rows(services.series_for(population=population))


FIG = re.compile(r'<span class="fig" data-n="(\d+)"(?: title="[^"]*")?>([^<]*)<')


def shown_figures(html: str) -> list[tuple[str, int]]:
    """Every (value text, n) the page shows through the `fig` tag."""
    return [(text.strip(), int(n)) for n, text in FIG.findall(html)]


def numbers(html: str) -> list[tuple[float, int]]:
    """The numeric figures of a page (bands are words) with their n."""
    out = []
    for text, n in shown_figures(html):
        cleaned = text.replace("%", "").replace(",", "").strip()
        try:
            out.append((float(cleaned), n))
        except ValueError:
            continue
    return out


@pytest.fixture
def programme_admin(db: None) -> User:
    return make_user("pat@example.org", "Pat Programme", programme_role="programme_admin")


@pytest.fixture
def member_of():
    def make(org: Organisation, email: str = "member@example.org", role: str = "admin") -> User:
        user = make_user(email, email)
        make_member(user, org, role)
        return user

    return make
