"""Token endpoints for what is computed from the answers: gap report (JSON and files), FHIR,
and the organisation's benchmarks. Same access functions as the pages (see access.py)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from ninja import Query

from diam.paths import DEFAULT_MODEL_ID
from diam.web.api.access import token_assessment_get, token_organisation_get
from diam.web.api.api import ApiProblem, api, errors
from diam.web.api.routes_assessments import Id, _token
from diam.web.api.schemas import BenchmarksOut, FhirResource, ModelIdField, ReportOut
from diam.web.assessments.models import Assessment


def _report(assessment: Assessment, request: HttpRequest) -> Any:
    from diam.web.reports import selectors as report_selectors

    try:
        options = report_selectors.parse_options(request.GET)
        return report_selectors.report_for_assessment(
            assessment=assessment,
            target_stage=options.target_stage,
            branch_order=options.branch_order,
            peer_medians=report_selectors.peer_medians(assessment),
        )
    except ValueError as exc:
        raise ApiProblem(422, str(exc), [{"field": "query", "message": str(exc)}]) from None


def _gap(gap: Any) -> dict[str, Any]:
    return {
        "criterion": gap.criterion_id,
        "statement": " ".join(gap.statement.split()),
        "focus_area": gap.focus_area,
        "status": str(gap.status),
        "effort": gap.effort,
        "impact": gap.impact,
        "recommendation": " ".join(gap.recommendation.split()),
    }


Target = Annotated[int | None, Query(ge=1, le=7, description="Target stage (default: the next).")]
BranchOrder = Annotated[
    str | None,
    Query(pattern=r"^[A-Z]{1,6}$", description="Branch letters in planning order, e.g. ACB."),
]


@api.get(
    "/assessments/{assessment_id}/report",
    response={200: ReportOut, **errors(401, 404, 422, 429)},
    tags=["results"],
    summary="The gap report and roadmap as JSON (?target=stage&branch_order=ACB)",
)
def report_get(
    request: HttpRequest,
    assessment_id: Id,
    target: Target = None,
    branch_order: BranchOrder = None,
) -> dict[str, Any]:
    assessment, _ = token_assessment_get(token=_token(request), assessment_id=assessment_id)
    report = _report(assessment, request)
    return {
        "organisation": report.cover.organisation,
        "model_id": report.cover.model_id,
        "model_version": report.cover.model_version,
        "status": report.cover.status,
        "stage": report.summary.stage,
        "stage_name": report.summary.stage_name,
        "next_target": report.gaps.next_target,
        "target_stage": report.roadmap.target_stage,
        "groups": [
            {
                "target": g.target,
                "label": g.label,
                "kind": g.kind,
                "met": g.met,
                "total": g.total,
                "gaps": [_gap(x) for x in g.gaps],
                "unanswered": [_gap(x) for x in g.unanswered],
            }
            for g in report.gaps.groups
        ],
        "roadmap": [
            {
                "number": s.number,
                "phase": s.phase,
                "criterion": s.criterion_id,
                "action": " ".join(s.action.split()),
            }
            for s in report.roadmap.steps
        ],
        "not_applicable": [
            {
                "criterion": n.criterion_id,
                "justification": n.justification,
                "hidden_by_skip_logic": n.hidden,
            }
            for n in report.gaps.not_applicable
        ],
        "disclaimer": report.cover.disclaimer,
    }


PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def binary(content_type: str) -> dict[str, Any]:
    """openapi_extra documenting a file download as the 200 response."""
    return {
        "responses": {
            200: {
                "description": "The file",
                "content": {content_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


def _file(request: HttpRequest, assessment_id: int, fmt: str) -> HttpResponse:
    from diam.reports.render import render_docx, render_pdf, render_xlsx
    from diam.web.reports.selectors import download_filename

    assessment, _ = token_assessment_get(token=_token(request), assessment_id=assessment_id)
    report = _report(assessment, request)
    render, content_type = {
        "pdf": (render_pdf, PDF),
        "docx": (render_docx, DOCX),
        "xlsx": (render_xlsx, XLSX),
    }[fmt]
    data = render(report)
    response = HttpResponse(data, content_type=content_type)
    filename = download_filename(assessment, "gap-report", fmt)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@api.get(
    "/assessments/{assessment_id}/report.pdf",
    response={200: None, **errors(401, 404, 422, 429)},
    openapi_extra=binary(PDF),
    tags=["results"],
    summary="The gap report as PDF",
)
def report_pdf(
    request: HttpRequest,
    assessment_id: Id,
    target: Target = None,
    branch_order: BranchOrder = None,
) -> HttpResponse:
    return _file(request, assessment_id, "pdf")


@api.get(
    "/assessments/{assessment_id}/report.docx",
    response={200: None, **errors(401, 404, 422, 429)},
    openapi_extra=binary(DOCX),
    tags=["results"],
    summary="The gap report as Word (DOCX)",
)
def report_docx(
    request: HttpRequest,
    assessment_id: Id,
    target: Target = None,
    branch_order: BranchOrder = None,
) -> HttpResponse:
    return _file(request, assessment_id, "docx")


@api.get(
    "/assessments/{assessment_id}/report.xlsx",
    response={200: None, **errors(401, 404, 422, 429)},
    openapi_extra=binary(XLSX),
    tags=["results"],
    summary="The gap report's tables as Excel (XLSX)",
)
def report_xlsx(
    request: HttpRequest,
    assessment_id: Id,
    target: Target = None,
    branch_order: BranchOrder = None,
) -> HttpResponse:
    return _file(request, assessment_id, "xlsx")


@api.get(
    "/assessments/{assessment_id}/fhir",
    response={200: FhirResource, **errors(401, 404, 422, 429)},
    tags=["fhir"],
    summary="The assessment as a FHIR QuestionnaireResponse (R5, or R4B)",
)
def assessment_fhir(
    request: HttpRequest,
    assessment_id: Id,
    fhir_version: Annotated[Literal["R5", "R4B"], Query()] = "R5",
) -> dict[str, Any]:
    from diam.web.exchange.views import questionnaire_response_of

    assessment, _ = token_assessment_get(token=_token(request), assessment_id=assessment_id)
    return questionnaire_response_of(assessment, fhir_version)


# --- benchmarks --------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A figure's value as JSON (numbers, lists of numbers, or text)."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


@api.get(
    "/organisations/{organisation_id}/benchmarks",
    response={200: BenchmarksOut, **errors(401, 404, 422, 429)},
    tags=["benchmarks"],
    summary="The organisation among its peers, with the pages' disclosure control",
    description="Every figure carries the number of organisations behind it (`n`), or is "
    "suppressed with the reason (`value` and `n` null), exactly as on the benchmark page: "
    "no figure from fewer than k organisations, complementary suppression, no single "
    "organisation recoverable by differencing.",
)
def benchmarks_get(
    request: HttpRequest,
    organisation_id: Id,
    model_id: Annotated[ModelIdField, Query()] = DEFAULT_MODEL_ID,  # type: ignore[valid-type]
) -> dict[str, Any]:
    from diam.web.benchmarks.selectors import group_label, organisation_benchmark

    organisation, _ = token_organisation_get(token=_token(request), organisation_id=organisation_id)
    ob = organisation_benchmark(organisation=organisation, model_id=model_id)
    groups = []
    for g in ob.groups:
        figures = {}
        for path, figure in g.summary.figures():
            figures[path] = {
                "value": _plain(figure.value),
                "n": figure.n,
                "suppressed": figure.reason,
            }
        groups.append(
            {
                "key": g.group.key,
                "label": group_label(g.group),
                "shown": g.shown,
                "suppressed": g.suppressed.message if g.suppressed is not None else None,
                "figures": figures,
            }
        )
    return {
        "model_id": ob.model.id,
        "model_version": ob.model.version,
        "k": ob.k,
        "source": "live",
        "own_counted": ob.own_counted,
        "opted_out": ob.opted_out,
        "includes_demo": ob.includes_demo,
        "groups": groups,
    }
