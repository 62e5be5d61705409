"""The offline dependency audit: pip-audit's auditor against the vendored advisory snapshot."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "audit_dependencies.py"


def installed() -> dict[str, str]:
    return {
        canonicalize_name(d.metadata["Name"]): d.version
        for d in metadata.distributions()
        if canonicalize_name(d.metadata["Name"]) != "diam"
    }


def run(tmp_path: Path, packages: dict, exceptions: dict | None = None, refreshed: bool = True):
    snapshot = tmp_path / "advisories.json"
    snapshot.write_text(
        json.dumps({"refreshed_at": "2026-12-01" if refreshed else None, "packages": packages})
    )
    excepted = tmp_path / "exceptions.json"
    excepted.write_text(json.dumps(exceptions or {}))
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--snapshot", str(snapshot), "--exceptions", str(excepted)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def clean_snapshot() -> dict:
    return {name: {"version": version, "vulns": []} for name, version in installed().items()}


def test_a_clean_snapshot_passes(tmp_path: Path) -> None:
    result = run(tmp_path, clean_snapshot())
    assert result.returncode == 0, result.stdout
    assert "0 known vulnerabilities" in result.stdout


def test_a_known_vulnerability_of_an_installed_pin_fails(tmp_path: Path) -> None:
    packages = clean_snapshot()
    packages["django"]["vulns"] = [
        {"id": "PYSEC-2099-1", "aliases": ["CVE-2099-1"], "fix_versions": ["99.0"]}
    ]
    result = run(tmp_path, packages)
    assert result.returncode == 1
    assert f"VULNERABLE django {installed()['django']}: PYSEC-2099-1 (fixed in 99.0)" in (
        result.stdout
    )


def test_a_documented_exception_passes_and_is_reported(tmp_path: Path) -> None:
    packages = clean_snapshot()
    packages["django"]["vulns"] = [{"id": "PYSEC-2099-1", "aliases": ["CVE-2099-1"]}]
    result = run(tmp_path, packages, {"CVE-2099-1": "affects only MySQL; diam never uses it"})
    assert result.returncode == 0, result.stdout
    assert "excepted: affects only MySQL" in result.stdout


def test_a_pin_missing_from_a_refreshed_snapshot_fails(tmp_path: Path) -> None:
    packages = clean_snapshot()
    packages["django"]["version"] = "1.0"  # the pin moved on since the snapshot
    result = run(tmp_path, packages)
    assert result.returncode == 1
    assert "not in the advisory snapshot (refresh it" in result.stdout


def test_the_check_never_touches_the_network(tmp_path: Path) -> None:
    code = (
        "import socket, runpy, sys\n"
        "def refuse(*a, **k): raise SystemExit('network used')\n"
        "socket.socket.connect = refuse\n"
        f"sys.argv = ['audit', '--snapshot', {str(tmp_path / 'a.json')!r}]\n"
        f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')\n"
    )
    (tmp_path / "a.json").write_text(json.dumps({"refreshed_at": None, "packages": {}}))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0 and "network used" not in result.stderr
