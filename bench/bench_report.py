"""Report delivery: the HTML report page, stored downloads and a fresh PDF, in one run.

Targets (design.md §5), each a ratio to the HTML report page measured in the same run:
- a stored report download (PDF, DOCX, XLSX) takes at most 2x the page's time;
- a fresh PDF build (what the background worker does for a new state: read the assessment,
  build the report, lay out and write the PDF, store it) takes at most 60x the page's time;
- the process that rendered the PDFs stays under 200 MB resident memory.

The assessment is the demo hospital's submitted baseline (`diam demo`, 300 peer organisations,
so the report has its Benchmark section): what a new user downloads first. Everything runs in
this process through Django's test client (middleware, session, access check, template) on
PostgreSQL when DATABASE_URL is set (a `<name>_bench_report` database beside it, recreated),
else SQLite in a temporary directory. Page and downloads are timed in alternating rounds and
compared by their medians, so load from other programs slows both alike. A second, heavier case
(nothing met, roadmap to stage 7: the longest report the model gives) is printed for
information, and so is the first PDF of a fresh process (fonts and WeasyPrint loaded).
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

ROUNDS = 31
PDF_RUNS = 5
DOWNLOAD_TARGET = 2.0
PDF_TARGET = 60.0
MEMORY_TARGET_MB = 200.0


def bench_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return ""
    import psycopg

    parts = urlparse(url)
    name = f"{parts.path.lstrip('/') or 'diam'}_bench_report"
    admin = urlunparse(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(parts._replace(path=f"/{name}"))


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


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def seconds(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="diam-bench-report-"))
    try:
        backend = setup(tmp)
        run(backend)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(backend: str) -> None:
    from django.test import Client
    from pypdf import PdfReader

    from diam.web.accounts.models import User
    from diam.web.assessments.models import Answer, Assessment, Status
    from diam.web.core.demo import demo_load
    from diam.web.reports import services
    from diam.web.reports.files import KINDS
    from diam.web.reports.models import ReportFile
    from diam.web.reports.selectors import ReportOptions

    start = time.perf_counter()
    import weasyprint  # noqa: F401 - imported before the first PDF, as a worker has it

    cold_import = time.perf_counter() - start
    demo_load(organisations=300, seed=2026)
    user = User.objects.get(email="admin@demo.example.org")
    assessment = Assessment.objects.get(
        organisation__memberships__user=user, status=Status.SUBMITTED
    )
    client = Client()
    client.force_login(user)
    page_url = f"/a/{assessment.pk}/report/"
    urls = {
        "pdf": f"/a/{assessment.pk}/report.pdf",
        "docx": f"/a/{assessment.pk}/report.docx",
        "xlsx": f"/a/{assessment.pk}/report.xlsx",
    }

    def page() -> None:
        response = client.get(page_url)
        assert response.status_code == 200, response.status_code

    def stored(kind: str) -> Callable[[], None]:
        def get() -> None:
            response = client.get(urls[kind])
            assert response.status_code == 200 and response.streaming, response.status_code
            b"".join(response.streaming_content)

        return get

    def fresh_pdf() -> float:
        """The worker's job for a new state: queue a row, then render and store it."""
        ReportFile.objects.filter(assessment=assessment, kind="pdf").delete()
        lookup = services.report_file_lookup(
            assessment=Assessment.objects.select_related("organisation").get(pk=assessment.pk),
            kind=KINDS["pdf"],
            options=ReportOptions(),
        )
        row = ReportFile.objects.create(
            assessment=assessment, kind="pdf", key=lookup.key, release_id=lookup.release_id
        )
        took = seconds(lambda: services.report_file_render(report_file_id=row.pk))
        assert ReportFile.objects.get(pk=row.pk).state == "ready"
        return took

    first_pdf = fresh_pdf()  # the first in this process: fonts, WeasyPrint's stylesheets
    for kind in ("docx", "xlsx"):  # the other files a submission leaves behind
        lookup = services.report_file_lookup(
            assessment=assessment, kind=KINDS[kind], options=ReportOptions()
        )
        row = services.report_file_request(lookup=lookup)  # XLSX: rendered at once
        services.report_file_render(report_file_id=row.pk)  # DOCX: as the worker would
    page()
    times: dict[str, list[float]] = {"page": [], "pdf": [], "docx": [], "xlsx": []}
    for _ in range(ROUNDS):
        times["page"].append(seconds(page))
        for kind in urls:
            times[kind].append(seconds(stored(kind)))
    pdf_builds = sorted(fresh_pdf() for _ in range(PDF_RUNS))
    pdf_size = ReportFile.objects.get(assessment=assessment, kind="pdf").size or 0
    page_s = statistics.median(times["page"])
    pages = len(PdfReader(ReportFile.objects.get(kind="pdf").path).pages)
    answers = Answer.objects.filter(assessment=assessment).count()

    print(
        f"database: {backend}; the demo hospital's submitted assessment ({answers} answers; "
        f"PDF {pages} pages, {pdf_size / 1024:.0f} KiB); 300 peer organisations"
    )
    print(f"HTML report page: {page_s * 1000:.1f} ms (median of {ROUNDS}; the reference)")
    worst = 0.0
    for kind in urls:
        median = statistics.median(times[kind])
        ratio = median / page_s
        worst = max(worst, ratio)
        print(
            f"stored {kind.upper():<4} download: {median * 1000:.1f} ms = {ratio:.2f}x the page "
            f"(target <= {DOWNLOAD_TARGET:g}x: {'met' if ratio <= DOWNLOAD_TARGET else 'NOT met'})"
        )
    pdf_s = statistics.median(pdf_builds)
    pdf_ratio = pdf_s / page_s
    print(
        f"fresh PDF build (queue, render, store): {pdf_s:.2f} s median of {PDF_RUNS} "
        f"({pdf_builds[0]:.2f}-{pdf_builds[-1]:.2f} s) = {pdf_ratio:.0f}x the page "
        f"(target <= {PDF_TARGET:g}x: {'met' if pdf_ratio <= PDF_TARGET else 'NOT met'}); "
        f"first PDF of the process {first_pdf:.2f} s after importing WeasyPrint "
        f"({cold_import:.2f} s)"
    )
    worker_mb, worker_peak, worker_s, jobs = worker_run(assessment)
    print(
        f"background worker (manage.py db_worker) after rendering {jobs} PDFs of other report "
        f"options ({worker_s:.1f} s in all): {worker_mb:.0f} MB RSS (target <= "
        f"{MEMORY_TARGET_MB:g} MB: {'met' if worker_mb <= MEMORY_TARGET_MB else 'NOT met'}), "
        f"peak {worker_peak:.0f} MB while laying out; this process after {PDF_RUNS + 1} PDFs "
        f"and the demo load: {rss_mb():.0f} MB"
    )
    heavy()


