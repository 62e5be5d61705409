"""The benchmark page for one organisation at 1,000 / 10,000 / 100,000 organisations.

Target (docs/performance.md): the benchmark view at 100,000 organisations within 1.5x its time
at 1,000. Uses a `<database>_bench_peers` database next to DATABASE_URL's (recreated; `make
bench` sets DATABASE_URL through scripts/with-postgres.sh), else SQLite in a temporary
directory. The
population grows 1k -> 10k -> 100k: verified organisations, their submitted assessments and
their live benchmark rows are bulk-inserted directly (synthetic attributes from
diam.demo.synthetic_organisation, stages from diam.demo.draw_stage, focus-area percents of 7-9
criteria per area), 5 % opted out, one in five validated.

Timed per size, for one Dutch hospital:
- cut: `benchmark_release_cut` (the monthly batch: a release over the whole population, checked
  against the earlier releases, stored);
- data: `organisation_benchmark` (what the view asks for), warm (the release's groups parsed
  and kept in this process) and first after a release (parsed from the database);
- page: the whole view through Django's test client, warm (session, access, template, SVG).
The page never reads the population: the latest release's few groups and the viewer's row.
"""

from __future__ import annotations

import gc
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

SIZES = (1_000, 10_000, 100_000)
SUFFIX = "_bench_peers"  # appended to DATABASE_URL's database: one per developer database
BATCH = 5_000


def bench_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return ""
    import psycopg

    parts = urlparse(url)
    database = (parts.path.strip("/") or "diam") + SUFFIX
    if not database.replace("_", "").isalnum():
        raise SystemExit(f"unexpected database name {database!r}")
    admin = urlunparse(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database}")
        conn.execute(f"CREATE DATABASE {database}")
    return urlunparse(parts._replace(path=f"/{database}"))


