"""Every format of the gap report shows each status with its pass mark and the answer, says why
the stage is what it is, and lists the criteria beyond the stage (radiology 2.0.0)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from html import escape

import docx
import openpyxl
import pytest

from diam.model import Model
from diam.reports import (
    Report,
    build_report,
    checklist_to_csv,
    render_docx,
    render_html,
    render_xlsx,
)
from diam.scoring import parse_answer_file
from tests.reports.conftest import ROOT

EXAMPLE = ROOT / "models" / "radiology" / "2.0.0" / "examples" / "stage-3-department.json"
WHY = "Stage 3: stages 1 to 3 are reached; stage 4 is not: nearest misses PU-05"
PU05 = "Not met: needs > 50 %; answered 20 % (30 points short)"


@pytest.fixture(scope="module")
def report(radiology_v2: Model) -> Report:
    sheet = parse_answer_file(radiology_v2, json.loads(EXAMPLE.read_text("utf-8")))
    return build_report(
        model=radiology_v2,
        values=sheet.values,
        comments=sheet.comments,
        organisation="Example General Hospital",
        assessment_date=date(2026, 3, 31),
        context=sheet.context,
    )


def test_the_report_explains_the_stage_and_every_gap(report: Report) -> None:
    assert report.summary.why.startswith(WHY)
    pu05 = next(g for g in report.gaps.group("S4").gaps if g.criterion_id == "PU-05")
    assert pu05.explanation == PU05
    rows = {a.criterion_id: a for a in report.answers}
    assert rows["SI-01"].explanation == "Met at ≥ 95 %; answered 97 %"
    assert rows["PM-08"].explanation == (
        "Not applicable: the service profile has no radionuclide therapy"
    )
    assert rows["HX-04"].status == "not met"  # the plain status stays for machines
    beyond = {g.criterion_id: g for g in report.gaps.beyond}
    assert "CD-04" in beyond and beyond["CD-04"].explanation.endswith(
        "(beyond the stages: good practice that does not change the stage)"
    )
    assert all(not report.result.model.criteria_by_id[cid].gating for cid in beyond)


def test_html_and_pdf_show_them(report: Report) -> None:
    html = render_html(report)
    assert WHY in html
    assert f"<strong>Status.</strong> {escape(PU05)}" in html
    assert "<h3>Beyond the stage</h3>" in html
    assert "<td>Met at ≥ 95 %; answered 97 %</td>" in html  # the appendix


def test_docx_shows_them(report: Report) -> None:
    document = docx.Document(io.BytesIO(render_docx(report)))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert WHY in text
    assert f"Status. {PU05}" in text
    assert "Beyond the stage" in text
    assert "Met at ≥ 95 %; answered 97 %" in cells


def test_xlsx_and_csv_show_them(report: Report) -> None:
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))
    summary = {r[0]: r[1] for r in book["Summary"].iter_rows(values_only=True)}
    assert str(summary["Why this stage"]).startswith(WHY)
    gaps = list(book["Gaps"].iter_rows(values_only=True))
    assert gaps[0][-1] == "Pass mark and answer"
    assert any(r[1] == "PU-05" and r[-1] == PU05 for r in gaps[1:])
    assert any(r[0] == "Beyond the stage" for r in gaps[1:])
    answers = list(book["Answers"].iter_rows(values_only=True))
    assert ("SI-01", "Met at ≥ 95 %; answered 97 %") in {(r[0], r[-1]) for r in answers}
    rows = list(csv.reader(io.StringIO(checklist_to_csv(report.checklist).decode("utf-8-sig"))))
    assert rows[0][-1] == "Pass mark and answer"
    assert any(r[2] == "PU-05" and r[-1] == PU05 for r in rows[1:])
