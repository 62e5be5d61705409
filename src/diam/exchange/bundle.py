"""The answers bundle: one zip with the answers file, the evidence files and a manifest.

Layout (docs/data-exchange.md):

    manifest.json                 format, model, what was exported, and every other entry
                                  with its size and SHA-256
    answers.json                  the answers file (design.md §3)
    evidence/<criterion>/<n>-<name>  each evidence file; its original name, criterion and
                                  content type are in the manifest

Reading checks the structure only (entries, checksums, names); the answers go through
`parse_answer_file` and the evidence through the web app's evidence rules, by the caller.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from diam.exchange.safety import UploadProblem, ZipLimits, open_zip, read_entry

FORMAT = "diam-answers-bundle"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
ANSWERS = "answers.json"
MAX_NAME_CHARS = 200
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class BundledFile:
    """One evidence file: the criterion it supports, its original name, type and content."""

    criterion_id: str
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Bundle:
    """A read bundle: the answers document (not yet validated) and its evidence files."""

    answers: Any
    evidence: tuple[BundledFile, ...]
    manifest: Mapping[str, Any] = field(default_factory=dict)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entry_name(criterion_id: str, index: int, name: str) -> str:
    """A zip entry name built only from safe characters; the original name is in the manifest."""
    stem = _UNSAFE_CHARS.sub("_", name).strip("._") or "file"
    return f"evidence/{_UNSAFE_CHARS.sub('_', criterion_id)}/{index:03d}-{stem[:100]}"


def build_bundle(
    *,
    answers: Mapping[str, Any],
    evidence: Sequence[BundledFile],
    exported_at: datetime,
    source: Mapping[str, Any] | None = None,
) -> bytes:
    """The bundle's bytes; `source` (the assessment's title, status…) goes in the manifest."""
    answers_bytes = (json.dumps(answers, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    entries: list[tuple[str, bytes, dict[str, Any]]] = [(ANSWERS, answers_bytes, {})]
    for index, item in enumerate(evidence, start=1):
        entries.append(
            (
                entry_name(item.criterion_id, index, item.name),
                item.data,
                {
                    "criterion": item.criterion_id,
                    "name": item.name,
                    "content_type": item.content_type,
                },
            )
        )
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model": answers.get("model"),
        "model_version": answers.get("model_version"),
        "exported_at": exported_at.isoformat(timespec="seconds"),
        "source": dict(source or {}),
        "files": [
            {"path": path, "size": len(data), "sha256": _sha256(data), **extra}
            for path, data, extra in entries
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        for path, data, _ in entries:
            archive.writestr(path, data)
    return buffer.getvalue()


def _json(data: bytes, name: str) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise UploadProblem(f"The bundle's {name} is not UTF-8 text.") from None
    except json.JSONDecodeError as exc:
        raise UploadProblem(
            f"The bundle's {name} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg})."
        ) from None


def _listed(manifest: Any) -> dict[str, Mapping[str, Any]]:
    """The manifest's files by path, after checking the manifest's own shape."""
    if not isinstance(manifest, dict):
        raise UploadProblem("The bundle's manifest.json must be a JSON object.")
    if manifest.get("format") != FORMAT:
        raise UploadProblem(
            f"The bundle's manifest.json does not describe a diam answers bundle "
            f"(format must be {FORMAT!r})."
        )
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise UploadProblem(
            f"The bundle is format version {version!r}; this diam reads version {FORMAT_VERSION}."
        )
    files = manifest.get("files")
    if not isinstance(files, list):
        raise UploadProblem("The bundle's manifest.json has no list of files.")
    listed: dict[str, Mapping[str, Any]] = {}
    problems: list[str] = []
    for number, entry in enumerate(files, start=1):
        where = f"manifest.json, file {number}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be an object.")
            continue
        path, size, digest = entry.get("path"), entry.get("size"), entry.get("sha256")
        if not isinstance(path, str) or not path:
            problems.append(f"{where}: `path` is missing.")
            continue
        if path in listed:
            problems.append(f"{where}: {path!r} is listed twice.")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            problems.append(f"{where} ({path}): `size` must be a whole number of bytes.")
        if not isinstance(digest, str) or not _SHA256.match(digest):
            problems.append(f"{where} ({path}): `sha256` must be 64 lower-case hex digits.")
        if path != ANSWERS:
            for key in ("criterion", "name", "content_type"):
                value = entry.get(key)
                if not isinstance(value, str) or not value.strip():
                    problems.append(f"{where} ({path}): `{key}` is missing.")
            name = entry.get("name")
            if isinstance(name, str) and len(name) > MAX_NAME_CHARS:
                problems.append(f"{where} ({path}): the name is over {MAX_NAME_CHARS} characters.")
        listed[path] = entry
    if problems:
        raise UploadProblem(problems)
    return listed


def read_bundle(data: bytes, *, limits: ZipLimits | None = None) -> Bundle:
    """Read and check a bundle; raise `UploadProblem` listing everything wrong with it.

    Every entry must be listed in the manifest with its size and SHA-256, and every listed
    file must be present: a bundle changed after export is refused, not half read.
    """
    with open_zip(data, what="The bundle", limits=limits) as archive:
        names = [i.filename for i in archive.infolist() if not i.is_dir()]
        if MANIFEST not in names:
            raise UploadProblem(
                "The bundle has no manifest.json: it was not exported by diam "
                "(or was re-packed without it)."
            )
        manifest = _json(read_entry(archive, MANIFEST, what="The bundle"), MANIFEST)
        listed = _listed(manifest)
        problems: list[str] = []
        present = set(names) - {MANIFEST}
        for extra in sorted(present - set(listed)):
            problems.append(f"The bundle contains {extra}, which its manifest does not list.")
        for missing in sorted(set(listed) - present):
            problems.append(f"The bundle's manifest lists {missing}, which is missing.")
        if ANSWERS not in listed:
            problems.append("The bundle has no answers.json.")
        if problems:
            raise UploadProblem(problems)
        contents: dict[str, bytes] = {}
        for path, entry in listed.items():
            content = read_entry(archive, path, what="The bundle")
            if len(content) != entry["size"] or _sha256(content) != entry["sha256"]:
                problems.append(
                    f"The bundle's {path} does not match its checksum in the manifest "
                    "(changed or damaged after export)."
                )
            contents[path] = content
        if problems:
            raise UploadProblem(problems)
    answers = _json(contents[ANSWERS], ANSWERS)
    evidence = tuple(
        BundledFile(
            criterion_id=str(entry["criterion"]).strip(),
            name=str(entry["name"]).strip(),
            content_type=str(entry["content_type"]).strip(),
            data=contents[path],
        )
        for path, entry in listed.items()
        if path != ANSWERS
    )
    return Bundle(answers=answers, evidence=evidence, manifest=manifest)
