"""Import and export pages: an assessment's downloads and workbook upload, an organisation's
import into a new draft and CSV tables, and the public blank workbook and Questionnaire.

Every view starts with the same access functions as the survey (404 outside the
organisation, 403 for a role that may not act). Uploads are refused from their declared size
before the body is read, then read by `diam.exchange.imports`, which checks everything before
anything is written.
"""

from __future__ import annotations

import json
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST, require_safe

from diam.exchange import fhir
from diam.exchange.bundle import build_bundle
from diam.exchange.imports import KIND_LABELS, Imported, read_import
from diam.exchange.safety import UploadProblem
from diam.exchange.workbook import WorkbookProblems, build_workbook, read_workbook
from diam.model.schema import Model
from diam.paths import UnknownModel, available_model_ids, model_versions, shipped_model
from diam.web.accounts.access import organisation_get_for_user
from diam.web.accounts.models import Membership, User
from diam.web.assessments.access import assessment_get_for_user
from diam.web.assessments.models import Assessment
from diam.web.assessments.services import AssessmentLocked, model_for
from diam.web.audit.services import audit_record
from diam.web.exchange import selectors
from diam.web.exchange.services import answers_apply, assessment_import, stated_services

JSON = "application/json"
FHIR_JSON = "application/fhir+json"
ZIP = "application/zip"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
UPLOAD_OVERHEAD_BYTES = 64 * 1024


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def fhir_base() -> str:
    """Where the FHIR resources' canonical URLs point: this server's API."""
    return settings.SITE_URL.rstrip("/") + "/api/fhir"