def setup(tmp: Path) -> str:
    database = bench_database()
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "diam.web.settings",
            "DIAM_DEBUG": "0",
            "DIAM_SECRET_KEY": "bench-" + "k" * 50,
            "DIAM_ALLOWED_HOSTS": "testserver",
            "DIAM_SSL_REDIRECT": "0",
            "DIAM_SECURE_COOKIES": "0",
            "DIAM_DATA_DIR": str(tmp),
        }
    )
    if database:
        os.environ["DATABASE_URL"] = database
    else:
        os.environ.pop("DATABASE_URL", None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    return "PostgreSQL" if database else "SQLite"


def median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def once_ms(fn: Callable[[], object]) -> float:
    return median_ms(fn, 1)


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="diam-bench-peers-"))
    try:
        backend = setup(tmp)
        run(backend)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(backend: str) -> None:
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from diam.demo import draw_stage, synthetic_organisation
    from diam.paths import shipped_model
    from diam.regions import region_for
    from diam.stats import size_band
    from diam.web.accounts.models import Membership, Organisation, User
    from diam.web.assessments.models import Assessment, Status
    from diam.web.benchmarks import selectors
    from diam.web.benchmarks.models import BenchmarkEntry
    from diam.web.benchmarks.services import benchmark_entry_refresh, benchmark_release_cut
    from diam.web.verification.models import OrganisationVerification

    model = shipped_model()
    codes = [f.code for f in model.manifest.focus_areas]
    rng = random.Random(2026)  # noqa: S311 - synthetic data
    now = timezone.now()

    def focus_for(stage: int) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        for code in codes:
            total = rng.choice((7, 8, 9))
            met = min(total, max(0, round(rng.gauss(stage * total / 7, 1.5))))
            out[code] = None if rng.random() < 0.05 else round(100 * met / total, 1)
        return out

    def verified(orgs: list[Organisation]) -> None:
        OrganisationVerification.objects.bulk_create(
            [
                OrganisationVerification(
                    organisation=org,
                    status="verified",
                    requested_at=now,
                    decided_at=now,
                    request_reason="bench",
                )
                for org in orgs
            ]
        )

    def seed(start: int, count: int) -> None:
        for first in range(start, start + count, BATCH):
            n = min(BATCH, start + count - first)
            specs = [synthetic_organisation(rng, i + 1) for i in range(first, first + n)]
            orgs = Organisation.objects.bulk_create(
                [
                    Organisation(
                        name=s.name.replace("(demo)", "(bench)"),
                        country=s.country,
                        region=region_for(s.country),
                        org_type=s.org_type,
                        beds=s.beds,
                        annual_exams=s.annual_exams,
                        service_areas=list(s.service_areas),
                        benchmarking_consent=rng.random() > 0.05,
                    )
                    for s in specs
                ]
            )
            verified(orgs)
            results = []
            for _ in orgs:
                stage = draw_stage(rng)
                letters = "".join(sorted(rng.sample("ABC", stage - 4))) if stage > 4 else ""
                results.append((stage, letters, focus_for(stage), rng.random() < 0.2))
            assessments = Assessment.objects.bulk_create(
                [
                    Assessment(
                        organisation=org,
                        title="Bench assessment",
                        model_id=model.id,
                        model_version=model.version,
                        model_hash=model.content_hash,
                        status=Status.VALIDATED if validated else Status.SUBMITTED,
                        submitted_at=now - timedelta(days=rng.randint(1, 700)),
                        stage=stage,
                        core_stage=min(stage, 4),
                        branches=letters,
                        focus_area_percents=focus,
                        completeness=100.0,
                    )
                    for org, (stage, letters, focus, validated) in zip(orgs, results, strict=True)
                ]
            )
            BenchmarkEntry.objects.bulk_create(
                [
                    BenchmarkEntry(
                        organisation=org,
                        model_id=model.id,
                        model_version=model.version,
                        assessment=a,
                        stage=a.stage,
                        core_stage=a.core_stage,
                        branches=a.branches,
                        focus_area_percents=a.focus_area_percents,
                        validated=a.status == Status.VALIDATED,
                        region=org.region,
                        country=str(org.country),
                        org_type=org.org_type,
                        size_band=size_band(org.beds, org.annual_exams),
                        assessed_on=timezone.localdate(a.submitted_at),
                        consent=org.benchmarking_consent,
                        verified=True,
                    )
                    for org, a in zip(orgs, assessments, strict=True)
                ]
            )
        if backend == "PostgreSQL":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    viewer = Organisation.objects.create(
        name="Bench Hospital", country="NL", org_type="hospital", beds=450
    )
    verified([viewer])
    user = User.objects.create_user(email="bench@example.org", password="x" * 20, name="Bench")
    Membership.objects.create(user=user, organisation=viewer, role="admin")
    Assessment.objects.create(
        organisation=viewer,
        title="Bench",
        model_id=model.id,
        model_version=model.version,
        model_hash=model.content_hash,
        status=Status.SUBMITTED,
        submitted_at=now,
        stage=3,
        core_stage=3,
        focus_area_percents=focus_for(3),
    )
    benchmark_entry_refresh(organisation=viewer, model_id=model.id)
    client = Client()
    client.force_login(user)
    url = f"/o/{viewer.pk}/benchmarks/"

    def data() -> object:
        return selectors.organisation_benchmark(organisation=viewer)

    figures: dict[int, dict[str, float]] = {}
    seeded = 0
    print(f"database: {backend}; k = 5; synthetic population (diam.demo), 5 % opted out")
    for size in SIZES:
        start = time.perf_counter()
        seed(seeded, size - seeded)
        seeded = size
        seeding = time.perf_counter() - start
        start = time.perf_counter()
        release = benchmark_release_cut()
        cut = time.perf_counter() - start
        selectors.forget_releases()
        gc.collect()
        first = once_ms(data)
        warm = median_ms(data, 20)
        assert client.get(url).status_code == 200
        page = median_ms(lambda: client.get(url), 20)
        figures[size] = {"warm": warm, "first": first, "page": page}
        print(
            f"{size:>7,} organisations (seeded in {seeding:.1f} s): release {release.number} cut "
            f"in {cut:.1f} s ({release.organisations:,} counted, {release.held_back:,} changes "
            f"held back); data warm {warm:.2f} ms, first after the release {first:.1f} ms; "
            f"page {page:.1f} ms"
        )
    small, large = figures[SIZES[0]], figures[SIZES[-1]]
    ratio = large["warm"] / small["warm"]
    page_ratio = large["page"] / small["page"]
    print(
        f"ratio 100k/1k: data {ratio:.2f}x, page {page_ratio:.2f}x (target <= 1.5x: "
        f"{'met' if ratio <= 1.5 and page_ratio <= 1.5 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
