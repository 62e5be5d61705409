"""The crash test: autosaves keep coming while gunicorn is killed (-9), a worker and then the
whole server; after a restart every acknowledged save is there with its value, and every
answer's history (its changes and its audit events) is consistent.

Runs on the suite's database: PostgreSQL when DATABASE_URL is set (a database of its own next
to it), else SQLite in WAL mode in a temporary directory. Loopback only, on a free port in
8100-8999; about 15-25 seconds.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

SETUP = """
import json
import django
django.setup()
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.middleware.csrf import _get_new_csrf_string
from diam.model.schema import PercentAnswer
from diam.web.accounts.models import Membership, Organisation, User
from diam.web.assessments.services import assessment_create, model_for

user = User.objects.create_user(email="crash@example.org", password="x" * 20, name="Crash")
org = Organisation.objects.create(name="Crash Hospital", country="NL")
Membership.objects.create(user=user, organisation=org, role="contributor")
assessment = assessment_create(organisation=org, user=user)
session = SessionStore()
session["_auth_user_id"] = str(user.pk)
session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
session["_auth_user_hash"] = user.get_session_auth_hash()
session.create()
mode = ""
if connection.vendor == "sqlite":
    with connection.cursor() as cursor:
        mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
criteria = [c.id for c in model_for(assessment).criteria if isinstance(c.answer, PercentAnswer)]
print(json.dumps({"session": session.session_key, "csrf": _get_new_csrf_string(),
                  "assessment": assessment.pk, "criteria": criteria[:8], "journal": mode}))
"""

READ = """
import json
import django
django.setup()
from diam.web.assessments.models import Answer
from diam.web.audit.models import AuditEvent

out = {}
for answer in Answer.objects.all():
    changes = list(answer.changes.order_by("id").values("old", "new"))
    audits = AuditEvent.objects.filter(action="answer.changed", target_id=str(answer.pk)).count()
    out[answer.criterion_id] = {"value": answer.value, "version": answer.version,
                                "changes": changes, "audits": audits}
