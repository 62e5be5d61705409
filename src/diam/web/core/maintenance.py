"""Operator tasks: rescoring stored results after a model fix (`diam rescore`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Prefetch

from diam.web.assessments.models import Answer, Assessment
from diam.web.assessments.services import assessment_rescore, model_for
from diam.web.benchmarks.services import benchmark_entries_rebuild, benchmark_refresh_paused
from diam.web.reports.services import report_files_invalidate_model


@dataclass(frozen=True)
class RescoreSummary:
    total: int
    changed: int


def assessments_rescore(
    *,
    model_id: str | None = None,
    batch_size: int = 500,
    progress: Callable[[int], None] | None = None,
) -> RescoreSummary:
    """Recompute the stored result of every assessment (of one model), committing per batch.

    The benchmark rows are rebuilt once at the end (not refreshed per assessment).
    """
    queryset = Assessment.objects.order_by("pk")
    if model_id:
        queryset = queryset.filter(model_id=model_id)
    ids = list(queryset.values_list("pk", flat=True))
    changed = 0
    with benchmark_refresh_paused():
        for start in range(0, len(ids), batch_size):
            chunk = ids[start : start + batch_size]
            with transaction.atomic():
                # Each assessment scores with the model version it is pinned to (model_for) and
                # its organisation's country and its service profile (assessment_context).
                for assessment in (
                    Assessment.objects.filter(pk__in=chunk)
                    .select_related("organisation")
                    .prefetch_related(Prefetch("answers", queryset=Answer.objects.all()))
                ):
                    model = model_for(assessment)
                    if assessment.model_hash != model.content_hash:
                        assessment.model_hash = model.content_hash
                        assessment.save(update_fields=["model_hash"])
                    changed += assessment_rescore(assessment=assessment)
            if progress is not None:
                progress(len(chunk))
    benchmark_entries_rebuild(model_id=model_id)
    # Every stored report file shows the old result, model text or benchmark figures.
    report_files_invalidate_model(model_id=model_id)
    return RescoreSummary(len(ids), changed)
