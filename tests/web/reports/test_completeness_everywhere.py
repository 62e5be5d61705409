"""One completeness figure everywhere (docs/scoring.md §5): the survey, the status and results
pages, the dashboard, every report format, the API and the CLI print the same figure for the
same assessment, with N/A answers counted as answered and shown apart."""

from __future__ import annotations

import io

import docx
import openpyxl
import pypdf

from diam.cli import format_result
from diam.scoring.explain import completeness_figure, completeness_text
from diam.web.assessments.models import Answer
from diam.web.assessments.services import assessment_result, model_for
from tests.web.api.conftest import api_client, token_for
from tests.web.reports.conftest import download


def _words(text: str) -> str:
    return " ".join(text.split())


def test_every_page_format_api_and_cli_print_the_same_completeness(
    alice_client, alice, org, filled
) -> None:
    # Answers N/A (with a reason) and some criteria unanswered: the figure has a decimal.
    model = model_for(filled)
    hidden = assessment_result(filled).hidden
    na = [c.id for c in model.criteria if c.na_allowed and c.id not in hidden][:2]
    for cid in na:
        Answer.objects.update_or_create(
            assessment=filled,
            criterion_id=cid,
            defaults={"na": True, "value": None, "justification": "No such service here"},
        )
    counts = assessment_result(filled).completeness_counts
    assert counts.not_applicable == len(na) >= 1 and counts.unanswered > 0
    assert not counts.percent.is_integer()
    answered = sum(1 for cid in assessment_result(filled).values if cid not in hidden)
    assert counts.answered == answered  # N/A answers count as answered
    figure, text = completeness_figure(counts), completeness_text(counts)
    assert "as not applicable" in text

    pk = filled.pk
    first_area = model.manifest.focus_areas[0].code
    pages = {
        "survey": f"/a/{pk}/s/{first_area}/",
        "status": f"/a/{pk}/submit/",
        "results": f"/a/{pk}/results/",
        "dashboard": f"/o/{org.pk}/",
        "report page": f"/a/{pk}/report/",
    }
    for name, url in pages.items():
        response = alice_client.get(url)
        assert response.status_code == 200, name
        page = _words(response.content.decode())
        assert figure in page, name
        if name in ("status", "results", "report page"):
            assert text in page, name
    survey = _words(alice_client.get(pages["survey"]).content.decode())
    assert f"{counts.answered} of {counts.relevant} answered ({figure})" in survey

    pdf = pypdf.PdfReader(io.BytesIO(download(alice_client, f"/a/{pk}/report.pdf").body))
    assert text in _words(" ".join(p.extract_text() for p in pdf.pages))
    document = docx.Document(io.BytesIO(download(alice_client, f"/a/{pk}/report.docx").body))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert text in cells
    workbook = openpyxl.load_workbook(
        io.BytesIO(download(alice_client, f"/a/{pk}/report.xlsx").body)
    )
    summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(values_only=True)}
    assert summary["Completeness in words"] == text
    assert summary["Completeness"] * 100 == counts.percent
    assert summary["Criteria answered N/A"] == counts.not_applicable

    result = api_client(token_for(alice, org)).get(f"/api/assessments/{pk}/result").json()
    assert result["completeness"] == counts.percent
    assert result["completeness_counts"] == counts.to_dict()

    assert f"Completeness {text}." in format_result(assessment_result(filled))
