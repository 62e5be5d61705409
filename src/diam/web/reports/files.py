"""What a stored report file is: its kinds, its key, and how it is written to disk.

The key is a SHA-256 over everything the file shows, computed the same way by the download
(from the current state) and by the renderer (from the state it rendered), so a download
streams a stored file only if rendering now would give the same content:

- the assessment: id, status, creation, submission and last-change times (`updated_at` moves
  with a submission, a reopening, a rescore and a validation decision);
- the organisation's name and country and the assessment's service profile (which criteria
  apply), and the answers with their comments, respondents and times;
- the model id, version and content hash (a model fix changes the hash: `diam rescore`);
- the report options (target stage, branch order) and the file kind;
- the benchmark release the Benchmark section comes from (`current_release_id`);
- the renderer: the report code and templates, the charts, the rendering libraries' versions,
  and the time zone the times are shown in.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from django.conf import settings

from diam import __version__
from diam.reports import Report, checklist_to_csv, checklist_to_xlsx
from diam.reports.render import render_docx, render_pdf, render_xlsx
from diam.web.assessments.models import Answer, Assessment
from diam.web.assessments.services import assessment_context, model_for
from diam.web.reports.selectors import ReportOptions

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


@dataclass(frozen=True)
class Kind:
    """One kind of report file."""

    name: str  # stored in ReportFile.kind
    label: str  # "PDF", for the "being prepared" page
    content_type: str
    file_kind: str  # the download file name's kind part
    extension: str
    render: Callable[[Report], bytes]
    background: bool  # rendered by the worker (seconds); else in the request (milliseconds)


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("pdf", "PDF", PDF, "gap-report", "pdf", render_pdf, True),
        Kind("docx", "Word document", DOCX, "gap-report", "docx", render_docx, True),
        Kind("xlsx", "Excel workbook", XLSX, "gap-report", "xlsx", render_xlsx, False),
        Kind(
            "checklist-xlsx",
            "procurement checklist (XLSX)",
            XLSX,
            "procurement-checklist",
            "xlsx",
            lambda report: checklist_to_xlsx(report.checklist),
            False,
        ),
        Kind(
            "checklist-csv",
            "procurement checklist (CSV)",
            CSV,
            "procurement-checklist",
            "csv",
            lambda report: checklist_to_csv(report.checklist),
            False,
        ),
    )
}

# Rendered when an assessment is submitted (or validated), so its first download is a stream.
PRERENDERED = ("pdf", "docx", "xlsx")

# The code a report file is made by: a change to any of these makes every stored file stale.
_RENDERER_MODULES = ("diam.reports", "diam.charts", "diam.web.reports.selectors")
_RENDERER_DISTRIBUTIONS = ("weasyprint", "pydyf", "python-docx", "openpyxl")


def options_text(options: ReportOptions) -> str:
    """The options as a canonical query string: `target=5&branch_order=CAB`, or ``."""
    return "&".join(f"{k}={v}" for k, v in options.query().items())


@cache
def renderer_fingerprint() -> str:
    """A hash of the report code, its templates and the rendering libraries' versions."""
    digest = hashlib.sha256(__version__.encode())
    import importlib

    for name in _RENDERER_MODULES:
        module = importlib.import_module(name)
        origin = Path(module.__file__ or "")
        files = sorted(origin.parent.rglob("*")) if origin.name == "__init__.py" else [origin]
        for path in files:
            if path.is_file() and path.suffix in {".py", ".html", ".css", ".svg"}:
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
    for dist in _RENDERER_DISTRIBUTIONS:
        try:
            digest.update(f"{dist}={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{dist}=none".encode())
    return digest.hexdigest()


def _time(value: datetime | None) -> str:
    return "" if value is None else value.isoformat()


def state_key(
    *,
    assessment: Assessment,
    answers: Sequence[Answer],
    kind: str,
    options: str,
    release_id: str,
) -> str:
    """The key of the file of this kind and these options for the assessment as it is now.

    `answers` are the assessment's answers with their `updated_by` (selectors.load_answers).
    """
    model = model_for(assessment)
    context = assessment_context(assessment)
    state: dict[str, Any] = {
        "renderer": renderer_fingerprint(),
        "time_zone": settings.TIME_ZONE,
        "kind": kind,
        "options": options,
        "release": release_id,
        "model": [assessment.model_id, assessment.model_version, model.content_hash],
        "assessment": [
            assessment.pk,
            assessment.status,
            _time(assessment.created_at),
            _time(assessment.submitted_at),
            _time(assessment.updated_at),
        ],
        "organisation": assessment.organisation.name,
        # Which criteria apply: the organisation's country and the assessment's service profile.
        "context": [context.country, sorted(context.services.items())],
        "answers": sorted(
            [
                a.criterion_id,
                a.value,
                a.na,
                a.justification,
                a.comment,
                str(a.updated_by) if a.updated_by is not None else "",
                _time(a.updated_at),
            ]
            for a in answers
        ),
    }
    text = json.dumps(state, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: a reader sees all or nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_file(path: Path) -> None:
    """Delete a stored file and its directory once empty; a missing file is not an error."""
    path.unlink(missing_ok=True)
    try:
        path.parent.rmdir()
    except OSError:
        pass  # not empty, or already gone
