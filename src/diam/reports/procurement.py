"""The procurement checklist: the vendor-neutral requirements implied by a roadmap.

One row per roadmap step: the system kind it concerns (grouped in the manifest's system
order), the criterion's `ask`, the criterion it closes, its references and its phase. Exports:
XLSX (a "Checklist" sheet and an "About" sheet) and CSV (UTF-8 with BOM so Excel reads it).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from diam.model.schema import Model
from diam.reports.gaps import ReferenceLink
from diam.reports.roadmap import Roadmap
from diam.text import office_text

DISCLAIMER = (
    "diam is an open model inspired by the public description of the HIMSS/ESR Digital Imaging "
    "Adoption Model (DIAM); not an official DIAM rating or stage. Not affiliated with HIMSS or "
    "ESR."
)

HEADER = (
    "System",
    "Requirement (vendor-neutral)",
    "Closes criterion",
    "Current status",
    "Phase",
    "References",
    "Reference URLs",
    "Pass mark and answer",
)
WIDTHS = (26, 70, 14, 14, 40, 24, 60, 50)


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    system_id: str
    system_name: str
    ask: str
    criterion_id: str
    status: str  # "not met" / "unanswered"
    references: tuple[ReferenceLink, ...]
    phase: int
    phase_title: str
    explanation: str = ""  # pass mark and answer, e.g. "Not met: needs ≥ 95 %; answered 92 %"

    @property
    def reference_tags(self) -> str:
        return ", ".join(r.tag for r in self.references)

    @property
    def reference_urls(self) -> str:
        return "\n".join(r.url for r in self.references)

    def row(self) -> tuple[str, ...]:
        return (
            self.system_name,
            self.ask,
            self.criterion_id,
            self.status,
            f"{self.phase}. {self.phase_title}",
            self.reference_tags,
            self.reference_urls,
            self.explanation,
        )


@dataclass(frozen=True, slots=True)
class SystemGroup:
    system_id: str
    name: str
    items: tuple[ChecklistItem, ...]


@dataclass(frozen=True, slots=True)
class Checklist:
    model_id: str
    model_version: str
    groups: tuple[SystemGroup, ...]

    @property
    def items(self) -> tuple[ChecklistItem, ...]:
        return tuple(i for g in self.groups for i in g.items)


def build_checklist(model: Model, roadmap: Roadmap) -> Checklist:
    """Group the roadmap's steps by system, in the manifest's system order."""
    by_system: dict[str, list[ChecklistItem]] = {}
    titles = {p.number: p.title for p in roadmap.phases}
    for step in roadmap.steps:
        gap = step.gap
        by_system.setdefault(gap.system, []).append(
            ChecklistItem(
                system_id=gap.system,
                system_name=_system_name(model, gap.system),
                ask=" ".join(gap.ask.split()),
                criterion_id=gap.criterion_id,
                status=gap.status.value.replace("_", " "),
                references=gap.references,
                phase=step.phase,
                phase_title=titles[step.phase],
                explanation=gap.explanation,
            )
        )
    order = [s.id for s in model.manifest.systems]
    order += sorted(k for k in by_system if k not in order)
    groups = tuple(
        SystemGroup(key, _system_name(model, key), tuple(by_system[key]))
        for key in order
        if key in by_system
    )
    return Checklist(model.id, model.version, groups)


def _system_name(model: Model, system_id: str) -> str:
    found = next((s for s in model.manifest.systems if s.id == system_id), None)
    return found.name if found is not None else system_id


# --- spreadsheet helpers (shared with the report workbook) ----------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADER_FILL = PatternFill("solid", fgColor="1D4E89")
LINE_HEIGHT = 15.0  # points per line of 11 pt text


def safe_text(value: str) -> str:
    """Neutralise spreadsheet formula injection in free text (OWASP: prefix with `'`)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


@dataclass(frozen=True, slots=True)
class Percent:
    """A percentage (0–100) for a spreadsheet cell: stored as a fraction with a percent format,
    so it sorts and sums as a number and reads `72.5%`."""

    value: float

    def __str__(self) -> str:
        return f"{self.value:g}%"


