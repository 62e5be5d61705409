"""Benchmark populations built directly (organisations with a submitted, scored assessment)."""

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
from diam.web.benchmarks import selectors
from diam.web.benchmarks.models import BenchmarkEntry
from diam.web.benchmarks.services import benchmark_entry_refresh
from tests.web.factories import make_member, make_organisation, make_user

CODES = [f.code for f in shipped_model().manifest.focus_areas]
BENCH_URL = "/o/{pk}/benchmarks/"


@pytest.fixture(autouse=True)
def _fresh_populations():
    """Each test's database is new: drop this process's copies of earlier tests' aggregates."""
    selectors.forget_populations()
    yield
    selectors.forget_populations()


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
    submitted(org, stage, validated=validated, **extra)
    return org


def entries(*, consenting_only: bool = True) -> list[Entry]:
    """The stats core's rows of the population, straight from the benchmark rows."""
    rows = BenchmarkEntry.objects.all()
    if consenting_only:
        rows = rows.filter(consent=True)
    return [selectors.entry_of(r) for r in rows]


FIG = re.compile(r'<span class="fig" data-n="(\d+)"(?: title="[^"]*")?>([^<]*)<')


def shown_figures(html: str) -> list[tuple[float, int]]:
    """Every (value, n) the page shows through the `fig` tag."""
    out = []
    for n, text in FIG.findall(html):
        value = float(text.replace("%", "").replace(",", "").strip())
        out.append((value, int(n)))
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
