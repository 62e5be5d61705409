"""Validation endpoints: an assessment's validation (token scoped, like every assessment
endpoint) and the public registry of validated organisations (no token, as the page).

They read through `diam.web.validation.selectors` and write through
`diam.web.validation.services.requests`, what the pages use, so the API and the pages cannot
disagree about a state, a decision, who is listed or what is recorded in the audit trail.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Status

from diam.web.api.access import token_assessment_get
from diam.web.api.api import ApiProblem, api, errors
from diam.web.api.routes_assessments import Id, PageNumber, _token
from diam.web.api.schemas import (
    RegistryPage,
    ValidationRequestIn,
    ValidationStatusOut,
    ValidationWithdrawIn,
)
from diam.web.assessments.models import Assessment
from diam.web.validation import selectors
from diam.web.validation.access import validation_get_for_user
from diam.web.validation.models import ValidationDecision, ValidationRequest
from diam.web.validation.services.requests import (
    ValidationRefused,
    validation_request,
    validation_withdraw,
)

RegistryPerPage = Annotated[int, Query(ge=1, le=200)]


def _verify_url(request: HttpRequest, decision: ValidationDecision) -> str:
    return request.build_absolute_uri(reverse("verify_code", args=[decision.code]))


def _decision_out(request: HttpRequest, decision: ValidationDecision) -> dict[str, Any]:
    return {
        "stage": decision.stage,
        "core_stage": decision.core_stage,
        "branches": list(decision.branches),
        "self_assessed_stage": decision.self_assessed_stage,
        "accepted": decision.accepted,
        "rejected": decision.rejected,
        "decided_on": decision.decided_on,
        "valid_until": decision.valid_until,
        "revalidation_due": decision.revalidation_due,
        "validators": [str(n) for n in decision.validators],
        "status": decision.status,
        "revoked_on": decision.revoked_at.date() if decision.revoked_at else None,
        "code": decision.code,
        "verify_url": _verify_url(request, decision),
    }


def _request_out(validation: ValidationRequest) -> dict[str, Any]:
    progress = selectors.review_progress(validation)
    return {
        "id": validation.pk,
        "state": validation.state,
        "state_label": validation.get_state_display(),
        "requested_at": validation.requested_at,
        "self_assessed_stage": validation.self_assessed_stage,
        "closed_at": validation.closed_at,
        "progress": {
            "total": progress.total,
            "done": progress.done,
            "accepted": progress.accepted,
            "rejected": progress.rejected,
            "waiting_for_organisation": progress.waiting_for_organisation,
            "to_review": progress.to_review,
        },
    }


def _status_out(request: HttpRequest, assessment: Assessment) -> dict[str, Any]:
    live = selectors.live_request(assessment)
    decision = getattr(live, "decision", None) if live is not None else None
    return {
        "assessment_id": assessment.pk,
        "state": live.state if live is not None else "none",
        "request": _request_out(live) if live is not None else None,
        "decision": _decision_out(request, decision) if decision is not None else None,
        "history": [
            {
                "id": v.pk,
                "state": v.state,
                "requested_at": v.requested_at,
                "closed_at": v.closed_at,
            }
            for v in selectors.requests_for_assessment(assessment)
        ],
    }


@api.get(
    "/assessments/{assessment_id}/validation",
    response={200: ValidationStatusOut, **errors(401, 404, 422, 429)},
    tags=["validation"],
    summary="The assessment's validation: request, review progress and decision",
    description="`state` is `none` (never requested, or every request withdrawn), "
    "`requested`, `in_review` or `decided`. `request` is the live request (null when none); "
    "`decision` its decision once decided, with its status today: `valid`, `expired` or "
    "`revoked`. `history` lists every request, newest first, withdrawn ones included.",
)
def validation_get(request: HttpRequest, assessment_id: Id) -> dict[str, Any]:
    assessment, _ = token_assessment_get(token=_token(request), assessment_id=assessment_id)
    return _status_out(request, assessment)


@api.post(
    "/assessments/{assessment_id}/validation",
    response={201: ValidationStatusOut, **errors(400, 401, 403, 404, 409, 413, 422, 429)},
    tags=["validation"],
    summary="Request the validation of a submitted assessment (organisation admins, "
    "read-write token)",
    description="What the page's request form does, with the same fields and rules: the "
    "assessment must be submitted, have no open or decided validation, and its self-assessed "
    "stage must reach the programme's minimum (`DIAM_VALIDATION_MIN_STAGE`); otherwise 409 "
    "says which. Text is stripped; blank required fields, control characters and malformed "
    "e-mail addresses are 422 naming the field. The programme admins are told by e-mail. "
    "Answers 201 with the validation as `GET` shows it.",
)
def validation_request_endpoint(
    request: HttpRequest, assessment_id: Id, payload: ValidationRequestIn
) -> Status[dict[str, Any]]:
    token = _token(request)
    assessment, _ = token_assessment_get(token=token, assessment_id=assessment_id, need="admin")
    try:
        validation_request(
            assessment=assessment, user=token.user, request=request, **payload.model_dump()
        )
    except ValidationRefused as exc:  # the assessment's state: nothing was changed
        raise ApiProblem(409, str(exc)) from None
    return Status(201, _status_out(request, assessment))


@api.post(
    "/assessments/{assessment_id}/validation/withdraw",
    response={200: ValidationStatusOut, **errors(400, 401, 403, 404, 409, 413, 422, 429)},
    tags=["validation"],
    summary="Withdraw the open validation request (organisation admins, read-write token)",
    description="What the page's withdraw form does: the open request (requested or in "
    "review) is withdrawn with the reason, which the history keeps; its validators and the "
    "programme admins are told by e-mail. 409 when there is no open request (none, or already "
    "decided). Answers with the validation as `GET` shows it (`state` is then `none`).",
)
def validation_withdraw_endpoint(
    request: HttpRequest, assessment_id: Id, payload: ValidationWithdrawIn
) -> dict[str, Any]:
    token = _token(request)
    assessment, _ = token_assessment_get(token=token, assessment_id=assessment_id, need="admin")
    live = selectors.live_request(assessment)
    if live is None:
        raise ApiProblem(409, f"{assessment.title} has no validation request to withdraw.")
    # The page's access function too: the token's owner must still be able to withdraw it.
    access = validation_get_for_user(user=token.user, request_id=live.pk, need="org_admin")
    try:
        validation_withdraw(
            validation=access.request, user=token.user, reason=payload.reason, request=request
        )
    except ValidationRefused as exc:
        raise ApiProblem(409, str(exc)) from None
    return _status_out(request, assessment)


@api.get(
    "/registry",
    auth=None,
    response={200: RegistryPage, **errors(422, 429)},
    tags=["validation"],
    summary="The public registry of validated organisations (those who chose to be listed)",
    description="The registry page as data: each listed organisation with its latest "
    "validation decision and that decision's status today (`valid`, `expired`, or `revoked` "
    "with the date), by country and name. The stages are those of diam's open model, not "
    "official DIAM stages.",
)
def registry_list(
    request: HttpRequest, page: PageNumber = 1, per_page: RegistryPerPage = 50
) -> dict[str, Any]:
    entries = selectors.registry_entries()
    start = (page - 1) * per_page
    items = [
        {
            "organisation": e.organisation.name,
            "country": str(e.organisation.country.code or ""),
            "country_name": str(e.organisation.country.name or ""),
            "stage": e.decision.stage,
            "decided_on": e.decision.decided_on,
            "valid_until": e.decision.valid_until,
            "status": e.status,
            "revoked_on": e.decision.revoked_at.date() if e.decision.revoked_at else None,
            "code": e.decision.code,
            "verify_url": _verify_url(request, e.decision),
        }
        for e in entries[start : start + per_page]
    ]
    return {
        "items": items,
        "count": len(entries),
        "page": page,
        "per_page": per_page,
        "pages": math.ceil(len(entries) / per_page),
    }
