"""The audit log pages: an organisation's log for its admins, the whole trail for programme
admins; filterable, paginated, exported as CSV (the export itself is recorded)."""

from __future__ import annotations

import csv
import io
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.http import require_safe

from diam.text import office_text
from diam.web.accounts.access import organisation_get_for_user
from diam.web.accounts.models import Organisation, User
from diam.web.audit.models import AuditEvent
from diam.web.audit.selectors import (
    AuditFilterForm,
    ProgrammeAuditFilterForm,
    audit_events,
    filters_from,
    known_actions,
)
from diam.web.audit.services import audit_record

PAGE_SIZE = 50
CSV_HEADER = ("Time (UTC)", "Action", "Person", "Organisation id", "Target", "Summary", "Client")


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _page(
    request: HttpRequest,
    *,
    events: QuerySet[AuditEvent],
    form: AuditFilterForm,
    organisation: Organisation | None,
    csv_url: str,
    actions: list[str],
) -> HttpResponse:
    paginator = Paginator(events.select_related(None), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "audit/log.html",
        {
            "organisation": organisation,
            "form": form,
            "page": page,
            "query": urlencode(query),
            "csv_url": csv_url + ("?" + urlencode(query) if query else ""),
            "actions": actions,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _csv(events: QuerySet[AuditEvent], filename: str) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for e in events.iterator(chunk_size=2000):
        row = (
            e.at.isoformat(timespec="seconds"),
            e.action,
            e.actor_label,
            e.organisation_id or "",
            f"{e.target_type}:{e.target_id}" if e.target_type else "",
            e.summary,
            e.ip or "",
        )
        writer.writerow([_cell(v) for v in row])
    response = HttpResponse(("\ufeff" + buffer.getvalue()).encode(), content_type="text/csv")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _cell(value: Any) -> str:
    text = office_text(str(value))
    # A summary can quote what someone typed: never let a spreadsheet read it as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
@require_safe
def organisation_log(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation, _ = organisation_get_for_user(
        user=_user(request), organisation_id=organisation_id, need="admin"
    )
    form = AuditFilterForm(request.GET or None)
    events = audit_events(organisation_id=organisation.pk, filters=filters_from(form))
    return _page(
        request,
        events=events,
        form=form,
        organisation=organisation,
        csv_url=f"/o/{organisation.pk}/audit.csv",
        actions=known_actions(organisation_id=organisation.pk),
    )


@login_required
@require_safe
def organisation_log_csv(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation, _ = organisation_get_for_user(
        user=_user(request), organisation_id=organisation_id, need="admin"
    )
    form = AuditFilterForm(request.GET or None)
    events = audit_events(organisation_id=organisation.pk, filters=filters_from(form))
    audit_record(
        action="audit.exported",
        actor=_user(request),
        organisation=organisation,
        summary="Audit log exported as CSV",
        detail={"filters": dict(request.GET.items())},
        request=request,
    )
    return _csv(events, f"audit-organisation-{organisation.pk}.csv")


def _programme_admin(request: HttpRequest) -> User:
    user = _user(request)
    if not user.is_programme_admin:
        raise PermissionDenied("Only programme admins can see the whole audit trail.")
    return user


@login_required
@require_safe
def programme_log(request: HttpRequest) -> HttpResponse:
    _programme_admin(request)
    form = ProgrammeAuditFilterForm(request.GET or None)
    events = audit_events(organisation_id=None, filters=filters_from(form))
    return _page(
        request,
        events=events,
        form=form,
        organisation=None,
        csv_url="/programme/audit.csv",
        actions=known_actions(organisation_id=None),
    )


@login_required
@require_safe
def programme_log_csv(request: HttpRequest) -> HttpResponse:
    user = _programme_admin(request)
    form = ProgrammeAuditFilterForm(request.GET or None)
    events = audit_events(organisation_id=None, filters=filters_from(form))
    audit_record(
        action="audit.exported",
        actor=user,
        summary="Whole audit trail exported as CSV",
        detail={"filters": dict(request.GET.items())},
        request=request,
    )
    return _csv(events, "audit-programme.csv")
