"""The readiness endpoint for load balancers, and the liveness one."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from diam.web.core import health


@pytest.fixture(autouse=True)
def fresh() -> None:
    health.reset_for_tests()


def test_ready_when_database_migrations_and_data_dir_are(db: None, settings, tmp_path) -> None:
    settings.DATA_DIR = tmp_path
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": {"ok": True}, "migrations": {"ok": True}, "data_dir": {"ok": True}},
    }
    assert list(tmp_path.iterdir()) == []  # the probe file is gone


def test_a_read_only_data_dir_fails_the_check(db: None, settings, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path / "missing"
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["data_dir"] == {
        "ok": False,
        "detail": "data directory not writable",
    }


def test_pending_migrations_fail_the_check(db: None, monkeypatch) -> None:
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [object()])
    body = Client().get("/healthz").json()
    assert body["status"] == "failing"
    assert body["checks"]["migrations"] == {"ok": False, "detail": "1 migration(s) not applied"}


def test_an_unreachable_database_fails_the_check(db: None, monkeypatch) -> None:
    class Down:
        def cursor(self):
            raise OSError("connection refused")

    monkeypatch.setattr(health, "connections", {"default": Down()})
    monkeypatch.setattr(health, "_migrations_applied", True)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"ok": False, "detail": "database unreachable"}


def test_liveness_needs_nothing(db: None) -> None:
    assert Client().get("/healthz/live").content == b"ok"