# Dates and times as real spreadsheet dates (ISO order reads the same in every locale); times
# are UTC, as the column headers say, since spreadsheet cells carry no time zone.
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def _put(cell: Any, value: object) -> None:
    """Write `value` into `cell` keeping its type: text stays text (never a formula, whatever it
    starts with), numbers are numbers, `Percent` a percentage, dates dates, booleans booleans."""
    if value is None:
        return
    if isinstance(value, str):
        cell.value = office_text(value)
        cell.data_type = "s"  # never a formula, whatever the text starts with
    elif isinstance(value, Percent):
        cell.value = value.value / 100
        # One decimal only where the figure has one, as the other formats print it.
        cell.number_format = "0%" if float(value.value).is_integer() else "0.0%"
    elif isinstance(value, datetime):
        moment = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        cell.value = moment
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    else:
        cell.value = value


def _lines_needed(value: object, width: float, chars_per_unit: float = 1.15) -> int:
    """Estimated wrapped lines of a cell; spreadsheets do not size rows from wrapped text."""
    if value is None or isinstance(value, date | int | float):
        return 1
    chars_per_line = max(int(width * chars_per_unit), 1)
    return sum(max(1, math.ceil(len(part) / chars_per_line)) for part in str(value).split("\n"))


def write_table(
    sheet: Any,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    widths: Sequence[int],
    *,
    start_row: int = 1,
) -> int:
    """A header row (bold, filled, frozen, repeated when printed, with autofilter) and wrapped
    data rows with row heights fitted to their text; landscape, fit to page width. Returns the
    number of data rows."""
    bold = Font(bold=True, color="FFFFFF")
    for col, title in enumerate(header, start=1):
        cell = sheet.cell(row=start_row, column=col, value=title)
        cell.font = bold
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    sheet.row_dimensions[start_row].height = (
        LINE_HEIGHT * max(_lines_needed(t, w, 0.85) for t, w in zip(header, widths, strict=True))
        + 4
    )
    count = 0
    wrap = Alignment(vertical="top", wrap_text=True)
    for r, row in enumerate(rows, start=start_row + 1):
        count += 1
        for col, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=col)
            _put(cell, value)
            cell.alignment = wrap
        lines = max(_lines_needed(v, w) for v, w in zip(row, widths, strict=True))
        sheet.row_dimensions[r].height = LINE_HEIGHT * lines + 3
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    last = get_column_letter(len(header))
    sheet.freeze_panes = sheet.cell(row=start_row + 1, column=1)
    sheet.auto_filter.ref = f"A{start_row}:{last}{start_row + max(count, 1)}"
    sheet.print_title_rows = f"{start_row}:{start_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    return count


def to_bytes(workbook: Any) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def about_rows(model_id: str, model_version: str) -> list[tuple[str, str]]:
    return [
        ("Model", model_id),
        ("Model version", model_version),
        ("Statement", DISCLAIMER),
        (
            "How to use",
            "Each row is a vendor-neutral requirement that closes one criterion of the "
            "roadmap. Put the rows of a system into its tender or change request.",
        ),
    ]


# --- exports ---------------------------------------------------------------------------------


def checklist_to_xlsx(checklist: Checklist) -> bytes:
    """The checklist as a workbook: "Checklist" (one row per item) and "About"."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Checklist"
    write_table(sheet, HEADER, (item.row() for item in checklist.items), WIDTHS)
    about = workbook.create_sheet("About")
    write_table(
        about, ("Item", "Value"), about_rows(checklist.model_id, checklist.model_version), (20, 90)
    )
    return to_bytes(workbook)


def checklist_to_csv(checklist: Checklist) -> bytes:
    """The checklist as CSV: UTF-8 with BOM (for Excel), a header row, one row per item."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for item in checklist.items:
        row = list(item.row())
        row[HEADER.index("Reference URLs")] = " ".join(r.url for r in item.references)
        writer.writerow([safe_text(office_text(v)) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
