"""Stored report files: find the file of the current state, queue it, render it, forget it.

- `report_file_lookup` computes the key of what a download would show now (files.state_key)
  and finds the stored file with that key, if any.
- `report_file_request` makes sure a row exists for that key: a quick kind (XLSX, CSV) is
  rendered at once in the request; a slow one (PDF, DOCX) is queued for the background worker
  (`manage.py db_worker`, django-tasks' database backend) and the download shows a page that
  says it is being prepared.
- `report_file_render` renders one queued row (the worker's task, or the request itself when no
  worker has started it in time: `should_render_in_request`) and stores it under the key,
  after checking that the state did not move while it rendered.
- `report_files_refresh` runs when an assessment's state changes (submission, reopening,
  validation decision): it drops the files of the old state and, for a submitted or validated
  assessment, queues the default report files so the first download is a stream.
- `report_files_invalidate_model` (after `diam rescore`) and `report_files_cleanup` (stale
  keys, old releases, old drafts' files, failed rows, files without a row) keep the directory
  from growing; `diam reports cleanup` runs the latter.
"""

from __future__ import annotations

import ctypes
import gc
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import QueryDict
from django.utils import timezone

from diam.web.assessments.models import Assessment, Status
from diam.web.reports import selectors
from diam.web.reports.files import (
    KINDS,
    PRERENDERED,
    Kind,
    options_text,
    remove_file,
    state_key,
    write_atomically,
)
from diam.web.reports.models import FileState, ReportFile, report_path

logger = logging.getLogger(__name__)

# Someone is waiting for an on-demand file; files queued at submission can wait behind it.
PRIORITY_WAITING = 10
PRIORITY_PRERENDER = 0
# A row still "being rendered" after this long lost its worker (killed mid-render): requeue.
STUCK_AFTER = timedelta(minutes=5)
MAX_ERROR_CHARS = 500


def release_id_for(assessment: Assessment) -> str:
    """The benchmark release the report's peer figures come from (`none` without benchmarks)."""
    function = selectors._benchmarks_hook("current_release_id")
    if function is None:
        return "none"
    return str(function(assessment.model_id))


# --- finding the file of the current state -------------------------------------------------------


@dataclass
class Lookup:
    assessment: Assessment
    kind: Kind
    options: selectors.ReportOptions
    options_text: str
    key: str
    release_id: str
    file: ReportFile | None = field(default=None)


def _key(assessment: Assessment, kind: Kind, options: str, release_id: str) -> str:
    return state_key(
        assessment=assessment,
        answers=selectors.load_answers(assessment),
        kind=kind.name,
        options=options,
        release_id=release_id,
    )


def report_file_lookup(
    *, assessment: Assessment, kind: Kind, options: selectors.ReportOptions
) -> Lookup:
    """The key of this file for the assessment as it is now, and the stored row with it."""
    text = options_text(options)
    release = release_id_for(assessment)
    key = _key(assessment, kind, text, release)
    row = ReportFile.objects.filter(assessment_id=assessment.pk, key=key).first()
    return Lookup(assessment, kind, options, text, key, release, row)


# --- asking for a file ---------------------------------------------------------------------------


def _enqueue(row: ReportFile, priority: int) -> None:
    from diam.web.reports.tasks import render_report_file

    render_report_file.using(priority=priority).enqueue(row.pk)


def report_file_request(*, lookup: Lookup, retry: bool = False) -> ReportFile:
    """The row for `lookup.key`, created (and queued) if there is none yet.

    A failed row is queued again when `retry`; a row whose worker vanished mid-render, or whose
    file disappeared from disk, is queued again too. Quick kinds are rendered here and now.
    """
    row = lookup.file
    if row is None:
        row = _create(lookup)
    elif row.state == FileState.FAILED and retry:
        _requeue(row)
    elif row.state == FileState.RENDERING and _stuck(row):
        logger.warning("Report file %s was stuck rendering; queued again", row.pk)
        _requeue(row)
    elif row.state == FileState.READY and not row.path.is_file():
        logger.warning("Report file %s is missing from %s; queued again", row.pk, row.path)
        _requeue(row)
    if row.state == FileState.QUEUED and not lookup.kind.background:
        report_file_render(report_file_id=row.pk)
        row.refresh_from_db()
    lookup.file = row
    return row


def report_file_now(*, lookup: Lookup) -> ReportFile | None:
    """The stored file of `lookup`, rendered here and now if there is none (API clients wait
    for their file rather than poll); None while another process renders the same file."""
    row = lookup.file
    if row is not None and row.state == FileState.READY and row.path.is_file():
        return row
    row = report_file_request(lookup=lookup)
    if row.state == FileState.QUEUED:
        report_file_render(report_file_id=row.pk)
    row = ReportFile.objects.filter(assessment_id=lookup.assessment.pk, key=lookup.key).first()
    if row is not None and row.state == FileState.READY:
        return row
    return None


