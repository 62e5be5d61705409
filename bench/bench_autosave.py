"""Answer autosave over HTTP: gunicorn (2 workers) under 20 concurrent clients, on loopback.

Targets (design.md §5), against a reference on the same server in the same run: autosave
throughput >= 60 % of the signed-in one-row write's requests/second, and its p95 <= 2x the
write's p95; each gunicorn worker <= 200 MB RSS after the runs. Figures and what bounds them:
docs/performance.md and docs/configuration.md ("Autosave performance").

wrk drives every run; every autosave request is a real save (each goes to a
fresh criterion of one of many assessments, with the right version), so none is refused as a
conflict. Two reference views on the same server (bench/autosave_site.py) bound what any
autosave can reach: a signed-in GET that does nothing else, and a signed-in POST that writes one
row. Uses PostgreSQL when DATABASE_URL is set (a `diam_bench` database next to it,
recreated), else SQLite in a temporary directory.

The machine is shared by wrk, gunicorn and the database, so req/s moves with whatever else
runs; the CPU per request (gunicorn's processes and PostgreSQL's, from /proc) is the steadier
figure, printed with what the rest of the machine used during the autosave run. The server
gets this environment, so e.g. DIAM_PG_PREPARED_STATEMENTS=1 applies (docs/configuration.md).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DURATION = os.environ.get("BENCH_DURATION", "10s")
CLIENTS = 20
ASSESSMENTS = 500


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bench_database(tmp: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return ""
    import psycopg

    parts = urlparse(url)
    admin = urlunparse(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS diam_bench")
        conn.execute("CREATE DATABASE diam_bench")
        if os.environ.get("BENCH_ASYNC_COMMIT"):
            conn.execute("ALTER DATABASE diam_bench SET synchronous_commit = off")
    return urlunparse(parts._replace(path="/diam_bench"))


def prepare(env: dict[str, str]) -> tuple[str, str, list[str]]:
    """Migrate, create one organisation with many draft assessments; return cookies and paths."""
    subprocess.run(
        [str(BIN / "python"), "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
    )
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.sessions.backends.db import SessionStore
    from django.middleware.csrf import _get_new_csrf_string

    from diam.model.schema import BooleanAnswer, ChoiceAnswer, NumberAnswer
    from diam.paths import shipped_model
    from diam.web.accounts.models import Membership, Organisation, User
    from diam.web.assessments.services import assessment_create

    model = shipped_model()
    user = User.objects.create_user(email="bench@example.org", password="x" * 20, name="Bench")
    org = Organisation.objects.create(name="Bench Hospital", country="NL")
    Membership.objects.create(user=user, organisation=org, role="admin")
    ids = [assessment_create(organisation=org, user=user).pk for _ in range(ASSESSMENTS)]
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    csrf = _get_new_csrf_string()
    bodies = []
    for c in model.criteria:
        a = c.answer
        if isinstance(a, BooleanAnswer):
            value = "yes"
        elif isinstance(a, ChoiceAnswer):
            value = a.options[-1].id
        elif isinstance(a, NumberAnswer):
            value = f"{a.minimum:g}"
        else:
            value = "50"
        bodies.append((c.id, f"value={value}&version=0&comment=bench"))
    # Spread consecutive requests over assessments, as 20 people on 20 surveys would.
    requests = [f'{{"/a/{aid}/answer/{cid}/", "{body}"}}' for cid, body in bodies for aid in ids]
    cookie = f"sessionid={session.session_key}; csrftoken={csrf}"
    return cookie, csrf, requests, ids


LUA_POST = """
reqs = {%s}
n = 0
next_offset = 0
-- Two wrk threads: thread k sends requests k, k+2, k+4, ... so no request repeats.
function setup(thread)
  thread:set("offset", next_offset)
  next_offset = next_offset + 1
end
request = function()
  local i = (offset + n * 2) %% #reqs + 1
  n = n + 1
  local r = reqs[i]
  return wrk.format("POST", r[1], {
    ["Cookie"] = "%s",
    ["X-CSRFToken"] = "%s",
    ["HX-Request"] = "true",
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Referer"] = "http://127.0.0.1/",
  }, r[2])
