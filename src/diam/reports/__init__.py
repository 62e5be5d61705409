"""Reports (pure; no Django): gap report, roadmap, procurement checklist and their renderers.

`build_report` assembles one `Report` from plain inputs; `render_html`, `render_pdf`,
`render_docx` and `render_xlsx` read it, so every format carries the same content.
"""

from diam.reports.benchmark import PeerArea, PeerSection
from diam.reports.document import Report, build_report
from diam.reports.gaps import Gap, GapReport, find_gaps
from diam.reports.procurement import (
    Checklist,
    build_checklist,
    checklist_to_csv,
    checklist_to_xlsx,
)
from diam.reports.render import render_docx, render_html, render_pdf, render_xlsx
from diam.reports.roadmap import Roadmap, build_roadmap

__all__ = [
    "Checklist",
    "Gap",
    "GapReport",
    "PeerArea",
    "PeerSection",
    "Report",
    "Roadmap",
    "build_checklist",
    "build_report",
    "build_roadmap",
    "checklist_to_csv",
    "checklist_to_xlsx",
    "find_gaps",
    "render_docx",
    "render_html",
    "render_pdf",
    "render_xlsx",
]
