"""Known vulnerabilities of the installed (pinned) dependencies, checked without the network.

`make test` runs this offline: pip-audit's own auditor, fed every distribution installed in the
virtual environment (the exact pins of pyproject.toml and what they resolved to), asks a
vendored advisory snapshot (security/advisories.json) instead of PyPI or OSV. A vulnerability
fails the check unless security/audit-exceptions.json names it with a reason.

The snapshot records, for exactly these pins, every advisory that affects them, and says what
it was built from. Two ways to build it, both writing the same format:

- `--from-osv DIR`: read a directory of OSV advisories (YAML or JSON, searched recursively), e.g.
  a git clone of https://github.com/pypa/advisory-database (`vulns/<package>/*.yaml`) or of
  https://github.com/github/advisory-database (`advisories/github-reviewed/**.json`), and record
  every advisory whose affected ranges or versions include the installed version. No network.
- `--refresh` (`make audit-refresh`): pip-audit's PyPI service, where PyPI's JSON API answers.

Rebuild it whenever a pin changes and before a release. Until a snapshot has been built it holds
no advisories and the check says so; once built, a pin missing from it fails the check.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version
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
        # What the check was made against, in its own words: "pypa/advisory-database as of ...".
        self.source = str(snapshot.get("source") or "the snapshot")
        self.as_of = str(snapshot.get("as_of") or snapshot.get("refreshed_at") or "")

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
    age = _age_days(service.as_of)
    if age is not None and age > STALE_DAYS:
        print(
            f"pip-audit (offline): warning: the newest advisory in the snapshot is from "
            f"{service.as_of}, {age} days ago; advisories published since are not checked. "
            "Rebuild it (security/README.md)."
        )
    if skipped:
        print("pip-audit (offline): not in the advisory snapshot (refresh it: make audit-refresh):")
        for dep in skipped:
            print(f"  {dep.name}: {dep.skip_reason}")  # type: ignore[attr-defined]
    for line in found:
        print(f"pip-audit (offline): VULNERABLE {line}")
    print(
        f"pip-audit (offline): {audited} packages checked against {service.source} "
        f"(advisories as of {service.as_of}; snapshot built {snapshot['refreshed_at']}): "
        f"{len(found)} known vulnerabilities, {len(excepted)} excepted."
    )
    return 1 if found or skipped else 0


STALE_DAYS = 90


def _age_days(day: str) -> int | None:
    try:
        return (datetime.now(UTC).date() - date.fromisoformat(day[:10])).days
    except ValueError:
        return None


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


# --- building the snapshot from OSV files (pypa/advisory-database, github/advisory-database) ---


def _load_osv(path: Path) -> list[dict[str, Any]]:
    """The advisories in one file: one OSV object, or a JSON list of them (an extract)."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        print(f"skipped {path}: not a readable OSV file ({exc.__class__.__name__})")
        return []
    items = data if isinstance(data, list) else [data]
    # Anything without an id is not an advisory (a README, a schema, a workflow file ...).
    return [a for a in items if isinstance(a, dict) and isinstance(a.get("id"), str)]


def _version(text: Any) -> Version | None:
    try:
        return Version(str(text))
    except InvalidVersion:
        return None


def range_includes(events: list[dict[str, Any]], version: Version) -> bool:
    """OSV's rule for an ECOSYSTEM range: walk the events in version order; `introduced` opens
    an affected stretch, `fixed` (that version is fine) and `last_affected` (the next one is)
    close it. An event whose version cannot be parsed is ignored, never guessed."""
    ordered: list[tuple[Version, int, str]] = []
    for event in events:
        for kind, rank in (("introduced", 1), ("fixed", 0), ("last_affected", 2)):
            if kind in event:
                raw = str(event[kind])
                parsed = Version("0") if kind == "introduced" and raw == "0" else _version(raw)
                if parsed is not None:
                    ordered.append((parsed, rank, kind))
    affected = False
    for at, _rank, kind in sorted(ordered):
        if kind == "introduced" and version >= at:
            affected = True
        elif kind == "fixed" and version >= at:
            affected = False
        elif kind == "last_affected" and version > at:
            affected = False
    return affected