end
"""

LUA_SIGNED_IN = """
request = function()
  return wrk.format("GET", "/bench/signed-in/", {["Cookie"] = "%s"})
end
"""

LUA_WRITE = """
ids = {%s}
n = 0
request = function()
  n = n + 1
  return wrk.format("POST", "/bench/write/", {
    ["Cookie"] = "%s",
    ["X-CSRFToken"] = "%s",
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Referer"] = "http://127.0.0.1/",
  }, "assessment=" .. ids[n %% #ids + 1])
end
"""

LUA_DONE = """
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "RESULT rps=%.1f p50=%.2f p95=%.2f p99=%.2f requests=%d non2xx=%d timeouts=%d\\n",
    summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.requests, summary.errors.status,
    summary.errors.timeout))
end
"""


def wait_for_server(port: int, server: subprocess.Popen[bytes], seconds: float = 180) -> None:
    """Until gunicorn's workers answer (slow to load the application on a loaded machine):
    wrk against a master whose workers are still booting measures nothing."""
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:  # noqa: S310 - loopback
                if r.status == 200:
                    time.sleep(2)  # the other worker may still be loading
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer within {seconds:.0f} s")


def _cpu_seconds(pid: str) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def server_cpu(server_pid: int, database: bool) -> dict[str, float]:
    """CPU seconds so far: gunicorn (master, workers), PostgreSQL's processes, the whole machine."""
    out = {"gunicorn": 0.0, "postgres": 0.0, "machine": 0.0}
    if not Path("/proc/self/stat").exists():
        return out
    jiffies = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = jiffies[3] + jiffies[4]  # idle + iowait
    out["machine"] = (sum(jiffies[:7]) - idle) / os.sysconf("SC_CLK_TCK")  # steal excluded
    for pid in (p.name for p in Path("/proc").iterdir() if p.name.isdigit()):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        comm, ppid = stat[stat.index("(") + 1 : stat.rindex(")")], stat.rsplit(")", 1)[1].split()[1]
        if pid == str(server_pid) or ppid == str(server_pid):
            out["gunicorn"] += _cpu_seconds(pid)
        elif database and comm == "postgres":
            out["postgres"] += _cpu_seconds(pid)
    return out


def run_wrk(
    url: str,
    script: Path,
    server_pid: int = 0,
    database: bool = False,
    clients: int = CLIENTS,
    duration: str = DURATION,
) -> dict[str, float]:
    """wrk's figures, plus the server's CPU milliseconds per request during the run."""
    before = server_cpu(server_pid, database)
    result = _wrk(url, script, clients, duration)
    after = server_cpu(server_pid, database)
    for name in before:
        result[f"cpu_{name}"] = (after[name] - before[name]) * 1000 / max(result["requests"], 1)
    return result