def worker_run(assessment: object) -> tuple[float, float, float, int]:
    """Queue PDFs of other options, let a real worker process render them, then read its
    memory as it idles (VmRSS, the target's figure) and its peak (VmHWM)."""
    import signal
    import subprocess

    from django.db import connections
    from django_tasks_db.models import DBTaskResult

    from diam.web.reports import services
    from diam.web.reports.files import KINDS
    from diam.web.reports.selectors import ReportOptions

    options = [ReportOptions(target_stage=t) for t in (5, 6, 7)] + [
        ReportOptions(target_stage=7, branch_order=o) for o in ("CBA", "BAC")
    ]
    for option in options:
        lookup = services.report_file_lookup(
            assessment=assessment,  # type: ignore[arg-type]
            kind=KINDS["pdf"],
            options=option,
        )
        services.report_file_request(lookup=lookup)
    connections.close_all()
    start = time.perf_counter()
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.2", "-v0"],
        cwd=ROOT,
    )
    try:
        while DBTaskResult.objects.filter(status__in=("READY", "RUNNING")).exists():
            time.sleep(0.2)
        took = time.perf_counter() - start
        status = dict(
            line.split(":", 1)
            for line in Path(f"/proc/{worker.pid}/status").read_text().splitlines()
            if ":" in line
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    rss = int(status["VmRSS"].split()[0]) / 1024
    peak = int(status["VmHWM"].split()[0]) / 1024
    return rss, peak, took, len(options)


def heavy() -> None:
    """The longest report the model gives (information only): the pure core, no database."""
    from datetime import date

    from diam.model.schema import BooleanAnswer, ChoiceAnswer, NumberAnswer
    from diam.paths import shipped_model
    from diam.reports import build_report, render_html, render_pdf

    model = shipped_model()
    nothing: dict[str, object] = {}
    for c in model.criteria:
        a, rule = c.answer, c.met_when
        if isinstance(a, BooleanAnswer):
            nothing[c.id] = not rule
        elif isinstance(a, ChoiceAnswer):
            nothing[c.id] = next(o.id for o in a.options if not o.meets)
        elif rule.min is not None:
            nothing[c.id] = max(a.minimum if isinstance(a, NumberAnswer) else 0.0, rule.min - 1)
        else:
            nothing[c.id] = rule.max + 1

    def report() -> object:
        return build_report(
            model=model,
            values=nothing,  # type: ignore[arg-type]
            organisation="Benchmark Hospital",
            assessment_date=date(2025, 1, 1),
            target_stage=7,
        )

    html_s = statistics.median(seconds(lambda: render_html(report())) for _ in range(11))  # type: ignore[arg-type]
    pdf_s = statistics.median(seconds(lambda: render_pdf(report())) for _ in range(3))  # type: ignore[arg-type]
    print(
        f"heaviest report (nothing met, roadmap to stage 7; information only): HTML build "
        f"{html_s * 1000:.1f} ms, PDF {pdf_s:.2f} s"
    )


if __name__ == "__main__":
    main()