def osv_affects(advisory: dict[str, Any], name: str, version: Version) -> dict[str, Any] | None:
    """The advisory's entry for `name` if it covers `version` (None otherwise)."""
    if advisory.get("withdrawn"):
        return None
    for affected in advisory.get("affected") or []:
        package = affected.get("package") or {}
        if package.get("ecosystem") != "PyPI":
            continue
        if canonicalize_name(str(package.get("name", ""))) != name:
            continue
        listed = {_version(v) for v in affected.get("versions") or []}
        ranges = [r for r in affected.get("ranges") or [] if r.get("type") == "ECOSYSTEM"]
        if version in listed or any(range_includes(r.get("events") or [], version) for r in ranges):
            # The nearest fix above the installed version is the one of its own branch.
            later = {
                fixed
                for r in ranges
                for e in r.get("events") or []
                if "fixed" in e and (fixed := _version(e["fixed"])) is not None and fixed > version
            }
            fixes = [str(v) for v in sorted(later)]
            return {
                "id": advisory["id"],
                "aliases": sorted(advisory.get("aliases") or []),
                "fix_versions": fixes[:1],
                "description": str(advisory.get("summary") or advisory.get("details") or "")[:500],
                "modified": str(advisory.get("modified", "")),
            }
    return None


def _osv_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return [p for p in sorted(root.rglob("*")) if p.suffix in {".yaml", ".yml", ".json"}]


def from_osv(root: Path, snapshot_path: Path, source: str, coverage: str = "") -> int:
    """Write the snapshot from the OSV advisories in `root`, a directory or a file (no network)."""
    installed = {dep.canonical_name: dep.version for dep in InstalledSource().collect()}
    packages: dict[str, Any] = {
        name: {"version": str(version), "vulns": [], "advisories_read": 0}
        for name, version in sorted(installed.items())
    }
    advisories = [a for path in _osv_files(root) if path.is_file() for a in _load_osv(path)]
    newest, read = "", 0
    for advisory in advisories:
        read += 1
        newest = max(newest, str(advisory.get("modified") or advisory.get("published") or ""))
        for affected in advisory.get("affected") or []:
            name = canonicalize_name(str((affected.get("package") or {}).get("name", "")))
            if name in packages:
                packages[name]["advisories_read"] += 1
        for name, version in installed.items():
            hit = osv_affects(advisory, name, version)
            seen = {v["id"] for v in packages[name]["vulns"]} | {
                a for v in packages[name]["vulns"] for a in v["aliases"]
            }
            # One vulnerability often has several ids (PYSEC, GHSA, CVE): keep it once.
            if hit and not ({hit["id"], *hit["aliases"]} & seen):
                packages[name]["vulns"].append(hit)
    if read == 0:
        print(f"No OSV advisory found in {root}; the snapshot was not changed.")
        return 2
    snapshot = {
        "refreshed_at": datetime.now(UTC).date().isoformat(),
        "source": source,
        "as_of": newest[:10],
        "advisories_read": read,
        **({"coverage": coverage} if coverage else {}),
        "packages": packages,
    }
    snapshot_path.write_text(json.dumps(snapshot, indent=1) + "\n", encoding="utf-8")
    hits = sum(len(p["vulns"]) for p in packages.values())
    print(
        f"Wrote {snapshot_path}: {read} advisories read (newest {newest[:10]}), "
        f"{len(packages)} installed packages, {hits} advisories affect them."
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--refresh", action="store_true", help="query PyPI (needs the network)")
    parser.add_argument(
        "--from-osv",
        type=Path,
        metavar="DIR",
        help="build the snapshot from OSV files (a directory such as a clone of "
        "pypa/advisory-database, or one file)",
    )
    parser.add_argument(
        "--source",
        default="pypa/advisory-database",
        help="what DIR is, as the check should name it (with --from-osv)",
    )
    parser.add_argument(
        "--coverage", default="", help="what was and was not read, kept in the snapshot"
    )
    parser.add_argument("--snapshot", type=Path, default=SNAPSHOT)
    parser.add_argument("--exceptions", type=Path, default=EXCEPTIONS)
    args = parser.parse_args()
    if args.refresh:
        return refresh(args.snapshot)
    if args.from_osv:
        return from_osv(args.from_osv, args.snapshot, args.source, args.coverage)
    return check(args.snapshot, args.exceptions)


if __name__ == "__main__":
    sys.exit(main())