def _create(lookup: Lookup) -> ReportFile:
    assessment = lookup.assessment
    try:
        with transaction.atomic():
            row = ReportFile.objects.create(
                assessment=assessment,
                kind=lookup.kind.name,
                options=lookup.options_text,
                key=lookup.key,
                release_id=lookup.release_id,
                model_hash=assessment.model_hash,
            )
            if lookup.kind.background:
                _enqueue(row, PRIORITY_WAITING)
    except IntegrityError:
        # Another request asked for the same file at the same moment: use its row.
        return ReportFile.objects.get(assessment_id=assessment.pk, key=lookup.key)
    return row


def _requeue(row: ReportFile) -> None:
    with transaction.atomic():
        ReportFile.objects.filter(pk=row.pk).update(
            state=FileState.QUEUED, error="", started_at=None, finished_at=None
        )
        if KINDS[row.kind].background:
            _enqueue(row, PRIORITY_WAITING)
    row.refresh_from_db()


def _stuck(row: ReportFile) -> bool:
    return row.started_at is not None and row.started_at < timezone.now() - STUCK_AFTER


def worker_active(since: timedelta) -> bool:
    """Whether a background worker started or finished a task within `since` (or runs one).

    A worker polls the queue every second, so a queued file that waited longer than that
    means there is no worker, or a busy one; only the first is a reason to render in the
    request. Backends other than the database one run tasks as they are queued.
    """
    from django_tasks import task_backends
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(task_backends["default"], DatabaseBackend):
        return True
    now = timezone.now()
    recent = now - since
    return DBTaskResult.objects.filter(
        Q(status=TaskResultStatus.RUNNING, started_at__gte=now - STUCK_AFTER)
        | Q(started_at__gte=recent)
        | Q(finished_at__gte=recent)
    ).exists()


def should_render_in_request(row: ReportFile) -> bool:
    """A queued file no worker has started after REPORT_WORKER_WAIT_SECONDS, and no worker is
    busy: render it in the request rather than leave the person waiting for nothing."""
    if row.state != FileState.QUEUED:
        return False
    wait = timedelta(seconds=settings.REPORT_WORKER_WAIT_SECONDS)
    if row.created_at > timezone.now() - wait:
        return False
    return not worker_active(wait)


# --- rendering -----------------------------------------------------------------------------------


