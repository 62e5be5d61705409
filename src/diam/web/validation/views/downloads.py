"""Downloads of a decided validation for the parties to it: the certificate PDF and the
signed credential. Both are recorded in the audit trail."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from diam.web.accounts.models import User
from diam.web.audit.services import audit_record
from diam.web.validation import keys
from diam.web.validation.access import validation_get_for_user
from diam.web.validation.certificate import certificate_pdf
from diam.web.validation.models import ValidationDecision
from diam.web.validation.services.decision import credential_issue
from diam.web.validation.views.public import credential_download_body


def _decision(request: HttpRequest, validation_id: int) -> ValidationDecision:
    access = validation_get_for_user(user=cast(User, request.user), request_id=validation_id)
    decision = (
        ValidationDecision.objects.select_related("organisation", "request__assessment")
        .filter(request=access.request)
        .first()
    )
    if decision is None:
        raise Http404("This validation is not decided.")
    return decision


def _name(decision: ValidationDecision, kind: str, ext: str) -> str:
    slug = slugify(decision.organisation.name) or "organisation"
    return f"{slug}-{decision.decided_on.isoformat()}-validated-stage-{decision.stage}-{kind}.{ext}"


@login_required
@require_safe
def certificate(request: HttpRequest, validation_id: int) -> HttpResponse:
    decision = _decision(request, validation_id)
    pdf = certificate_pdf(decision)
    audit_record(
        action="export.certificate",
        actor=request.user,
        organisation=decision.organisation,
        target=decision,
        summary=f"Certificate of {decision.organisation.name} downloaded",
        request=request,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{_name(decision, "certificate", "pdf")}"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def credential(request: HttpRequest, validation_id: int) -> HttpResponse:
    decision = _decision(request, validation_id)
    try:
        document = credential_issue(decision)
    except keys.KeyMissing:
        messages.error(
            request,
            "The programme has no signing key yet, so no credential can be issued. A programme "
            "admin creates one with `diam key create`.",
        )
        return redirect("validation", validation_id)
    audit_record(
        action="export.credential",
        actor=request.user,
        organisation=decision.organisation,
        target=decision,
        summary=f"Signed credential of {decision.organisation.name} downloaded",
        request=request,
    )
    response = HttpResponse(credential_download_body(document), content_type="application/json")
    response["Content-Disposition"] = (
        f'attachment; filename="{_name(decision, "credential", "json")}"'
    )
    response["Cache-Control"] = "private, no-store"
    return response
