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


# --- the snapshot built from OSV advisories (--from-osv) ---------------------------------------


def audit_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("audit_dependencies", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_osv_ranges_are_read_as_the_osv_schema_says() -> None:
    from packaging.version import Version

    includes = audit_module().range_includes

    def ev(*pairs):
        return [{kind: value} for kind, value in pairs]

    django_branches = ev(("introduced", "5.1"), ("fixed", "5.1.1"), ("introduced", "4.2"),
                         ("fixed", "4.2.16"))  # fmt: skip
    assert includes(django_branches, Version("4.2.15"))
    assert includes(django_branches, Version("5.1"))
    assert not includes(django_branches, Version("4.2.16"))  # the fixed release is fine
    assert not includes(django_branches, Version("5.0.3"))  # between the branches
    assert not includes(django_branches, Version("5.2.19"))
    # As published for CVE-2023-31047: a stray `introduced: 0` before the branches.
    stray = ev(("introduced", "0"), ("introduced", "4.0"), ("fixed", "4.1.9"),
               ("introduced", "3.2"), ("fixed", "3.2.19"))  # fmt: skip
    assert includes(stray, Version("2.2")) and not includes(stray, Version("5.2.19"))
    unfixed = ev(("introduced", "0"))
    assert includes(unfixed, Version("99.0"))
    last = ev(("introduced", "1.0"), ("last_affected", "1.4"))
    assert includes(last, Version("1.4")) and not includes(last, Version("1.4.1"))
    # A version the schema cannot order is ignored, never guessed.
    assert not includes(ev(("introduced", "not-a-version")), Version("1.0"))


def test_the_committed_extract_catches_what_python_venv_seeds() -> None:
    """Python 3.11's venv brings pip 23.2.1 and setuptools 65.5.0; both have advisories in the
    extract, which is why pyproject pins fixed releases of both."""
    from packaging.version import Version

    module = audit_module()
    advisories = json.loads((ROOT / "security" / "osv-extract.json").read_text())

    def hits(name: str, version: str) -> set[str]:
        return {
            hit["id"] for a in advisories if (hit := module.osv_affects(a, name, Version(version)))
        }

    assert "PYSEC-2023-228" in hits("pip", "23.2.1")
    assert "PYSEC-2022-43012" in hits("setuptools", "65.5.0")
    assert hits("pip", installed()["pip"]) == set()
    assert hits("setuptools", installed()["setuptools"]) == set()


def test_an_osv_advisory_for_an_installed_version_fails_the_check(tmp_path: Path) -> None:
    django = installed()["django"]
    db = tmp_path / "advisory-database" / "vulns" / "django"
    db.mkdir(parents=True)
    (db / "PYSEC-2099-7.yaml").write_text(
        "id: PYSEC-2099-7\nmodified: '2099-01-02T00:00:00Z'\naliases: [CVE-2099-7]\n"
        "details: Everything is broken.\naffected:\n- package: {name: Django, ecosystem: PyPI}\n"
        "  ranges:\n  - type: ECOSYSTEM\n    events: [{introduced: '0'}]\n"
    )
    # The same vulnerability under its GHSA id (JSON), counted once.
    (db / "GHSA-aaaa-bbbb-cccc.json").write_text(
        json.dumps(
            {
                "id": "GHSA-aaaa-bbbb-cccc",
                "aliases": ["CVE-2099-7"],
                "modified": "2099-01-01T00:00:00Z",
                "affected": [
                    {"package": {"name": "django", "ecosystem": "PyPI"}, "versions": [django]}
                ],
            }
        )
    )
    # Neither of these may count: withdrawn, and another ecosystem's "django".
    (db / "PYSEC-2099-8.yaml").write_text(
        "id: PYSEC-2099-8\nwithdrawn: '2099-01-03T00:00:00Z'\naffected:\n"
        "- package: {name: django, ecosystem: PyPI}\n  versions: ['" + django + "']\n"
    )
    (db / "NPM-1.json").write_text(
        json.dumps(
            {
                "id": "NPM-1",
                "affected": [
                    {"package": {"name": "django", "ecosystem": "npm"}, "versions": [django]}
                ],
            }
        )  # fmt: skip
    )
    (tmp_path / "advisory-database" / "README.yaml").write_text("title: not an advisory\n")
    snapshot = tmp_path / "advisories.json"
    built = subprocess.run(
        [sys.executable, str(SCRIPT), "--from-osv", str(tmp_path / "advisory-database"),
         "--source", "test-db", "--snapshot", str(snapshot)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
    data = json.loads(snapshot.read_text())
    assert data["as_of"] == "2099-01-02" and data["source"] == "test-db"
    assert [v["id"] for v in data["packages"]["django"]["vulns"]] == ["GHSA-aaaa-bbbb-cccc"]
    excepted = tmp_path / "none.json"
    excepted.write_text("{}")
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--snapshot", str(snapshot), "--exceptions", str(excepted)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    assert f"VULNERABLE django {django}: GHSA-aaaa-bbbb-cccc" in result.stdout
    assert "checked against test-db (advisories as of 2099-01-02" in result.stdout


def test_the_committed_snapshot_covers_every_installed_pin_and_says_what_it_is() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout
    assert "checked against pypa/advisory-database" in result.stdout
    assert "0 known vulnerabilities" in result.stdout
