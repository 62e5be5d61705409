"""The gap report page and its downloads (PDF, DOCX, XLSX; the procurement checklist as XLSX/CSV).

Every view reads the assessment through `assessment_get_for_user(need="view")`: 404 for
anyone outside the organisation, and any member role (viewers too) may read. The page shows
the same HTML body the PDF is rendered from, and its download links carry the same target
stage and branch order, so a download always says what the page says.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from functools import cache
from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from diam.model.schema import CORE_STAGES
from diam.reports import Report, render_html
from diam.web.accounts.models import Membership, User
from diam.web.assessments.access import assessment_get_for_user
from diam.web.assessments.models import Assessment, Status
from diam.web.assessments.services import model_for
from diam.web.audit.services import audit_record
from diam.web.reports import files, selectors, services
from diam.web.reports.models import FileState, ReportFile
from diam.web.reports.styles import report_css, report_css_version

logger = logging.getLogger(__name__)

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
#
# A download streams the stored file of the assessment's current state (services, files). When
# there is none yet, a quick kind (XLSX, CSV) is rendered in the request and stored; a slow one
# (PDF, DOCX) is queued for the background worker and the response is a page saying that it is
# being prepared (202). The page asks again every two seconds through htmx (without JavaScript:
# a link to check again); once the file is ready, the htmx answer swaps in a "ready" note that
# starts the download. A queued file no worker has started in time is rendered in the request.

POLL_TRIGGER = "report-status"  # the id of the polling element (htmx sends it as HX-Trigger)
START_TRIGGER = "report-download"  # the element that starts the download once ready


def _plain(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _download(request: HttpRequest, assessment_id: int, *, kind_name: str) -> HttpResponse:
    assessment, membership = assessment_get_for_user(
        user=_user(request), assessment_id=assessment_id, need="view"
    )
    kind = files.KINDS[kind_name]
    try:
        options = selectors.parse_options(request.GET)
    except ValueError as exc:
        return _bad_options(exc)
    lookup = services.report_file_lookup(assessment=assessment, kind=kind, options=options)
    row = lookup.file
    if row is None:
        try:
            selectors.check_options(assessment=assessment, options=options)
        except ValueError as exc:
            return _bad_options(exc)
    if row is None or row.state != FileState.READY or not row.path.is_file():
        try:
            row = services.report_file_request(lookup=lookup, retry="retry" in request.GET)
            if services.should_render_in_request(row):
                services.report_file_render(report_file_id=row.pk)
        except OSError:
            # WeasyPrint loads pango/harfbuzz from the OS; without them no PDF can be made.
            return _plain(
                f"The {kind.label} cannot be produced on this server right now (the renderer's "
                "system libraries are missing). The other downloads still work.\n",
                503,
            )
        except Exception:  # recorded on the row (failed) and logged by the service
            logger.warning("Rendering a %s report file in the request failed", kind.name)
        row = ReportFile.objects.filter(assessment_id=assessment.pk, key=lookup.key).first()
    if row is not None and row.state == FileState.READY and row.path.is_file():
        if request.htmx and request.htmx.trigger == START_TRIGGER:
            # The "ready" note asks once: answer with a real navigation to the file.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = request.get_full_path()
            return response
        if request.htmx:
            return _status(request, assessment, membership, kind, options, row)
        return _stream(request, assessment, kind, row, lookup)
    return _status(request, assessment, membership, kind, options, row)


def _bad_options(exc: ValueError) -> HttpResponse:
    return _plain(
        f"{_problem(exc)} Open the report page to choose a target stage and branch order.\n", 400
    )


def _stream(
    request: HttpRequest,
    assessment: Assessment,
    kind: files.Kind,
    row: ReportFile,
    lookup: services.Lookup,
) -> HttpResponse:
    filename = selectors.download_filename(assessment, kind.file_kind, kind.extension)
    response = FileResponse(
        row.path.open("rb"),
        as_attachment=True,
        filename=filename,
        content_type=kind.content_type,
    )
    audit_record(
        action="export.downloaded",
        actor=request.user,
        organisation=assessment.organisation_id,
        target=assessment,
        summary=f"Downloaded {filename}",
        detail={
            "file": filename,
            "kind": kind.file_kind,
            "format": kind.extension,
            "options": lookup.options_text,
            "stored": row.key[:16],
        },
        request=request,
    )
    return response


def _status(
    request: HttpRequest,
    assessment: Assessment,
    membership: Membership,
    kind: files.Kind,
    options: selectors.ReportOptions,
    row: ReportFile | None,
) -> HttpResponse:
    """The "being prepared" page (202), its failure (500), or to htmx its status fragment."""
    state = row.state if row is not None else FileState.QUEUED
    ready = state == FileState.READY
    failed = state == FileState.FAILED
    query = options.query()
    suffix = "?" + urlencode(query) if query else ""
    context = {
        "assessment": assessment,
        "membership": membership,
        "model": model_for(assessment),
        "active": "report",
        "kind": kind,
        "ready": ready,
        "failed": failed,
        "download_url": request.path + suffix,
        "retry_url": request.path + "?" + urlencode({**query, "retry": "1"}),
        "report_url": reverse("assessment_report", args=[assessment.pk]) + suffix,
        "provisional": assessment.status == Status.DRAFT,
        "poll_trigger": POLL_TRIGGER,
        "start_trigger": START_TRIGGER,
    }
    if request.htmx:
        # htmx swaps 2xx answers only; the fragment itself says what happened.
        return render(request, "reports/_file_status.html", context)
    status = 200 if ready else 500 if failed else 202
    return render(request, "reports/preparing.html", context, status=status)


@require_safe
@login_required
@never_cache
def report_pdf(request: HttpRequest, assessment_id: int) -> HttpResponse:
    return _download(request, assessment_id, kind_name="pdf")


@require_safe
@login_required
@never_cache
def report_docx(request: HttpRequest, assessment_id: int) -> HttpResponse:
    return _download(request, assessment_id, kind_name="docx")


@require_safe
@login_required
@never_cache
def report_xlsx(request: HttpRequest, assessment_id: int) -> HttpResponse:
    return _download(request, assessment_id, kind_name="xlsx")


@require_safe
@login_required
@never_cache
def checklist_xlsx(request: HttpRequest, assessment_id: int) -> HttpResponse:
    return _download(request, assessment_id, kind_name="checklist-xlsx")


@require_safe
@login_required
@never_cache
def checklist_csv(request: HttpRequest, assessment_id: int) -> HttpResponse:
    return _download(request, assessment_id, kind_name="checklist-csv")


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
