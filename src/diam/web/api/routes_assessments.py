"""Token endpoints: the token itself, its organisation, assessments, answers, results, reports.

Each starts with `token_organisation_get` / `token_assessment_get`, the page access functions
narrowed to the token (see access.py), and leaves the work to the same services and selectors
as the pages.
"""

from __future__ import annotations

import json
import math
from typing import Annotated, Any, Literal, cast

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from ninja import Path, Query, Status

from diam.exchange import fhir
from diam.exchange.imports import Imported, answers_from_document, installed_model
from diam.paths import UnknownModel
from diam.scoring.answers import parse_answer_file
from diam.web.api.access import effective_role, token_assessment_get, token_organisation_get
from diam.web.api.api import ApiProblem, api, errors
from diam.web.api.models import ApiToken
from diam.web.api.schemas import (
    MAX_ID,
    AnswersFile,
    AnswersUpdated,
    AssessmentCreate,
    AssessmentOut,
    AssessmentPage,
    FhirResource,
    ImportIn,
    OrganisationOut,
    OrganisationPage,
    ReportOut,
    ResultOut,
    TokenInfo,
)
from diam.web.assessments.models import Assessment
from diam.web.assessments.services import (
    AssessmentLocked,
    assessment_create,
    assessment_result,
    assessment_submit,
    model_for,
)
from diam.web.exchange import selectors as exchange_selectors
from diam.web.exchange.services import WrongModelVersion, answers_apply, assessment_import

Id = Annotated[int, Path(ge=1, le=MAX_ID)]
PageNumber = Annotated[int, Query(ge=1, le=100_000)]
PerPage = Annotated[int, Query(ge=1, le=200)]


def _token(request: HttpRequest) -> ApiToken:
    return cast(ApiToken, request.auth)  # type: ignore[attr-defined]


def _organisation_out(organisation: Any) -> dict[str, Any]:
    return {
        "id": organisation.pk,
        "name": organisation.name,
        "type": organisation.org_type,
        "country": str(organisation.country.code or ""),
        "region": organisation.region,
        "beds": organisation.beds,
        "annual_exams": organisation.annual_exams,
        "service_areas": list(organisation.service_areas or []),
        "benchmarking_consent": organisation.benchmarking_consent,
    }


def _assessment_out(assessment: Assessment) -> dict[str, Any]:
    return {
        "id": assessment.pk,
        "organisation_id": assessment.organisation_id,
        "title": assessment.title,
        "model_id": assessment.model_id,
        "model_version": assessment.model_version,
        "status": assessment.status,
        "created_at": assessment.created_at,
        "updated_at": assessment.updated_at,
        "submitted_at": assessment.submitted_at,
        "stage": assessment.stage if assessment.is_locked else None,
        "completeness": assessment.completeness,
    }


def _body(request: HttpRequest) -> dict[str, Any]:
    """The JSON body exactly as sent (ninja has checked it is an object of the schema)."""
    data = json.loads(request.body)
    if not isinstance(data, dict):  # pragma: no cover - the schema admits objects only
        raise ApiProblem(422, "The body must be a JSON object.")
    return data


def _page(count: int, page: int, per_page: int) -> dict[str, int]:
    return {
        "count": count,
        "page": page,
        "per_page": per_page,
        "pages": math.ceil(count / per_page),
    }


# --- the token and its organisation ------------------------------------------------------------


@api.get("/me", response={200: TokenInfo, **errors(401, 429)}, tags=["token"], summary="This token")
def me(request: HttpRequest) -> dict[str, Any]:
    token = _token(request)
    _, membership = token_organisation_get(token=token, organisation_id=token.organisation_id)
    return {
        "name": token.name,
        "prefix": token.prefix,
        "organisation_id": token.organisation_id,
        "role": effective_role(token, membership).value,
        "can_write": token.can_write,
        "expires_at": token.expires_at,
        "user": token.user.email,
    }


@api.get(
    "/organisations",
    response={200: OrganisationPage, **errors(401, 422, 429)},
    tags=["organisations"],
    summary="My organisations (a token reaches one)",
)
def organisations_list(
    request: HttpRequest, page: PageNumber = 1, per_page: PerPage = 50
) -> dict[str, Any]:
    token = _token(request)
    organisation, _ = token_organisation_get(token=token, organisation_id=token.organisation_id)
    items = [_organisation_out(organisation)] if page == 1 else []
    return {"items": items, **_page(1, page, per_page)}


@api.get(
    "/organisations/{organisation_id}",
    response={200: OrganisationOut, **errors(401, 404, 422, 429)},
    tags=["organisations"],
)
def organisation_get(request: HttpRequest, organisation_id: Id) -> dict[str, Any]:
    organisation, _ = token_organisation_get(token=_token(request), organisation_id=organisation_id)
    return _organisation_out(organisation)


# --- assessments -------------------------------------------------------------------------------


@api.get(
    "/organisations/{organisation_id}/assessments",
    response={200: AssessmentPage, **errors(401, 404, 422, 429)},
    tags=["assessments"],
    summary="The organisation's assessments, newest first",
)
def assessments_list(
    request: HttpRequest,
    organisation_id: Id,
    page: PageNumber = 1,
    per_page: PerPage = 50,
    status: Annotated[Literal["draft", "submitted", "validated"] | None, Query()] = None,
) -> dict[str, Any]:
    organisation, _ = token_organisation_get(token=_token(request), organisation_id=organisation_id)
    rows = Assessment.objects.filter(organisation=organisation).order_by("-created_at", "-pk")
    if status:
        rows = rows.filter(status=status)
    count = rows.count()
    start = (page - 1) * per_page
    items = [_assessment_out(a) for a in rows[start : start + per_page]]
    return {"items": items, **_page(count, page, per_page)}