def report_file_render(*, report_file_id: int) -> str:
    """Render one queued file and store it; what happened, as a word (the task's result).

    `skipped`: another process claimed it, or it is gone; `stale`: the assessment changed
    before or while it rendered, so the row is dropped (the next download asks for the new
    state); `ready`: stored. A failure marks the row failed (the page offers to try again) and
    is raised, so the task runner records it too.
    """
    claimed = ReportFile.objects.filter(pk=report_file_id, state=FileState.QUEUED).update(
        state=FileState.RENDERING,
        started_at=timezone.now(),
        finished_at=None,
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return "skipped"
    row = ReportFile.objects.get(pk=report_file_id)
    try:
        return _render(row)
    except Exception as exc:
        message = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
        ReportFile.objects.filter(pk=row.pk).update(
            state=FileState.FAILED, error=message, finished_at=timezone.now()
        )
        logger.exception("Rendering report file %s (%s) failed", row.pk, row.kind)
        raise
    finally:
        if KINDS[row.kind].background:
            _release_memory()


def _release_memory() -> None:
    """Give the memory a PDF's layout took back to the system (about 100 MB for a long report):
    Python keeps freed memory in its heap, so a worker would stay at its largest report's size."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: the memory is reused by the next report instead


def _current_key(row: ReportFile) -> tuple[Assessment, str] | None:
    assessment = (
        Assessment.objects.select_related("organisation").filter(pk=row.assessment_id).first()
    )
    if assessment is None:
        return None
    kind = KINDS[row.kind]
    return assessment, _key(assessment, kind, row.options, release_id_for(assessment))


def _render(row: ReportFile) -> str:
    current = _current_key(row)
    if current is None or current[1] != row.key:
        _drop([row])
        return "stale"
    assessment = current[0]
    kind = KINDS[row.kind]
    options = selectors.parse_options(QueryDict(row.options))
    report = selectors.report_for_assessment(
        assessment=assessment,
        target_stage=options.target_stage,
        branch_order=options.branch_order,
        peer_medians=selectors.peer_medians(assessment),
    )
    data = kind.render(report)
    # The answers or the benchmark release may have moved while it rendered.
    after = _current_key(row)
    if after is None or after[1] != row.key:
        _drop([row])
        return "stale"
    write_atomically(row.path, data)
    stored = ReportFile.objects.filter(pk=row.pk, state=FileState.RENDERING).update(
        state=FileState.READY, size=len(data), error="", finished_at=timezone.now()
    )
    if not stored:
        # Invalidated while it rendered (e.g. the assessment was reopened): keep nothing.
        remove_file(row.path)
        return "stale"
    # Earlier states of the same file (same kind and options) are no longer shown anywhere.
    superseded = ReportFile.objects.filter(
        assessment_id=row.assessment_id, kind=row.kind, options=row.options
    ).exclude(pk=row.pk)
    _drop(list(superseded))
    return "ready"


# --- forgetting ----------------------------------------------------------------------------------


def _drop(rows: Iterable[ReportFile]) -> int:
    """Delete rows, and their files once the deletion is committed."""
    rows = list(rows)
    if not rows:
        return 0
    paths: list[Path] = [r.path for r in rows]
    ReportFile.objects.filter(pk__in=[r.pk for r in rows]).delete()

    def remove() -> None:
        for path in paths:
            remove_file(path)

    transaction.on_commit(remove, robust=True)
    return len(rows)


def report_files_invalidate(*, assessment: Assessment) -> int:
    """Forget every stored file of the assessment (what they show has changed)."""
    return _drop(ReportFile.objects.filter(assessment_id=assessment.pk))


def report_files_refresh(*, assessment: Assessment) -> int:
    """After a change of the assessment's state: drop its files; queue the default report files
    of a submitted or validated assessment so its first download is already a stream.

    Call it inside the transaction that changed the state, after the change (and after the
    benchmark refresh, whose release the files show). Returns the number of files queued.
    """
    report_files_invalidate(assessment=assessment)
    if assessment.status not in (Status.SUBMITTED, Status.VALIDATED):
        return 0
    options = selectors.ReportOptions()
    queued = 0
    for name in PRERENDERED:
        lookup = report_file_lookup(assessment=assessment, kind=KINDS[name], options=options)
        if lookup.file is not None:
            continue
        row = ReportFile.objects.create(
            assessment=assessment,
            kind=name,
            options=lookup.options_text,
            key=lookup.key,
            release_id=lookup.release_id,
            model_hash=assessment.model_hash,
        )
        _enqueue(row, PRIORITY_PRERENDER)
        queued += 1
    return queued


def report_files_invalidate_model(*, model_id: str | None = None) -> int:
    """Forget the stored files of every assessment (of one model): after `diam rescore`."""
    rows = ReportFile.objects.all()
    if model_id:
        rows = rows.filter(assessment__model_id=model_id)
    return _drop(rows)


@dataclass(frozen=True)
class CleanupSummary:
    stale: int
    old: int
    failed: int
    orphans: int


def report_files_cleanup() -> CleanupSummary:
    """Remove what no download would serve any more: files of an earlier state or release,
    drafts' files older than REPORT_FILES_MAX_AGE_DAYS, failed rows older than a day, and
    files on disk without a row (e.g. left by a deleted assessment)."""
    moment = timezone.now()
    max_age = timedelta(days=settings.REPORT_FILES_MAX_AGE_DAYS)
    old = _drop(
        ReportFile.objects.filter(created_at__lt=moment - max_age).filter(
            Q(assessment__status=Status.DRAFT) | ~Q(state=FileState.READY)
        )
    )
    failed = _drop(
        ReportFile.objects.filter(
            state=FileState.FAILED, finished_at__lt=moment - timedelta(days=1)
        )
    )
    stale = 0
    by_assessment: dict[int, list[ReportFile]] = {}
    for row in ReportFile.objects.filter(state=FileState.READY).order_by("assessment_id"):
        by_assessment.setdefault(row.assessment_id, []).append(row)
    for assessment in Assessment.objects.filter(pk__in=by_assessment).select_related(
        "organisation"
    ):
        release = release_id_for(assessment)
        outdated = [
            row
            for row in by_assessment[assessment.pk]
            if _key(assessment, KINDS[row.kind], row.options, release) != row.key
        ]
        stale += _drop(outdated)
    orphans = _remove_orphans()
    return CleanupSummary(stale=stale, old=old, failed=failed, orphans=orphans)


def _remove_orphans() -> int:
    root = Path(settings.REPORTS_DIR)
    if not root.is_dir():
        return 0
    known = {
        report_path(assessment_id, key)
        for assessment_id, key in ReportFile.objects.values_list("assessment_id", "key")
    }
    removed = 0
    cutoff = timezone.now().timestamp() - 3600  # a file being written now is not an orphan
    for path in root.glob("*/*"):
        if path in known or not path.is_file():
            continue
        if path.name.startswith(".tmp-") and path.stat().st_mtime > cutoff:
            continue
        remove_file(path)
        removed += 1
    return removed
