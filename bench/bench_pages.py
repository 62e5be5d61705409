"""The main pages under 10 concurrent signed-in clients, against a signed-in reference.

Target (design.md §5): the p95 latency of each main page (dashboard, survey section, results,
gap report, benchmarks, programme statistics) with 10 concurrent clients is at most 8x the p95
of the signed-in GET reference (a view that only passes Django's session authentication,
bench/autosave_site.py) on the same server, measured right before that page; and each gunicorn
worker stays under 200 MB resident memory after the runs. gunicorn (2 sync workers, production
settings) serves the demo data (`diam demo`: the demo hospital and 300 peer organisations); wrk
drives each page in turn on loopback. PostgreSQL when DATABASE_URL is set (a `<name>_bench_pages`
database beside it, recreated), else SQLite in a temporary directory.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from bench_autosave import (
    BIN,
    LUA_DONE,
    ROOT,
    free_port,
    run_wrk,
    wait_for_server,
    worker_rss_mb,
)

CLIENTS = 10
DURATION = os.environ.get("BENCH_DURATION", "5s")
TARGET = 8.0
REFERENCE = "signed-in GET (reference)"
MEMORY_TARGET_MB = 200.0

LUA_GET = """
request = function()
  return wrk.format("GET", "%s", {["Cookie"] = "%s"})
end
"""


def bench_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return ""
    import psycopg

    parts = urlparse(url)
    name = f"{parts.path.lstrip('/') or 'diam'}_bench_pages"
    admin = urlunparse(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(parts._replace(path=f"/{name}"))


def prepare(env: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Migrate, load the demo data; return page name -> (path, session cookie)."""
    subprocess.run(
        [str(BIN / "python"), "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
    )
    subprocess.run(
        [str(BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from diam.web.accounts.models import User
    from diam.web.assessments.models import Assessment, Status
    from diam.web.core.demo import demo_load

    demo_load(organisations=300, seed=2026)

    def cookie(email: str) -> str:
        user = User.objects.get(email=email)
        session = SessionStore()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        session["_auth_user_hash"] = user.get_session_auth_hash()
        # Programme admins must have given their second factor, or every page is a redirect
        # to the sign-in step (a 302 that wrk would count as a fast page).
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None:
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.create()
        return f"sessionid={session.session_key}"

    admin = cookie("admin@demo.example.org")
    programme = cookie("programme@demo.example.org")
    user = User.objects.get(email="admin@demo.example.org")
    draft = Assessment.objects.get(organisation__memberships__user=user, status=Status.DRAFT)
    # The demo has history (a pilot on the older model version): the newest submission.
    submitted = Assessment.objects.filter(
        organisation__memberships__user=user, status=Status.SUBMITTED
    ).latest("submitted_at")
    org = draft.organisation_id
    return {
        REFERENCE: ("/bench/signed-in/", admin),
        "dashboard": (f"/o/{org}/", admin),
        "survey section": (f"/a/{draft.pk}/s/PU/", admin),
        "results": (f"/a/{submitted.pk}/results/", admin),
        "gap report": (f"/a/{submitted.pk}/report/", admin),
        "benchmarks": (f"/o/{org}/benchmarks/", admin),
        "progress": (f"/o/{org}/progress/", admin),
        "programme console": ("/programme/", programme),
        "programme statistics": ("/programme/statistics/", programme),
    }


def main() -> None:
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk); skipping the HTTP benchmark")
        return
    tmp = Path(tempfile.mkdtemp(prefix="diam-bench-pages-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "diam.web.settings",
        "DIAM_DEBUG": "0",
        "DIAM_SECRET_KEY": "bench-" + "k" * 50,
        "DIAM_ALLOWED_HOSTS": "127.0.0.1",
        "DIAM_SSL_REDIRECT": "0",
        "DIAM_SECURE_COOKIES": "0",
        "DIAM_DATA_DIR": str(tmp),
    }
    database = bench_database()
    if database:
        env["DATABASE_URL"] = database
    else:
        env.pop("DATABASE_URL", None)
    try:
        pages = prepare(env)
        run(env, tmp, pages, bool(database))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(env: dict[str, str], tmp: Path, pages: dict[str, tuple[str, str]], pg: bool) -> None:
    server_env = {
        **env,
        "DJANGO_SETTINGS_MODULE": "autosave_site",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "bench"), env.get("PYTHONPATH")])),
    }
    port = free_port()
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "diam.web.wsgi:application",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=server_env,
    )
    results: dict[str, dict[str, float]] = {}
    references: list[dict[str, float]] = []
    try:
        wait_for_server(port, server)
        base = f"http://127.0.0.1:{port}"
        # wrk counts only 4xx/5xx as errors: a page that redirects (to sign-in, say) would be
        # measured as a fast page. Each must answer 200 itself before it is timed.
        for name, (path, cookie) in pages.items():
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("GET", path, headers={"Cookie": cookie})
            status = connection.getresponse().status
            connection.close()
            if status != 200:
                raise SystemExit(f"{name} ({path}) answers {status}, not 200: nothing to measure")
        scripts = {}
        for name, (path, cookie) in pages.items():
            scripts[name] = tmp / f"page-{len(scripts)}.lua"
            scripts[name].write_text(LUA_GET % (path, cookie) + LUA_DONE)
            run_wrk(base, scripts[name], clients=CLIENTS, duration="2s")  # warm-up: caches
        # Each page right after its own run of the reference: the machine's other load moves
        # within minutes, so a reference measured next to the page is the fair one.
        for name in pages:
            if name == REFERENCE:
                continue
            references.append(run_wrk(base, scripts[REFERENCE], server.pid, pg, CLIENTS, DURATION))
            results[name] = run_wrk(base, scripts[name], server.pid, pg, CLIENTS, DURATION)
        rss = worker_rss_mb(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
    backend = "PostgreSQL" if pg else "SQLite"
    print(f"database: {backend}; gunicorn 2 workers; wrk {CLIENTS} connections, {DURATION} each")
    worst = 0.0
    for (name, r), ref in zip(results.items(), references, strict=True):
        ratio = r["p95"] / ref["p95"]
        worst = max(worst, ratio)
        verdict = "met" if ratio <= TARGET and not (r["non2xx"] or r["timeouts"]) else "NOT met"
        print(
            f"{name:<21} {r['rps']:>6,.0f} req/s, p50 {r['p50']:6.1f} ms, p95 {r['p95']:6.1f} ms"
            f" ({int(r['non2xx'])} non-2xx, {int(r['timeouts'])} timeouts); reference just "
            f"before: {ref['rps']:,.0f} req/s, p95 {ref['p95']:.1f} ms; p95 = {ratio:.1f}x "
            f"(target <= {TARGET:g}x: {verdict})"
        )
    print(f"worst page: {worst:.1f}x the reference's p95")
    if rss:
        print(
            f"worker memory after the runs: {', '.join(f'{m:.0f} MB' for m in rss)} RSS "
            f"(target <= {MEMORY_TARGET_MB:g} MB: "
            f"{'met' if max(rss) <= MEMORY_TARGET_MB else 'NOT met'})"
        )


if __name__ == "__main__":
    main()
