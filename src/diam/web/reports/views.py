"""The gap report page and its downloads (PDF, DOCX, XLSX; the procurement checklist as XLSX/CSV).

Every view reads the assessment through `assessment_get_for_user(need="view")`: 404 for
anyone outside the organisation, and any member role (viewers too) may read. The page shows
the same HTML body the PDF is rendered from, and its download links carry the same target
stage and branch order, so a download always says what the page says.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header, urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from diam.model.schema import CORE_STAGES
from diam.reports import Report, checklist_to_csv, checklist_to_xlsx, render_html
from diam.reports.render import render_docx, render_pdf, render_xlsx
from diam.web.accounts.models import User
from diam.web.assessments.access import assessment_get_for_user
from diam.web.assessments.models import Assessment, Status
from diam.web.assessments.services import model_for
from diam.web.audit.services import audit_record
from diam.web.reports import selectors
from diam.web.reports.styles import report_css, report_css_version

logger = logging.getLogger(__name__)

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"

_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def report_body(report: Report) -> str:
    """The inside of `render_html`'s `<body>`: exactly what the PDF is laid out from."""
    match = _BODY.search(render_html(report))
    assert match is not None, "render_html always returns a whole document"
    return match.group(1).strip()


def _build(
    assessment: Assessment,
    options: selectors.ReportOptions,
    peers: Mapping[str, float] | None,
) -> Report:
    return selectors.report_for_assessment(
        assessment=assessment,
        target_stage=options.target_stage,
        branch_order=options.branch_order,
        peer_medians=peers,
    )


def _problem(exc: ValueError) -> str:
    text = str(exc).strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."


# --- the page ----------------------------------------------------------------------------------


@require_safe
@login_required
@never_cache
def report_page(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment, membership = assessment_get_for_user(
        user=_user(request), assessment_id=assessment_id, need="view"
    )
    model = model_for(assessment)
    peers = selectors.peer_medians(assessment)
    status = 200
    error = ""
    try:
        options = selectors.parse_options(request.GET)
        report = _build(assessment, options, peers)
    except ValueError as exc:
        # A stale bookmark (target 4 after stage 4 was reached) or a hand-edited URL: say
        # what is wrong and show the report for the defaults, which the downloads follow.
        error = _problem(exc)
        status = 400
        options = selectors.ReportOptions()
        report = _build(assessment, options, peers)
    query = options.query()
    suffix = "?" + urlencode(query) if query else ""
    current = report.summary.stage
    targets = selectors.target_choices(model, current)
    selected_target = str(report.roadmap.target_stage or "")

    def link(name: str) -> str:
        return reverse(name, args=[assessment.pk]) + suffix

    context = {
        "assessment": assessment,
        "membership": membership,
        "model": model,
        "active": "report",
        "report": report,
        # render_html escapes every value it writes; the body is the PDF's HTML as is.
        "report_body": mark_safe(report_body(report)),  # noqa: S308
        "error": error,
        "provisional": assessment.status == Status.DRAFT,
        "targets": targets,
        "selected_target": selected_target,
        "first_branch_stage": len(CORE_STAGES) + 1,
        "branch_orders": selectors.branch_order_choices(model),
        "selected_branch_order": options.branch_order or "",
        "downloads": [
            ("PDF", "Full report, print-ready (A4)", link("assessment_report_pdf")),
            ("Word (DOCX)", "Full report, editable", link("assessment_report_docx")),
            ("Excel (XLSX)", "Every table of the report", link("assessment_report_xlsx")),
        ],
        "checklist_downloads": [
            ("XLSX", link("assessment_checklist_xlsx")),
            ("CSV", link("assessment_checklist_csv")),
        ],
        "css_url": reverse("report_css") + "?v=" + report_css_version(),
    }
    return render(request, "reports/report.html", context, status=status)


# --- downloads ---------------------------------------------------------------------------------


Renderer = Callable[[Report], bytes]


def _download(
    request: HttpRequest,
    assessment_id: int,
    *,
    render_bytes: Renderer,
    content_type: str,
    kind: str,
    extension: str,
) -> HttpResponse:
    assessment, _membership = assessment_get_for_user(
        user=_user(request), assessment_id=assessment_id, need="view"
    )
    peers = selectors.peer_medians(assessment)
    try:
        options = selectors.parse_options(request.GET)
        report = _build(assessment, options, peers)
    except ValueError as exc:
        return HttpResponse(
            f"{_problem(exc)} Open the report page to choose a target stage and branch order.\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    data = render_bytes(report)
    response = HttpResponse(data, content_type=content_type)
    filename = selectors.download_filename(assessment, kind, extension)
    if request.method == "GET":  # a HEAD request downloads nothing
        audit_record(
            action="export.downloaded",
            actor=_user(request),
            organisation=assessment.organisation_id,
            target=assessment,
            summary=f"Downloaded {filename}",
            detail={"file": filename, "kind": kind, "format": extension},
            request=request,
        )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Content-Length"] = str(len(data))
    return response


@require_safe
@login_required
@never_cache
def report_pdf(request: HttpRequest, assessment_id: int) -> HttpResponse:
    try:
        return _download(
            request,
            assessment_id,
            render_bytes=render_pdf,
            content_type=PDF,
            kind="gap-report",
            extension="pdf",
        )
    except OSError:
        # WeasyPrint loads pango/harfbuzz from the OS; without them no PDF can be made.
        logger.exception("PDF rendering failed")
        return HttpResponse(
            "The PDF cannot be produced on this server right now (the PDF renderer's system "
            "libraries are missing). The Word and Excel downloads still work.\n",
            status=503,
            content_type="text/plain; charset=utf-8",
        )


@require_safe
@login_required
@never_cache
def report_docx(request: HttpRequest, assessment_id: int) -> HttpResponse:
    return _download(
        request,
        assessment_id,
        render_bytes=render_docx,
        content_type=DOCX,
        kind="gap-report",
        extension="docx",
    )


@require_safe
@login_required
@never_cache
def report_xlsx(request: HttpRequest, assessment_id: int) -> HttpResponse:
    return _download(
        request,
        assessment_id,
        render_bytes=render_xlsx,
        content_type=XLSX,
        kind="gap-report",
        extension="xlsx",
    )


@require_safe
@login_required
@never_cache
def checklist_xlsx(request: HttpRequest, assessment_id: int) -> HttpResponse:
    return _download(
        request,
        assessment_id,
        render_bytes=lambda report: checklist_to_xlsx(report.checklist),
        content_type=XLSX,
        kind="procurement-checklist",
        extension="xlsx",
    )


@require_safe
@login_required
@never_cache
def checklist_csv(request: HttpRequest, assessment_id: int) -> HttpResponse:
    return _download(
        request,
        assessment_id,
        render_bytes=lambda report: checklist_to_csv(report.checklist),
        content_type=CSV,
        kind="procurement-checklist",
        extension="csv",
    )


# --- the report's stylesheet, scoped for the site layout ---------------------------------------


@cache
def _css_bytes() -> bytes:
    return report_css().encode("utf-8")


@require_safe
def stylesheet(request: HttpRequest) -> HttpResponse:
    """Public: the report's CSS (no data in it); the page links it with a content hash."""
    response = HttpResponse(_css_bytes(), content_type="text/css; charset=utf-8")
    patch_cache_control(response, public=True, max_age=60 * 60 * 24 * 30)
    return response
