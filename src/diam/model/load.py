"""Read a model directory, checking it in three layers: YAML syntax, structure, meaning.

Layout of a model directory::

    manifest.yaml         identity, stage rule, stages, branches, focus areas, systems
    references.yaml       the reference catalogue
    criteria/<CODE>.yaml  one file per focus area
    migration.yaml        optional: how the criteria map onto the previous version
    calibration/*.yaml    optional: calibration cases (diam.calibration)

`check_model_dir` returns every problem found in one run; `load_model` raises
`ModelError` carrying them when any is an error.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from diam.model.check import check_meaning
from diam.model.migration import Migration, check_migration
from diam.model.problems import Problem
from diam.model.schema import FocusAreaFile, Manifest, Model, ReferenceCatalogue

try:  # the C loader is several times faster; fall back where libyaml is missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path_ = tuple[str | int, ...]


class ModelError(Exception):
    """The model cannot be used; `problems` lists every error and warning found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(f"{len(errors)} problem(s) in the model:\n" + format_problems(errors))


def format_problems(problems: list[Problem]) -> str:
    return "\n".join(str(p) for p in problems)


@dataclass
class _Doc:
    """A parsed YAML file and the line of every value in it (1-based)."""

    file: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line(self, path: Path_) -> int | None:
        # Walk up to the nearest located ancestor: pydantic may name a key that is missing.
        for end in range(len(path), -1, -1):
            found = self.lines.get(path[:end])
            if found is not None:
                return found
        return None


def _scalar(node: yaml.ScalarNode) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


def _read_yaml(path: Path, root: Path, problems: list[Problem]) -> _Doc | None:
    rel = str(path.relative_to(root.parent)) if root.parent in path.parents else str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(Problem.error(rel, None, "file is missing"))
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem.error(rel, None, f"cannot read file: {exc}"))
        return None
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problems.append(Problem.error(rel, line, f"invalid YAML: {getattr(exc, 'problem', exc)}"))
        return None
    if node is None:
        problems.append(Problem.error(rel, 1, "file is empty"))
        return None
    lines: dict[Path_, int] = {}
    data = _to_python(node, (), lines)
    return _Doc(rel, data, lines)


