"""Downloads: real files (PDF, DOCX, XLSX, checklist XLSX/CSV) that follow the page's options."""

from __future__ import annotations

import csv
import io

import docx
import openpyxl
import pypdf
import pytest

from diam.reports.procurement import HEADER
from diam.scoring.result import Status
from diam.web.assessments.services import assessment_result, assessment_submit
from diam.web.reports.selectors import report_for_assessment
from tests.web.reports.conftest import download

OPEN = {Status.NOT_MET, Status.UNANSWERED}


def _get(client, assessment, name: str, query: str = ""):
    response = download(client, f"/a/{assessment.pk}/{name}" + query)
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    return response


def test_pdf_is_a_real_pdf_with_the_organisation_and_its_gaps(alice_client, filled) -> None:
    response = _get(alice_client, filled, "report.pdf", "?target=5&branch_order=CAB")
    assert response["Content-Type"] == "application/pdf"
    assert response.body.startswith(b"%PDF-")
    assert response["Content-Disposition"] == (
        'attachment; filename="st-elsewhere-hospital-'
        f'{filled.created_at.date().isoformat()}-radiology-2.0.0-gap-report-draft.pdf"'
    )
    reader = pypdf.PdfReader(io.BytesIO(response.body))
    assert len(reader.pages) > 5
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "St Elsewhere Hospital" in text
    report = report_for_assessment(assessment=filled, target_stage=5, branch_order="CAB")
    gap_id = report.gaps.groups[0].gaps[0].criterion_id
    assert gap_id in text
    # The PDF follows the page: planned toward stage 5 with branch C.
    assert "Master branch C" in text and "Master branch A" not in text


def test_docx_opens_with_python_docx(alice_client, filled) -> None:
    response = _get(alice_client, filled, "report.docx")
    assert response["Content-Type"].endswith("wordprocessingml.document")
    assert response["Content-Disposition"].endswith('-gap-report-draft.docx"')
    document = docx.Document(io.BytesIO(response.body))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "St Elsewhere Hospital" in text
    assert "Procurement checklist" in text and "Roadmap" in text


def test_report_xlsx_opens_with_openpyxl(alice_client, filled) -> None:
    response = _get(alice_client, filled, "report.xlsx", "?target=6")
    assert response["Content-Type"].endswith("spreadsheetml.sheet")
    workbook = openpyxl.load_workbook(io.BytesIO(response.body))
    assert {"Summary", "Focus areas", "Gaps", "Roadmap", "Checklist", "Answers"} <= set(
        workbook.sheetnames
    )
    summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(values_only=True)}
    assert summary["Organisation"] == "St Elsewhere Hospital"
    assert str(summary["Roadmap target"]).startswith("Stage 6: ")
    answers = list(workbook["Answers"].iter_rows(values_only=True))
    assert len(answers) == 102  # header + every criterion of the model


def test_checklist_csv_lists_only_open_criteria(alice_client, filled) -> None:
    response = _get(alice_client, filled, "checklist.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].endswith('-procurement-checklist-draft.csv"')
    rows = list(csv.reader(io.StringIO(response.body.decode("utf-8-sig"))))
    assert tuple(rows[0]) == HEADER
    assert len(rows) > 1
    statuses = assessment_result(filled).criteria
    column = HEADER.index("Closes criterion")
    for row in rows[1:]:
        assert statuses[row[column]] in OPEN, row


def test_checklist_xlsx_opens_and_matches_the_csv(alice_client, filled) -> None:
    query = "?target=7"
    book = openpyxl.load_workbook(
        io.BytesIO(_get(alice_client, filled, "checklist.xlsx", query).body)
    )
    sheet_ids = [r[2] for r in book["Checklist"].iter_rows(min_row=2, values_only=True)]
    csv_rows = list(
        csv.reader(
            io.StringIO(_get(alice_client, filled, "checklist.csv", query).body.decode("utf-8-sig"))
        )
    )
    assert sheet_ids == [r[2] for r in csv_rows[1:]]
    assert len(sheet_ids) == len(
        report_for_assessment(assessment=filled, target_stage=7).roadmap.steps
    )


def test_a_submitted_assessment_is_dated_and_named_without_draft(
    alice_client, alice, filled
) -> None:
    assessment_submit(assessment=filled, user=alice)
    filled.refresh_from_db()
    response = _get(alice_client, filled, "report.xlsx")
    assert "-draft" not in response["Content-Disposition"]
    assert filled.submitted_at.date().isoformat() in response["Content-Disposition"]
    summary = {
        row[0]: row[1]
        for row in openpyxl.load_workbook(io.BytesIO(response.body))["Summary"].iter_rows(
            values_only=True
        )
    }
    assert summary["Status"] == "Submitted, not yet validated"
    page = alice_client.get(f"/a/{filled.pk}/report/").content.decode()
    assert "<strong>Provisional.</strong>" not in page


def test_an_organisation_name_without_latin_letters_still_gives_a_filename(
    alice_client, filled
) -> None:
    filled.organisation.name = "Σ 医院"
    filled.organisation.save()
    response = _get(alice_client, filled, "checklist.csv")
    assert 'filename="organisation-' in response["Content-Disposition"]


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_downloads_are_read_only(alice_client, filled, method) -> None:
    response = getattr(alice_client, method)(f"/a/{filled.pk}/report.xlsx")
    assert response.status_code == 405