def _download(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Content-Length"] = str(len(data))
    response["Cache-Control"] = "private, no-store"
    return response


def _filename(assessment: Assessment, kind: str, extension: str) -> str:
    org = slugify(assessment.organisation.name) or "organisation"
    version = "".join(ch for ch in assessment.model_version if ch.isalnum() or ch in ".-")
    return f"{org}-{slugify(assessment.title) or 'assessment'}-{version}-{kind}.{extension}"


def _fhir_version(request: HttpRequest) -> fhir.FhirVersion:
    raw = (request.GET.get("fhir_version") or "R5").upper()
    if raw not in fhir.FHIR_VERSIONS:
        raise Http404("FHIR version must be R5 or R4B.")
    return cast(fhir.FhirVersion, raw)


def _exported(request: HttpRequest, assessment: Assessment, what: str) -> None:
    audit_record(
        action=f"export.{what}",
        actor=_user(request),
        organisation=assessment.organisation,
        target=assessment,
        summary=f"{assessment.title}: {what} downloaded",
        request=request,
    )


# --- an assessment -----------------------------------------------------------------------------


def _page_context(assessment: Assessment, membership: Membership) -> dict[str, Any]:
    return {
        "assessment": assessment,
        "membership": membership,
        "model": model_for(assessment),
        "active": "data",
        "editable": membership.can_edit and not assessment.is_locked,
        "fhir_versions": list(fhir.FHIR_VERSIONS),
        "max_upload_mb": settings.DIAM_IMPORT_MAX_BYTES // 1_048_576,
    }


@require_safe
@login_required
@never_cache
def assessment_data(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment, membership = assessment_get_for_user(
        user=_user(request), assessment_id=assessment_id
    )
    return render(request, "exchange/assessment.html", _page_context(assessment, membership))


@require_safe
@login_required
def export_answers(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment, _ = assessment_get_for_user(user=_user(request), assessment_id=assessment_id)
    document = selectors.answers_document(assessment)
    _exported(request, assessment, "answers")
    data = (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return _download(data, JSON, _filename(assessment, "answers", "json"))


@require_safe
@login_required
def export_bundle(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment, _ = assessment_get_for_user(user=_user(request), assessment_id=assessment_id)
    data = build_bundle(
        answers=selectors.answers_document(assessment),
        evidence=selectors.evidence_files(assessment),
        exported_at=timezone.now(),
        source={
            "organisation": assessment.organisation.name,
            "assessment": assessment.title,
            "status": assessment.status,
        },
    )
    _exported(request, assessment, "bundle")
    return _download(data, ZIP, _filename(assessment, "bundle", "zip"))


@require_safe
@login_required
def export_fhir(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment, _ = assessment_get_for_user(user=_user(request), assessment_id=assessment_id)
    version = _fhir_version(request)
    resource = questionnaire_response_of(assessment, version)
    _exported(request, assessment, "fhir")
    data = (json.dumps(resource, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return _download(
        data, FHIR_JSON, _filename(assessment, f"questionnaire-response-{version}", "json")
    )


def questionnaire_response_of(assessment: Assessment, version: fhir.FhirVersion) -> dict[str, Any]:
    return fhir.questionnaire_response(
        model_for(assessment),
        selectors.answer_sheet_of(assessment),
        base=fhir_base(),
        status=selectors.FHIR_STATUS.get(assessment.status, "in-progress"),
        authored=assessment.submitted_at or assessment.updated_at,
        subject=assessment.organisation.name,
        fhir_version=version,
    )


@require_safe
@login_required
def export_csv(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment, _ = assessment_get_for_user(user=_user(request), assessment_id=assessment_id)
    _exported(request, assessment, "csv")
    return _download(
        selectors.answers_csv([assessment]), CSV, _filename(assessment, "answers", "csv")
    )


@require_safe
@login_required
def export_workbook(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment, _ = assessment_get_for_user(user=_user(request), assessment_id=assessment_id)
    data = build_workbook(
        model_for(assessment),
        generated_at=timezone.now(),
        sheet=selectors.answer_sheet_of(assessment),
        title=f"{assessment.organisation.name}: {assessment.title}",
    )
    _exported(request, assessment, "workbook")
    return _download(data, XLSX, _filename(assessment, "workbook", "xlsx"))


def _declared_too_large(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return length > settings.DIAM_IMPORT_MAX_BYTES + UPLOAD_OVERHEAD_BYTES


def _uploaded_bytes(request: HttpRequest) -> bytes:
    upload = request.FILES.get("file")
    if upload is None:
        raise UploadProblem("Choose a file to upload.")
    if upload.size is None or upload.size > settings.DIAM_IMPORT_MAX_BYTES:
        raise UploadProblem(
            f"The file is over the {settings.DIAM_IMPORT_MAX_BYTES // 1_048_576} MB limit."
        )
    return upload.read()


@csrf_exempt  # checked by csrf_protect below, after the size check that must not read the body
@login_required
@require_POST
def upload_workbook(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment, membership = assessment_get_for_user(
        user=_user(request), assessment_id=assessment_id, need="edit"
    )
    if _declared_too_large(request):
        return _upload_refused(
            request,
            assessment,
            membership,
            [f"The file is over the {settings.DIAM_IMPORT_MAX_BYTES // 1_048_576} MB limit."],
            status=413,
        )
    return _upload_workbook_checked(request, assessment, membership)


@csrf_protect
def _upload_workbook_checked(
    request: HttpRequest, assessment: Assessment, membership: Membership
) -> HttpResponse:
    model = model_for(assessment)

    def resolve(model_id: str, version: str | None) -> Model:
        if (model_id, version) != (model.id, model.version):
            raise UploadProblem(
                f"This workbook is for model {model_id} {version}, but this assessment uses "
                f"{model.id} {model.version}: download this assessment's workbook and copy "
                "the answers into it."
            )
        return model

    rows: list[tuple[str, str, str, str]] = []
    try:
        data = _uploaded_bytes(request)
        read = read_workbook(data, resolve=resolve)
        result = answers_apply(
            assessment=assessment,
            sheet=read.sheet,
            touched=read.document["answers"],
            user=_user(request),
            source="the offline workbook",
            request=request,
            services=stated_services(read.document),
        )
    except WorkbookProblems as exc:
        rows = [(p.sheet, str(p.row or ""), p.criterion, p.problem) for p in exc.rows]
        return _upload_refused(request, assessment, membership, [], rows=rows)
    except (UploadProblem, AssessmentLocked) as exc:
        problems = exc.problems if isinstance(exc, UploadProblem) else [str(exc)]
        return _upload_refused(request, assessment, membership, problems)
    if result.changed or result.services_changed:
        profile = " The service profile was updated." if result.services_changed else ""
        messages.success(
            request,
            f"Workbook imported: {len(result.changed)} answer(s) changed, "
            f"{result.unchanged} already as in the workbook.{profile}",
        )
    else:
        messages.info(request, "The workbook's answers are already those of the assessment.")
    return HttpResponseRedirect(reverse("assessment_data", args=[assessment.pk]))


def _upload_refused(
    request: HttpRequest,
    assessment: Assessment,
    membership: Membership,
    problems: list[str],
    *,
    rows: list[tuple[str, str, str, str]] | None = None,
    status: int = 422,
) -> HttpResponse:
    context = _page_context(assessment, membership)
    context.update(problems=problems, problem_rows=rows or [])
    return render(request, "exchange/assessment.html", context, status=status)


# --- an organisation ---------------------------------------------------------------------------


def _models() -> list[dict[str, Any]]:
    return [
        {"id": model_id, "versions": list(reversed(model_versions(model_id)))}
        for model_id in available_model_ids()
    ]


def _organisation_context(organisation: Any, membership: Membership) -> dict[str, Any]:
    return {
        "organisation": organisation,
        "membership": membership,
        "models": _models(),
        "fhir_versions": list(fhir.FHIR_VERSIONS),
        "max_upload_mb": settings.DIAM_IMPORT_MAX_BYTES // 1_048_576,
        "kinds": list(KIND_LABELS.values()),
    }


@require_safe
@login_required
@never_cache
def organisation_data(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation, membership = organisation_get_for_user(
        user=_user(request), organisation_id=organisation_id
    )
    return render(
        request, "exchange/organisation.html", _organisation_context(organisation, membership)
    )


@csrf_exempt  # checked by csrf_protect below, after the size check that must not read the body
@login_required
@require_POST
def organisation_import(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation, membership = organisation_get_for_user(
        user=_user(request), organisation_id=organisation_id, need="admin"
    )
    if _declared_too_large(request):
        context = _organisation_context(organisation, membership)
        context["problems"] = [
            f"The file is over the {settings.DIAM_IMPORT_MAX_BYTES // 1_048_576} MB limit."
        ]
        return render(request, "exchange/organisation.html", context, status=413)
    return _organisation_import_checked(request, organisation, membership)


@csrf_protect
def _organisation_import_checked(
    request: HttpRequest, organisation: Any, membership: Membership
) -> HttpResponse:
    title = (request.POST.get("title") or "").strip()[:120]
    rows: list[tuple[str, str, str, str]] = []
    try:
        imported: Imported = read_import(_uploaded_bytes(request))
        assessment = assessment_import(
            organisation=organisation,
            user=_user(request),
            imported=imported,
            title=title,
            request=request,
        )
    except WorkbookProblems as exc:
        rows = [(p.sheet, str(p.row or ""), p.criterion, p.problem) for p in exc.rows]
        problems: list[str] = []
    except UploadProblem as exc:
        problems = exc.problems
    else:
        messages.success(
            request,
            f"Imported the {KIND_LABELS[imported.kind]} as a new draft, {assessment.title} "
            f"(model {assessment.model_id} {assessment.model_version}). Check the answers, "
            "then submit it when ready.",
        )
        return HttpResponseRedirect(reverse("assessment_submit", args=[assessment.pk]))
    context = _organisation_context(organisation, membership)
    context.update(problems=problems, problem_rows=rows)
    return render(request, "exchange/organisation.html", context, status=422)


@require_safe
@login_required
def organisation_answers_csv(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation, _ = organisation_get_for_user(
        user=_user(request), organisation_id=organisation_id
    )
    data = selectors.answers_csv(selectors.organisation_assessments(organisation))
    _organisation_exported(request, organisation, "answers CSV")
    return _download(data, CSV, f"{slugify(organisation.name) or 'organisation'}-answers.csv")


@require_safe
@login_required
def organisation_results_csv(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation, _ = organisation_get_for_user(
        user=_user(request), organisation_id=organisation_id
    )
    data = selectors.results_csv(selectors.organisation_assessments(organisation))
    _organisation_exported(request, organisation, "results CSV")
    return _download(data, CSV, f"{slugify(organisation.name) or 'organisation'}-results.csv")


def _organisation_exported(request: HttpRequest, organisation: Any, what: str) -> None:
    with transaction.atomic():
        audit_record(
            action="export.organisation_csv",
            actor=_user(request),
            organisation=organisation,
            target=organisation,
            summary=f"{what} downloaded",
            request=request,
        )


# --- a model version (public: no organisation's data) ------------------------------------------


def _model(model_id: str, version: str) -> Model:
    try:
        return shipped_model(model_id, version)
    except UnknownModel:
        raise Http404("No such model version.") from None


@require_safe
def model_workbook(request: HttpRequest, model_id: str, version: str) -> HttpResponse:
    """The blank workbook of a model version."""
    model = _model(model_id, version)
    data = build_workbook(model, generated_at=timezone.now(), title="Blank workbook")
    return _download(data, XLSX, f"{model.id}-{model.version}-workbook.xlsx")


@require_safe
def model_questionnaire(request: HttpRequest, model_id: str, version: str) -> HttpResponse:
    """The model version as a FHIR Questionnaire (`?fhir_version=R4B` for R4B)."""
    model = _model(model_id, version)
    fhir_version = _fhir_version(request)
    resource = fhir.questionnaire(model, base=fhir_base(), fhir_version=fhir_version)
    data = (json.dumps(resource, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return _download(
        data, FHIR_JSON, f"{model.id}-{model.version}-questionnaire-{fhir_version}.json"
    )