print(json.dumps(out))
"""


def free_port() -> int:
    for _ in range(50):
        port = random.randint(8100, 8999)  # noqa: S311 - a port, not a secret
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8100-8999")


@pytest.fixture
def server_env(tmp_path: Path) -> Any:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DIAM_", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "diam.web.settings",
        "DIAM_DEBUG": "0",
        "DIAM_SECRET_KEY": "crash-test-" + "k" * 50,
        "DIAM_ALLOWED_HOSTS": "127.0.0.1",
        "DIAM_SSL_REDIRECT": "0",
        "DIAM_SECURE_COOKIES": "0",
        "DIAM_DATA_DIR": str(tmp_path),
        "DIAM_REQUEST_LOG_LEVEL": "WARNING",
    }
    url = os.environ.get("DATABASE_URL", "")
    name = ""
    if url:
        import psycopg

        parts = urlparse(url)
        name = f"{(parts.path.strip('/') or 'diam')}_crash_{os.getpid()}"
        admin = urlunparse(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = urlunparse(parts._replace(path=f"/{name}"))
    else:
        env.pop("DATABASE_URL", None)
    yield env
    if name:
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_python(code: str, env: dict[str, str]) -> Any:
    result = subprocess.run(
        [str(BIN / "python"), "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


class Server:
    def __init__(self, env: dict[str, str], port: int) -> None:
        self.env, self.port = env, port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own gunicorn
            [
                str(BIN / "gunicorn"),
                "diam.web.wsgi:application",
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "--graceful-timeout",
                "2",
            ],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,  # its own process group: killed whole, as a crash would
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz/live")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def workers(self) -> list[int]:
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(p) for p in children.read_text().split()]

    def kill_all(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)


class Saver(threading.Thread):
    """One person autosaving steadily: percentages on a few criteria, one save at a time."""

    def __init__(self, port: int, setup: dict[str, Any]) -> None:
        super().__init__(daemon=True)
        self.port, self.setup = port, setup
        self.stop_event = threading.Event()
        self.versions = dict.fromkeys(setup["criteria"], 0)
        self.acked: dict[str, tuple[int, int]] = {}  # criterion -> (value, version) last acked
        self.attempted: dict[str, list[int]] = {}  # values sent since the last ack
        self.sent = self.ok = self.failed = 0
        self.error: BaseException | None = None  # a crash of the thread must fail the test

    def save(self, cid: str, value: int) -> None:
        headers = {
            "Cookie": f"sessionid={self.setup['session']}; csrftoken={self.setup['csrf']}",
            "X-CSRFToken": self.setup["csrf"],
            "HX-Request": "true",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        body = f"value={value}&version={self.versions[cid]}"
        self.attempted.setdefault(cid, []).append(value)
        self.sent += 1
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("POST", f"/a/{self.setup['assessment']}/answer/{cid}/", body, headers)
            response = conn.getresponse()
            text = response.read().decode()
        except (OSError, http.client.HTTPException):
            # Killed mid-request (refused, reset, or a body cut short: IncompleteRead):
            # the save may or may not have happened.
            self.failed += 1
            time.sleep(0.05)
            return
        finally:
            conn.close()
        found = re.search(rf'id="q-{cid}-version" value="(\d+)"', text)
        if found:
            self.versions[cid] = int(found.group(1))
        if response.status == 200 and found:
            self.ok += 1
            self.acked[cid] = (value, int(found.group(1)))
            self.attempted[cid] = []
        # 409: a save acknowledged to nobody happened; the fresh version is taken above.

    def run(self) -> None:
        value = 0
        try:
            while not self.stop_event.is_set():
                for cid in self.setup["criteria"]:
                    value = (value + 7) % 101
                    self.save(cid, value)
        except BaseException as error:  # noqa: BLE001 - reported by the test, not lost in a thread
            self.error = error


@pytest.mark.xdist_group("whole-server")  # never beside the browser flows: both load the CPU
def test_acknowledged_saves_survive_kill_9_of_a_worker_and_of_the_whole_server(
    server_env: dict[str, str],
) -> None:
    subprocess.run(
        [str(BIN / "python"), "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        env=server_env,
        check=True,
        timeout=300,
    )
    setup = run_python(SETUP, server_env)
    if "DATABASE_URL" not in server_env:
        assert setup["journal"] == "wal"
    server = Server(server_env, free_port())
    server.start()
    saver = Saver(server.port, setup)
    try:
        saver.start()
        time.sleep(2)
        os.kill(server.workers()[0], signal.SIGKILL)  # one worker, mid-stream
        time.sleep(2)
        server.kill_all()  # then master and workers at once
        time.sleep(0.5)
        server.start()
        time.sleep(2)
    finally:
        saver.stop_event.set()
        saver.join(timeout=20)
        server.stop()
    print(f"crash test: {saver.sent} saves sent, {saver.ok} acknowledged, {saver.failed} cut off")
    assert saver.error is None, f"the saver stopped on {saver.error!r}"
    assert saver.ok > 20 and saver.failed >= 1, (saver.ok, saver.failed)

    stored = run_python(READ, server_env)
    for cid, (value, version) in saver.acked.items():
        row = stored[cid]
        assert row["version"] >= version, (cid, row, value, version)
        if row["version"] == version:
            assert row["value"] == value, (cid, row, value)
        else:  # later saves whose answer was lost in the crash may have happened
            assert row["value"] in saver.attempted[cid], (cid, row, saver.attempted[cid])
    for cid, row in stored.items():
        changes = row["changes"]
        assert len(changes) == row["version"] == row["audits"], (cid, row)
        for before, after in zip(changes, changes[1:], strict=False):
            assert before["new"] == after["old"], (cid, before, after)
        assert changes[-1]["new"]["value"] == row["value"]
