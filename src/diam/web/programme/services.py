"""The console's one business action: exporting the programme statistics as CSV (recorded in
the audit trail, as every export is). Everything else in the console only reads."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.db import transaction
from django.http import HttpRequest

from diam.exchange.text import csv_safe
from diam.text import office_text
from diam.web.accounts.models import User
from diam.web.audit.services import audit_record
from diam.web.benchmarks import selectors as benchmarks
from diam.web.programme.selectors import CSV_HEADER, statistics_rows


class ExportRefused(Exception):
    """The export cannot be made (its message says why)."""


@dataclass(frozen=True)
class StatisticsExport:
    content: bytes
    filename: str
    rows: int


@transaction.atomic
def statistics_export(
    *, user: User, population: str, period: str, request: HttpRequest | None = None
) -> StatisticsExport:
    """The latest release's programme statistics as CSV (UTF-8 with a byte-order mark, so
    spreadsheets read the accents), one figure a row with its n or why it is hidden."""
    if not user.is_programme_admin:
        raise ExportRefused("Only programme admins export the programme statistics.")
    view = benchmarks.programme_view(population=population)
    if view.release is None:
        raise ExportRefused("No benchmark release has been published yet: nothing to export.")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    count = 0
    for row in statistics_rows(view, period=period):
        writer.writerow([csv_safe(office_text(v) if isinstance(v, str) else v) for v in row])
        count += 1
    release = view.release
    audit_record(
        action="export.programme_statistics",
        actor=user,
        target=release,
        summary=f"Programme statistics of release {release.key} ({count} rows, by {period})",
        detail={"release": release.key, "population": population, "period": period},
        request=request,
    )
    return StatisticsExport(
        content=("\ufeff" + buffer.getvalue()).encode(),
        filename=f"diam-statistics-{release.key}.csv",
        rows=count,
    )
