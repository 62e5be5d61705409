"""Known vulnerabilities of the installed (pinned) dependencies, checked without the network.

`make test` runs this offline: pip-audit's own auditor, fed every distribution installed in the
virtual environment (the exact pins of pyproject.toml and what they resolved to), asks a
vendored advisory snapshot (security/advisories.json) instead of PyPI or OSV. A vulnerability
fails the check unless security/audit-exceptions.json names it with a reason.

The snapshot is pip-audit's answer for exactly these pins on one date. Refresh it where PyPI's
JSON API is reachable (`make audit-refresh`, i.e. this script with --refresh) whenever a pin
changes, and before a release. Until a snapshot has been refreshed it holds no advisories and
the check says so; once refreshed, a pin missing from it fails the check (refresh first).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import Version
from pip_audit._audit import Auditor
from pip_audit._dependency_source.interface import DependencySource
from pip_audit._fix import ResolvedFixVersion
from pip_audit._service.interface import (
    Dependency,
    ResolvedDependency,
    SkippedDependency,
    VulnerabilityResult,
    VulnerabilityService,
)

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "security" / "advisories.json"
EXCEPTIONS = ROOT / "security" / "audit-exceptions.json"
OWN = {"diam"}


class InstalledSource(DependencySource):
    """Every distribution installed in this environment, at its installed version."""

    def collect(self) -> Iterator[Dependency]:
        seen = set()
        for dist in metadata.distributions():
            name = canonicalize_name(dist.metadata["Name"] or "")
            if not name or name in OWN or name in seen:
                continue
            seen.add(name)
            yield ResolvedDependency(name=name, version=Version(dist.version))

    def fix(self, fix_version: ResolvedFixVersion) -> None:  # pragma: no cover - never fixes
        raise NotImplementedError


class SnapshotService(VulnerabilityService):
    """Answers from the vendored snapshot: {package: {version, vulns: [...]}}."""

    def __init__(self, snapshot: dict[str, Any]) -> None:
        self.packages = snapshot.get("packages", {})
        self.refreshed = bool(snapshot.get("refreshed_at"))

    def query(self, spec: Dependency) -> tuple[Dependency, list[VulnerabilityResult]]:
        assert isinstance(spec, ResolvedDependency)
        entry = self.packages.get(spec.canonical_name)
        if entry is None or entry.get("version") != str(spec.version):
            reason = f"{spec.name} {spec.version} is not in the advisory snapshot"
            return SkippedDependency(name=spec.name, skip_reason=reason), []
        return spec, [
            VulnerabilityResult(
                id=v["id"],
                description=v.get("description", ""),
                fix_versions=[Version(f) for f in v.get("fix_versions", [])],
                aliases=set(v.get("aliases", [])),
            )
            for v in entry.get("vulns", [])
        ]


def check(snapshot_path: Path, exceptions_path: Path) -> int:
    snapshot = json.loads(snapshot_path.read_text(encoding="utf-8"))
    exceptions: dict[str, str] = (
        json.loads(exceptions_path.read_text(encoding="utf-8")) if exceptions_path.exists() else {}
    )
    service = SnapshotService(snapshot)
    found, skipped, excepted, audited = [], [], [], 0
    for dep, vulns in Auditor(service).audit(InstalledSource()):
        if dep.is_skipped():
            skipped.append(dep)
            continue
        audited += 1
        for vuln in vulns:
            ids = {vuln.id, *vuln.aliases}
            reason = next((exceptions[i] for i in ids if i in exceptions), None)
            line = f"{dep.name} {dep.version}: {vuln.id} (fixed in {_versions(vuln)})"
            if reason:
                excepted.append(f"{line} — excepted: {reason}")
            else:
                found.append(line)
    for line in excepted:
        print(f"pip-audit (offline): {line}")
    if not service.refreshed:
        print(
            "pip-audit (offline): the advisory snapshot has never been refreshed, so it lists "
            "no advisories; run `make audit-refresh` where PyPI is reachable "
            f"({len(skipped)} installed packages unchecked)."
        )
        return 1 if found else 0
    if skipped:
        print("pip-audit (offline): not in the advisory snapshot (refresh it: make audit-refresh):")
        for dep in skipped:
            print(f"  {dep.name}: {dep.skip_reason}")  # type: ignore[attr-defined]
    for line in found:
        print(f"pip-audit (offline): VULNERABLE {line}")
    print(
        f"pip-audit (offline): {audited} packages checked against the snapshot of "
        f"{snapshot['refreshed_at']}: {len(found)} known vulnerabilities, "
        f"{len(excepted)} excepted."
    )
    return 1 if found or skipped else 0


def _versions(vuln: VulnerabilityResult) -> str:
    return ", ".join(str(v) for v in vuln.fix_versions) or "no fixed version yet"


def refresh(snapshot_path: Path) -> int:
    """Ask PyPI (network) about every installed package; write the snapshot."""
    from pip_audit._service.pypi import PyPIService

    packages: dict[str, Any] = {}
    unreachable = []
    for dep, vulns in Auditor(PyPIService(timeout=30)).audit(InstalledSource()):
        if dep.is_skipped():
            unreachable.append(dep.name)
            continue
        assert isinstance(dep, ResolvedDependency)
        packages[dep.canonical_name] = {
            "version": str(dep.version),
            "vulns": [
                {
                    "id": v.id,
                    "aliases": sorted(v.aliases),
                    "fix_versions": [str(f) for f in v.fix_versions],
                    "description": v.description[:500],
                }
                for v in vulns
            ],
        }
    if unreachable:
        print(f"Could not audit (PyPI unreachable or unknown): {', '.join(sorted(unreachable))}")
        print("The snapshot was not changed.")
        return 2
    snapshot = {
        "refreshed_at": datetime.now(UTC).date().isoformat(),
        "source": "pip-audit PyPI service (PyPI JSON API, OSV data)",
        "packages": dict(sorted(packages.items())),
    }
    snapshot_path.write_text(json.dumps(snapshot, indent=1) + "\n", encoding="utf-8")
    print(f"Wrote {snapshot_path}: {len(packages)} packages.")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--refresh", action="store_true", help="query PyPI (needs the network)")
    parser.add_argument("--snapshot", type=Path, default=SNAPSHOT)
    parser.add_argument("--exceptions", type=Path, default=EXCEPTIONS)
    args = parser.parse_args()
    if args.refresh:
        return refresh(args.snapshot)
    return check(args.snapshot, args.exceptions)


if __name__ == "__main__":
    sys.exit(main())
