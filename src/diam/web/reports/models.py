"""Stored report files: one row per file rendered (or being rendered) for one state of a report.

A file is identified by its `key`: a hash of everything it shows (the assessment's state and
answers, the report options, the benchmark release, the model version and content, the
renderer's code). A download computes the key of the current state and streams the file with
that key, so a file whose content would differ is never served; rows of an older state are
removed when what they show changes (services.report_files_invalidate) or by the cleanup.
The files themselves live in `settings.REPORTS_DIR` (`$DIAM_DATA_DIR/reports`): derived data,
never backed up, re-rendered on demand.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models

from diam.web.assessments.models import Assessment


class FileState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RENDERING = "rendering", "Being rendered"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class ReportFile(models.Model):
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="report_files"
    )
    kind = models.CharField(max_length=20, help_text="pdf, docx, xlsx, checklist-xlsx, …")
    options = models.CharField(
        max_length=40, blank=True, help_text="Report options as a query string (empty: defaults)."
    )
    key = models.CharField(max_length=64, help_text="Hash of everything the file shows.")
    release_id = models.TextField(blank=True, help_text="The benchmark release(s) it shows.")
    model_hash = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=10, choices=FileState.choices, default=FileState.QUEUED)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "key"], name="one_report_file_per_key")
        ]
        indexes = [
            models.Index(fields=["assessment", "kind", "options"], name="report_file_variant")
        ]

    def __str__(self) -> str:
        return f"{self.kind} of assessment {self.assessment_id} ({self.state})"

    @property
    def path(self) -> Path:
        return report_path(self.assessment_id, self.key)


def report_path(assessment_id: int, key: str) -> Path:
    """`<REPORTS_DIR>/<assessment id>/<key>`: the key is hex, so no name from outside is used."""
    return Path(settings.REPORTS_DIR) / str(assessment_id) / key
