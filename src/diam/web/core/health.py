"""What the readiness endpoint checks: the database, the migrations, the data directory."""

from __future__ import annotations

import logging
import tempfile
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

logger = logging.getLogger(__name__)

# Once every migration is applied, this process's code and the database agree until the
# process is replaced (a deploy with new migrations starts new processes).
_migrations_applied = False


def _database() -> dict[str, Any]:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not reachable"
        logger.warning("health: database unreachable: %s", exc)
        return {"ok": False, "detail": "database unreachable"}
    return {"ok": True}


def _migrations() -> dict[str, Any]:
    global _migrations_applied
    if _migrations_applied:
        return {"ok": True}
    try:
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        logger.warning("health: cannot read migrations: %s", exc)
        return {"ok": False, "detail": "cannot read the applied migrations"}
    if pending:
        return {"ok": False, "detail": f"{len(pending)} migration(s) not applied"}
    _migrations_applied = True
    return {"ok": True}


def _data_dir() -> dict[str, Any]:
    directory = settings.DATA_DIR
    try:
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".health-", delete=True):
            pass
    except OSError as exc:
        logger.warning("health: data directory not writable: %s", exc)
        return {"ok": False, "detail": "data directory not writable"}
    return {"ok": True}


def health_checks() -> dict[str, dict[str, Any]]:
    return {"database": _database(), "migrations": _migrations(), "data_dir": _data_dir()}


def reset_for_tests() -> None:
    global _migrations_applied
    _migrations_applied = False
