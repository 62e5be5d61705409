"""Token endpoints: the token itself, its organisation, assessments, answers, results, reports.

Each starts with `token_organisation_get` / `token_assessment_get`, the page access functions
narrowed to the token (see access.py), and leaves the work to the same services and selectors
as the pages.
"""

from __future__ import annotations

import json
import math
from typing import Annotated, Any, Literal, cast

from django.db import transaction
from django.http import HttpRequest
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
    ImportIn,
    OrganisationOut,
    OrganisationPage,
    ResultOut,
    TokenInfo,
)
from diam.web.assessments.models import Assessment
from diam.web.assessments.profile import assessment_services_set
from diam.web.assessments.services import (
    AssessmentLocked,
    assessment_create,
    assessment_result,
    assessment_submit,
    model_for,
)
from diam.web.exchange import selectors as exchange_selectors
from diam.web.exchange.services import (
    WrongModelVersion,
    answers_apply,
    assessment_import,
    stated_services,
)

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
        "services": dict(assessment.services or {}),
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
        with transaction.atomic():
            assessment = assessment_create(
                organisation=organisation,
                user=token.user,
                title=payload.title,
                model_id=payload.model_id,
                model_version=payload.model_version,
            )
            try:
                if payload.services:
                    assessment_services_set(
                        assessment=assessment,
                        user=token.user,
                        services=payload.services,
                        request=request,
                    )
            except ValueError as exc:  # a service this model version does not ask about
                field = [{"field": "body.services", "message": str(exc)}]
                raise ApiProblem(422, str(exc), field) from None  # rolls the draft back
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
            services=stated_services(document),
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
