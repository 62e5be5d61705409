"""Reads for exports: an assessment as the answers file, its evidence, CSV tables."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone

from diam.exchange.bundle import BundledFile
from diam.exchange.text import csv_safe, where_text
from diam.scoring.answers import AnswerSheet, answer_sheet_to_dict
from diam.scoring.engine import score
from diam.web.accounts.models import Organisation
from diam.web.assessments.models import Answer, Assessment, Evidence, Status
from diam.web.assessments.services import model_for

# Assessment status -> `meta.status` of the answers file (what `diam report` prints).
META_STATUS = {Status.DRAFT: "draft", Status.SUBMITTED: "submitted", Status.VALIDATED: "validated"}
# Assessment status -> FHIR QuestionnaireResponse status.
FHIR_STATUS = {
    Status.DRAFT: "in-progress",
    Status.SUBMITTED: "completed",
    Status.VALIDATED: "completed",
}


def answer_sheet_of(assessment: Assessment, answers: Iterable[Answer] | None = None) -> AnswerSheet:
    """The assessment's answers and comments as the core's `AnswerSheet` (one query)."""
    rows = list(answers) if answers is not None else list(assessment.answers.all())
    values = {a.criterion_id: v for a in rows if (v := a.to_core()) is not None}
    comments = {a.criterion_id: a.comment for a in rows if a.comment}
    return AnswerSheet(assessment.model_id, assessment.model_version, values, comments)


def export_date(assessment: Assessment) -> str:
    return timezone.localdate(assessment.submitted_at or assessment.created_at).isoformat()


def answers_document(assessment: Assessment) -> dict[str, Any]:
    """The answers file of an assessment, with `meta` that `diam report` reads."""
    document = answer_sheet_to_dict(answer_sheet_of(assessment))
    document["meta"] = {
        "organisation": assessment.organisation.name,
        "assessment": assessment.title,
        "assessment_date": export_date(assessment),
        "status": META_STATUS.get(assessment.status, "draft"),
    }
    return document


def evidence_files(assessment: Assessment) -> list[BundledFile]:
    """Every evidence file of the assessment with its content, oldest first."""
    out = []
    rows = Evidence.objects.filter(answer__assessment=assessment).select_related("answer")
    for evidence in rows.order_by("uploaded_at", "pk"):
        with evidence.file.open("rb") as handle:
            data = handle.read()
        out.append(
            BundledFile(
                criterion_id=evidence.answer.criterion_id,
                name=evidence.original_name,
                content_type=evidence.content_type,
                data=data,
            )
        )
    return out


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


ANSWERS_HEADER = (
    "assessment_id",
    "assessment",
    "model",
    "model_version",
    "assessment_status",
    "criterion",
    "focus_area",
    "stage_or_branch",
    "answer",
    "not_applicable",
    "justification",
    "comment",
    "criterion_status",
)


def _answer_cell(value: Any) -> Any:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return "" if value is None else value


def answers_csv(assessments: Sequence[Assessment]) -> bytes:
    """One row per criterion of every assessment (unanswered ones too), with its status."""
    rows = []
    for assessment in assessments:
        model = model_for(assessment)
        answers = {a.criterion_id: a for a in assessment.answers.all()}
        sheet = answer_sheet_of(assessment, answers.values())
        result = score(model, sheet.values)
        for criterion in model.criteria:
            answer = answers.get(criterion.id)
            rows.append(
                (
                    assessment.pk,
                    assessment.title,
                    assessment.model_id,
                    assessment.model_version,
                    assessment.status,
                    criterion.id,
                    criterion.focus_area,
                    where_text(model, criterion),
                    _answer_cell(answer.value if answer and not answer.na else None),
                    "yes" if answer and answer.na else "",
                    answer.justification if answer and answer.na else "",
                    answer.comment if answer else "",
                    result.status(criterion.id),
                )
            )
    return _csv(ANSWERS_HEADER, rows)


def results_csv(assessments: Sequence[Assessment]) -> bytes:
    """One row per assessment: its stage and percentages, computed from its answers."""
    codes: list[str] = []
    scored = []
    for assessment in assessments:
        model = model_for(assessment)
        result = score(model, answer_sheet_of(assessment).values)
        scored.append((assessment, result))
        for fa in model.manifest.focus_areas:
            if fa.code not in codes:
                codes.append(fa.code)
    header = (
        "assessment_id",
        "assessment",
        "model",
        "model_version",
        "status",
        "created",
        "submitted",
        "stage",
        "core_stage",
        "mastered_branches",
        "completeness_percent",
        *(f"{code}_percent_met" for code in codes),
    )
    rows = []
    for assessment, result in scored:
        percents = {f.code: f.percent for f in result.focus_areas}
        rows.append(
            (
                assessment.pk,
                assessment.title,
                assessment.model_id,
                assessment.model_version,
                assessment.status,
                timezone.localdate(assessment.created_at).isoformat(),
                timezone.localdate(assessment.submitted_at).isoformat()
                if assessment.submitted_at
                else "",
                result.stage,
                result.core_stage,
                "".join(result.mastered_branches),
                result.completeness,
                *("" if percents.get(c) is None else percents[c] for c in codes),
            )
        )
    return _csv(header, rows)


def organisation_assessments(organisation: Organisation) -> list[Assessment]:
    """The organisation's assessments with their answers, oldest first (two queries)."""
    return list(
        Assessment.objects.filter(organisation=organisation)
        .select_related("organisation")
        .prefetch_related("answers")
        .order_by("created_at", "pk")
    )