def _to_python(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            out[key] = _to_python(value_node, (*path, key), lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(v, (*path, i), lines) for i, v in enumerate(node.value)]
    assert isinstance(node, yaml.ScalarNode)
    return _scalar(node)


def _structure_problems(doc: _Doc, exc: ValidationError) -> Iterator[Problem]:
    for err in exc.errors():
        path = _author_path(doc.data, tuple(err["loc"]))
        where = ".".join(str(p) for p in path) or "(top level)"
        yield Problem.error(doc.file, doc.line(path), f"{where}: {err['msg']}")


def _author_path(data: Any, loc: tuple[Any, ...]) -> Path_:
    """Keep only the parts of a pydantic error location that the author wrote.

    Pydantic inserts discriminator tags ("choice") and validator names into `loc`; following
    the data drops them, while a missing key (the usual error) is still named at the end.
    """
    path: list[str | int] = []
    current = data
    for part in loc:
        if isinstance(current, dict) and part in current:
            current = current[part]
            path.append(part)
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            current = current[part]
            path.append(part)
        elif isinstance(current, dict) and part == loc[-1] and isinstance(part, str):
            path.append(part)
            break
    return tuple(path)


@dataclass
class _Parsed:
    manifest: Manifest | None = None
    catalogue: ReferenceCatalogue | None = None
    areas: list[tuple[_Doc, FocusAreaFile]] = field(default_factory=list)
    manifest_doc: _Doc | None = None
    references_doc: _Doc | None = None


def _parse(root: Path, problems: list[Problem]) -> _Parsed:
    parsed = _Parsed()
    if not root.is_dir():
        problems.append(Problem.error(str(root), None, "model directory not found"))
        return parsed
    doc = _read_yaml(root / "manifest.yaml", root, problems)
    if doc is not None:
        parsed.manifest_doc = doc
        try:
            parsed.manifest = Manifest.model_validate(doc.data)
        except ValidationError as exc:
            problems.extend(_structure_problems(doc, exc))
    doc = _read_yaml(root / "references.yaml", root, problems)
    if doc is not None:
        parsed.references_doc = doc
        try:
            parsed.catalogue = ReferenceCatalogue.model_validate(doc.data)
        except ValidationError as exc:
            problems.extend(_structure_problems(doc, exc))
    files = sorted((root / "criteria").glob("*.yaml"))
    if not files:
        problems.append(Problem.error(f"{root.name}/criteria", None, "no criteria files found"))
    for path in files:
        doc = _read_yaml(path, root, problems)
        if doc is None:
            continue
        data = doc.data
        if isinstance(data, dict) and isinstance(data.get("criteria"), list):
            code = data.get("focus_area")
            for item in data["criteria"]:
                # Criteria inherit the file's focus area; an explicit, different one is an error
                # that the meaning check reports.
                if isinstance(item, dict) and "focus_area" not in item:
                    item["focus_area"] = code
        try:
            parsed.areas.append((doc, FocusAreaFile.model_validate(data)))
        except ValidationError as exc:
            problems.extend(_structure_problems(doc, exc))
    return parsed


def _content_hash(root: Path) -> str:
    digest = hashlib.sha256()
    files = [
        root / "manifest.yaml",
        root / "references.yaml",
        *sorted(root.glob("criteria/*.yaml")),
    ]
    for path in files:
        if path.is_file():
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def check_model_dir(path: str | Path) -> tuple[Model | None, list[Problem]]:
    """Check a model directory; return the model (None if any error) and all problems."""
    root = Path(path)
    problems: list[Problem] = []
    parsed = _parse(root, problems)
    if parsed.manifest is None or parsed.catalogue is None:
        return None, problems
    located = [(doc.file, doc.line, fa) for doc, fa in parsed.areas]
    problems.extend(
        check_meaning(
            manifest=parsed.manifest,
            manifest_file=parsed.manifest_doc.file if parsed.manifest_doc else "manifest.yaml",
            manifest_line=parsed.manifest_doc.line if parsed.manifest_doc else None,
            catalogue=parsed.catalogue,
            references_file=parsed.references_doc.file if parsed.references_doc else "",
            references_line=parsed.references_doc.line if parsed.references_doc else None,
            areas=located,
        )
    )
    if any(p.severity == "error" for p in problems):
        return None, problems
    criteria = tuple(c for _, fa in parsed.areas for c in fa.criteria)
    model = Model(
        manifest=parsed.manifest,
        references=parsed.catalogue.references,
        criteria=criteria,
        content_hash=_content_hash(root),
    )
    return model, problems


_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


def _semver_key(name: str) -> tuple[int, int, int]:
    match = _SEMVER.match(name)
    assert match is not None
    major, minor, patch = match.groups()
    return int(major), int(minor), int(patch)


def is_version_dir(path: Path) -> bool:
    """A directory holding one model version (it has a `manifest.yaml`)."""
    return (path / "manifest.yaml").is_file()


def version_dirs(root: str | Path) -> list[tuple[str, Path]]:
    """`(version, directory)` of every version installed under a model's root, oldest first.

    A model root holds one directory per SemVer version (`models/radiology/2.0.0/`). A root
    that is itself a version directory (it has a `manifest.yaml`) counts as one version, named
    by its manifest; that is how single-version models (tests, authors' drafts) are read.
    """
    base = Path(root)
    if not base.is_dir():
        return []
    if is_version_dir(base):
        return [(_manifest_version(base) or base.name, base)]
    found = [
        (child.name, child)
        for child in base.iterdir()
        if child.is_dir() and _SEMVER.match(child.name) and is_version_dir(child)
    ]
    return sorted(found, key=lambda item: _semver_key(item[0]))


def _manifest_version(path: Path) -> str | None:
    try:
        data = yaml.load((path / "manifest.yaml").read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    version = data.get("version") if isinstance(data, dict) else None
    return version if isinstance(version, str) else None


def check_model_tree(path: str | Path) -> tuple[list[Model], list[Problem]]:
    """Check every version under a model root (or the one version directory given).

    Returns the models that loaded (oldest first) and every problem found. Beyond each
    version's own checks: a version directory must be named after its manifest's version,
    and all versions must share the model id.
    """
    root = Path(path)
    problems: list[Problem] = []
    if not root.is_dir():
        return [], [Problem.error(str(root), None, "model directory not found")]
    versions = version_dirs(root)
    if not versions:
        problems.append(
            Problem.error(
                str(root),
                None,
                "no model here: expected manifest.yaml, or version directories such as 1.0.0/",
            )
        )
        return [], problems
    models: list[Model] = []
    located: list[tuple[Path, Model]] = []
    for name, version_root in versions:
        model, found = check_model_dir(version_root)
        problems.extend(found)
        if model is None:
            continue
        if version_root != root and model.version != name:
            problems.append(
                Problem.error(
                    f"{root.name}/{name}/manifest.yaml",
                    None,
                    f"directory {name}/ holds version {model.version}; name it after the "
                    "manifest's version",
                )
            )
            continue
        models.append(model)
        located.append((version_root, model))
    _check_migrations(root, located, problems)
    ids = sorted({m.id for m in models})
    if len(ids) > 1:
        problems.append(
            Problem.error(str(root), None, f"versions disagree on the model id: {', '.join(ids)}")
        )
    return models, problems


def read_migration(path: str | Path) -> tuple[Migration | None, list[Problem]]:
    """The `migration.yaml` of a version directory (None when there is none) and its problems."""
    root = Path(path)
    file = root / "migration.yaml"
    if not file.is_file():
        return None, []
    problems: list[Problem] = []
    doc = _read_yaml(file, root, problems)
    if doc is None:
        return None, problems
    try:
        return Migration.model_validate(doc.data), problems
    except ValidationError as exc:
        problems.extend(_structure_problems(doc, exc))
        return None, problems


def _check_migrations(
    root: Path, loaded: list[tuple[Path, Model]], problems: list[Problem]
) -> None:
    """Check each version's migration against the version it names (installed beside it)."""
    by_version = {m.version: m for _, m in loaded}
    for version_root, model in loaded:
        migration, found = read_migration(version_root)
        problems.extend(found)
        if migration is None:
            continue
        file = f"{root.name}/{model.version}/migration.yaml"
        old = by_version.get(migration.from_version)
        if old is None:
            problems.append(
                Problem.warning(
                    file,
                    None,
                    f"migrates from {migration.from_version}, which is not installed here; "
                    "the migration was not checked",
                )
            )
            continue
        problems.extend(check_migration(migration=migration, old=old, new=model, file=file))


def load_model(path: str | Path) -> Model:
    """Load and check a model directory; raise `ModelError` if it has any error."""
    model, problems = check_model_dir(path)
    if model is None:
        raise ModelError(problems)
    return model