def _wrk(url: str, script: Path, clients: int, duration: str) -> dict[str, float]:
    out = subprocess.run(
        # A generous timeout: a request wrk gives up on (2 s by default) leaves the latency
        # figures, which would then understate a slow page on a loaded machine.
        ["wrk", "-t2", f"-c{clients}", f"-d{duration}", "--timeout", "30s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"RESULT (.*)", out)
    assert match, out
    return {k: float(v) for k, v in (kv.split("=") for kv in match.group(1).split())}


def worker_rss_mb(master_pid: int) -> list[float]:
    """Resident memory of each gunicorn worker (children of the master), from /proc."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(master_pid) and "VmRSS" in fields:
            sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
    return sorted(sizes)


def main() -> None:
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk); skipping the HTTP benchmark")
        return
    tmp = Path(tempfile.mkdtemp(prefix="diam-bench-"))
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
    database = bench_database(tmp)
    if database:
        env["DATABASE_URL"] = database
    else:
        env.pop("DATABASE_URL", None)
    cookie, csrf, requests, ids = prepare(env)
    post = tmp / "post.lua"
    post.write_text(LUA_POST % (",".join(requests), cookie, csrf) + LUA_DONE)
    get = tmp / "get.lua"
    get.write_text(LUA_DONE)
    signed_in = tmp / "signed-in.lua"
    signed_in.write_text(LUA_SIGNED_IN % cookie + LUA_DONE)
    write = tmp / "write.lua"
    write.write_text(LUA_WRITE % (",".join(map(str, ids)), cookie, csrf) + LUA_DONE)
    # The production settings and URLs plus the two reference views (bench/autosave_site.py).
    server_env = {
        **env,
        "DJANGO_SETTINGS_MODULE": "autosave_site",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "bench"), env.get("PYTHONPATH")])),
    }
    port = free_port()
    subprocess.run(
        [str(BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
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
    try:
        wait_for_server(port, server)
        base = f"http://127.0.0.1:{port}"
        run_wrk(base + "/healthz/live", get)  # warm-up
        hello = run_wrk(base + "/healthz/live", get, server.pid, bool(database))
        floor_read = run_wrk(base, signed_in, server.pid, bool(database))
        floor_write = run_wrk(base, write, server.pid, bool(database))
        save = run_wrk(base, post, server.pid, bool(database))
        rss = worker_rss_mb(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
        shutil.rmtree(tmp, ignore_errors=True)
    ratio = save["rps"] / hello["rps"] * 100
    backend = "PostgreSQL" if database else "SQLite"
    print(f"database: {backend}; gunicorn 2 workers; wrk {CLIENTS} connections, {DURATION}")
    print(f"hello-world: {hello['rps']:,.0f} req/s, p95 {hello['p95']:.1f} ms")
    for label, run in (("signed-in GET", floor_read), ("one-row write", floor_write)):
        print(
            f"{label}: {run['rps']:,.0f} req/s = {run['rps'] / hello['rps'] * 100:.0f} % of "
            f"hello-world, p95 {run['p95']:.1f} ms, {int(run['non2xx'])} non-2xx; CPU per "
            f"request gunicorn {run['cpu_gunicorn']:.2f} ms"
            + (f", PostgreSQL {run['cpu_postgres']:.2f} ms" if database else "")
        )
    print(
        f"autosave:    {save['rps']:,.0f} req/s, p50 {save['p50']:.1f} ms, "
        f"p95 {save['p95']:.1f} ms, p99 {save['p99']:.1f} ms, "
        f"{int(save['non2xx'])} non-2xx of {int(save['requests'])}"
    )
    database_cpu = f", PostgreSQL {save['cpu_postgres']:.2f} ms" if database else ""
    rest = save["cpu_machine"] - save["cpu_gunicorn"] - save["cpu_postgres"]
    print(
        f"CPU per request: hello-world gunicorn {hello['cpu_gunicorn']:.2f} ms; "
        f"autosave gunicorn {save['cpu_gunicorn']:.2f} ms{database_cpu}, "
        f"rest of the machine {rest:.2f} ms (wrk, kernel; more means other programs ran)"
    )
    if rss:
        print(
            f"worker memory after the runs: {', '.join(f'{m:.0f} MB' for m in rss)} RSS "
            f"(target <= 200 MB: {'met' if max(rss) <= 200 else 'NOT met'})"
        )
    of_write = save["rps"] / floor_write["rps"] * 100
    p95_ratio = save["p95"] / floor_write["p95"]
    print(
        f"autosave = {of_write:.0f} % of the one-row write's req/s (target >= 60 %: "
        f"{'met' if of_write >= 60 else 'NOT met'}); its p95 {p95_ratio:.2f}x the write's "
        f"(target <= 2x: {'met' if p95_ratio <= 2 else 'NOT met'}); "
        f"{save['rps'] / floor_read['rps'] * 100:.0f} % of the signed-in GET, "
        f"{ratio:.0f} % of hello-world (information)"
    )


if __name__ == "__main__":
    main()