@api.post(
    "/organisations/{organisation_id}/assessments",
    response={201: AssessmentOut, **errors(400, 401, 403, 404, 413, 422, 429)},
    tags=["assessments"],
    summary="Start a new draft (organisation admins, read-write token)",
)
def assessments_create(
    request: HttpRequest, organisation_id: Id, payload: AssessmentCreate
) -> Status[dict[str, Any]]:
    token = _token(request)
    organisation, _ = token_organisation_get(
        token=token, organisation_id=organisation_id, need="admin"
    )
    try:
        assessment = assessment_create(
            organisation=organisation,
            user=token.user,
            title=payload.title,
            model_id=payload.model_id,
            model_version=payload.model_version,
        )
    except UnknownModel as exc:
        raise ApiProblem(
            422, str(exc), [{"field": "body.model_version", "message": str(exc)}]
        ) from None
    return Status(201, _assessment_out(assessment))


@api.post(
    "/organisations/{organisation_id}/imports",
    response={201: AssessmentOut, **errors(400, 401, 403, 404, 413, 422, 429)},
    tags=["assessments"],
    summary="Import an answers file or a FHIR QuestionnaireResponse as a new draft",
)
def assessments_import(
    request: HttpRequest, organisation_id: Id, payload: ImportIn
) -> Status[dict[str, Any]]:
    token = _token(request)
    organisation, _ = token_organisation_get(
        token=token, organisation_id=organisation_id, need="admin"
    )
    document = _body(request)
    if "resourceType" in document:
        read = fhir.read_questionnaire_response(document, resolve=installed_model)
        imported = Imported("fhir", read.model, read.document, read.sheet)
    else:
        imported = answers_from_document(document)
    assessment = assessment_import(
        organisation=organisation, user=token.user, imported=imported, request=request
    )
    return Status(201, _assessment_out(assessment))


@api.get(
    "/assessments/{assessment_id}",
    response={200: AssessmentOut, **errors(401, 404, 422, 429)},
    tags=["assessments"],
)
def assessment_get(request: HttpRequest, assessment_id: Id) -> dict[str, Any]:
    assessment, _ = token_assessment_get(token=_token(request), assessment_id=assessment_id)
    return _assessment_out(assessment)


@api.post(
    "/assessments/{assessment_id}/submit",
    response={200: AssessmentOut, **errors(401, 403, 404, 409, 422, 429)},
    tags=["assessments"],
    summary="Submit (lock) a draft (organisation admins, read-write token)",
)
def assessment_submit_endpoint(request: HttpRequest, assessment_id: Id) -> dict[str, Any]:
    token = _token(request)
    assessment, _ = token_assessment_get(token=token, assessment_id=assessment_id, need="admin")
    try:
        submitted = assessment_submit(assessment=assessment, user=token.user)
    except AssessmentLocked as exc:
        raise ApiProblem(409, str(exc)) from None
    return _assessment_out(submitted)


# --- answers, result, report -------------------------------------------------------------------


@api.get(
    "/assessments/{assessment_id}/answers",
    response={200: AnswersFile, **errors(401, 404, 422, 429)},
    tags=["answers"],
    summary="The answers file of an assessment",
)
def answers_get(request: HttpRequest, assessment_id: Id) -> dict[str, Any]:
    assessment, _ = token_assessment_get(token=_token(request), assessment_id=assessment_id)
    return exchange_selectors.answers_document(assessment)


@api.patch(
    "/assessments/{assessment_id}/answers",
    response={200: AnswersUpdated, **errors(400, 401, 403, 404, 409, 413, 422, 429)},
    tags=["answers"],
    summary="Set many answers at once (all or nothing)",
    description="The body is an answers file; only the criteria it names change (`null` "
    "clears one). Every problem is listed with its criterion and nothing is saved unless all "
    "are valid. Needs a read-write token of a contributor or admin; 409 once submitted.",
)
def answers_patch(request: HttpRequest, assessment_id: Id, payload: AnswersFile) -> dict[str, Any]:
    token = _token(request)
    assessment, _ = token_assessment_get(token=token, assessment_id=assessment_id, need="edit")
    if assessment.is_locked:
        raise ApiProblem(409, f"{assessment.title} is {assessment.status}; answers cannot change.")
    document = _body(request)  # as sent: explicit nulls clear answers, extra keys are named
    sheet = parse_answer_file(model_for(assessment), document)
    try:
        result = answers_apply(
            assessment=assessment,
            sheet=sheet,
            touched=payload.answers,
            user=token.user,
            source="the API",
            request=request,
        )
    except AssessmentLocked as exc:
        raise ApiProblem(409, str(exc)) from None
    except WrongModelVersion as exc:
        raise ApiProblem(422, str(exc)) from None
    return {
        "changed": list(result.changed),
        "unchanged": result.unchanged,
        "answers": exchange_selectors.answers_document(assessment),
    }


@api.get(
    "/assessments/{assessment_id}/result",
    response={200: ResultOut, **errors(401, 404, 422, 429)},
    tags=["results"],
    summary="The result, computed from the answers (provisional for a draft)",
)
def result_get(request: HttpRequest, assessment_id: Id) -> dict[str, Any]:
    assessment, _ = token_assessment_get(token=_token(request), assessment_id=assessment_id)
    return assessment_result(assessment).to_dict()


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
