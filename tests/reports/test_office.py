"""LibreOffice opens the DOCX and XLSX reports: one headless conversion of both (slow, ~10 s)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from pypdf import PdfReader

from diam.model import Model
from diam.reports import Report, build_report, render_docx, render_xlsx
from diam.scoring import AnswerSheet
from tests.libreoffice import SOFFICE, soffice_convert


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_converts_docx_and_xlsx(example_report: Report, tmp_path: Path) -> None:
    docx = tmp_path / "document.docx"
    xlsx = tmp_path / "workbook.xlsx"
    docx.write_bytes(render_docx(example_report))
    xlsx.write_bytes(render_xlsx(example_report))
    out = tmp_path / "pdf"
    soffice_convert([docx, xlsx], "pdf", out, tmp_path)
    docx_pdf = PdfReader(out / "document.pdf")
    text = "\n".join(page.extract_text() or "" for page in docx_pdf.pages)
    assert "Executive summary" in text and "Procurement checklist" in text
    for gap in example_report.gaps.gaps[:5]:
        assert gap.criterion_id in text
    sheets = "\n".join(page.extract_text() or "" for page in PdfReader(out / "workbook.pdf").pages)
    assert example_report.checklist.items[0].criterion_id in sheets
    assert "not an official DIAM rating" in " ".join(sheets.split())  # wrapped in its cell


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_the_xlsx_report_keeps_types_through_libreoffice_which_sorts_and_sums_them(
    radiology_model: Model, example_sheet: AnswerSheet, tmp_path: Path
) -> None:
    # Comments that a spreadsheet would take for formulas must stay the text typed.
    hostile = {"SI-01": "=1+1", "SI-02": "+SUM(A1:A2)", "HX-01": "-5", "WS-01": "@cmd"}
    when = datetime(2025, 3, 30, 14, 5, tzinfo=UTC)
    report = build_report(
        model=radiology_model,
        values=example_sheet.values,
        comments={**example_sheet.comments, **hostile},
        answered_by={cid: ("Dr Ada", when) for cid in example_sheet.values},
        organisation="Klinikum Beispiel",
        assessment_date=date(2025, 3, 31),
    )
    workbook = load_workbook(io.BytesIO(render_xlsx(report)))
    answers = workbook["Answers"]
    head = [c.value for c in answers[1]]
    col = {name: get_column_letter(head.index(name) + 1) for name in head}
    last = answers.max_row
    # A sheet of formulas over the typed columns, computed by LibreOffice on conversion.
    check = workbook.create_sheet("Check")
    value, raw, at = col["Value"], col["Raw value"], col["Answered at (UTC)"]
    check["A1"] = f"=SUM(Answers!{value}2:{value}{last})"
    check["A2"] = f"=COUNT(Answers!{value}2:{value}{last})"
    check["A3"] = f"=COUNTIF(Answers!{raw}2:{raw}{last},TRUE)"
    check["A4"] = f"=MAX(Answers!{at}2:{at}{last})-DATE(2025,3,30)"
    check["A5"] = "=Summary!B12*100"
    source = tmp_path / "report.xlsx"
    workbook.save(source)

    soffice_convert([source], "xlsx", tmp_path / "out", tmp_path)
    back = load_workbook(tmp_path / "out" / "report.xlsx", data_only=True)

    def given(kind: str) -> list[float]:
        return [float(a.value) for a in report.answers if a.kind == kind and a.value is not None]

    counts = [back["Check"][f"A{i}"].value for i in range(1, 6)]
    percents, others = given("percent"), given("number")
    numbers = percents + others
    # Percentages are stored as fractions (97 % is 0.97), shown with a percent format.
    assert counts[0] == pytest.approx(sum(percents) / 100 + sum(others))
    assert counts[1] == len(numbers)
    assert counts[2] == sum(1 for a in report.answers if a.value is True)
    assert counts[3] == pytest.approx((14 * 60 + 5) / (24 * 60))  # a date-time, not text
    assert counts[4] == pytest.approx(report.summary.completeness)

    sheet = back["Answers"]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    names = {c.value: i for i, c in enumerate(sheet[1])}
    for cid, text in hostile.items():
        cell = rows[cid][names["Comment"]]
        assert (cell.value, cell.data_type) == (text, "s")
    si01 = rows["SI-01"]
    assert si01[names["Value"]].number_format in ("0%", "0.0%")
    assert si01[names["Value"]].value == pytest.approx(0.996)
    assert si01[names["Answered at (UTC)"]].value == when.replace(tzinfo=None)
    ds01 = rows["DS-01"]
    assert ds01[names["Value"]].value == "yes" and ds01[names["Raw value"]].value is True
    assert back["Summary"]["B3"].value.date() == date(2025, 3, 31)
