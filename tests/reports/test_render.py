"""The report and its renderers, on the shipped model's stage-3 example."""

from __future__ import annotations

import io
import re
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook  # type: ignore[import-untyped]
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

from diam.model import Model
from diam.reports import (
    Report,
    build_report,
    render_docx,
    render_html,
    render_pdf,
    render_xlsx,
)
from diam.reports.document import PEER_PLACEHOLDER, READING_GUIDE, SECTIONS
from diam.scoring import AnswerSheet
from diam.scoring.result import Status

TITLES = [title for _, title in SECTIONS]
ORG = "Klinikum <Beispiel> & Söhne"


def next_target_unmet(report: Report) -> list[str]:
    result = report.result
    return [c for c in result.blockers if result.status(c) is Status.NOT_MET]


@pytest.fixture(scope="module")
def html(example_report: Report) -> str:
    return render_html(example_report)


@pytest.fixture(scope="module")
def pdf_bytes(example_report: Report) -> bytes:
    data = render_pdf(example_report)
    assert data.startswith(b"%PDF")
    return data


@pytest.fixture(scope="module")
def pdf_pages(pdf_bytes: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf_bytes)).pages]


# --- the report object -------------------------------------------------------------------


def test_summary_names_extremes_and_the_best_next_steps(example_report: Report) -> None:
    s = example_report.summary
    percents = [f.percent for f in example_report.focus_areas if f.percent is not None]
    assert s.strongest and all(a.percent == max(percents) for a in s.strongest)
    assert s.weakest and all(a.percent == min(percents) for a in s.weakest)
    first_phase = example_report.roadmap.phases[0].steps
    assert s.next_steps == first_phase[:3]
    assert s.stage == example_report.result.stage == 3
    assert s.completeness == example_report.result.completeness
    assert s.unanswered == len(example_report.result.criteria_with(Status.UNANSWERED))


def test_appendix_lists_every_criterion_with_comments(
    example_report: Report, example_sheet: AnswerSheet, radiology_model: Model
) -> None:
    rows = {a.criterion_id: a for a in example_report.answers}
    assert set(rows) == {c.id for c in radiology_model.criteria}
    for cid, comment in example_sheet.comments.items():
        assert rows[cid].comment == comment
    unanswered = example_report.result.criteria_with(Status.UNANSWERED)
    assert unanswered and all(rows[c.id].answer == "—" for c in unanswered)


def test_unknown_status_is_refused(radiology_model: Model) -> None:
    with pytest.raises(ValueError, match="unknown assessment status 'official'"):
        build_report(
            model=radiology_model,
            values={},
            organisation="x",
            assessment_date=date(2025, 1, 1),
            status="official",
        )


# --- HTML --------------------------------------------------------------------------------


def test_html_is_standalone_with_toc_anchors_and_inline_charts(html: str) -> None:
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert "<link" not in html and "<script" not in html and 'src="http' not in html
    for anchor, title in SECTIONS:
        assert f'<a href="#{anchor}">' in html
        assert f'<h2 id="{anchor}">{title}</h2>' in html
    svgs = re.findall(r"<svg .*?</svg>", html, flags=re.S)
    assert len(svgs) == 2
    for svg in svgs:
        assert ET.fromstring(svg).get("role") == "img"  # noqa: S314 - our own output


def test_html_holds_the_statement_the_gaps_and_escapes_input(
    html: str, example_report: Report
) -> None:
    assert "not an official DIAM rating" in html
    assert "Klinikum &lt;Beispiel&gt; &amp; Söhne" in html and ORG not in html
    for cid in next_target_unmet(example_report):
        assert f'<span class="cid">{cid}</span>' in html
    for link in (r for g in example_report.gaps.gaps for r in g.references):
        assert f'href="{link.url}"' in html.replace("&amp;", "&")
    assert PEER_PLACEHOLDER in html


def test_peer_medians_replace_the_placeholder(
    radiology_model: Model, example_sheet: AnswerSheet
) -> None:
    report = build_report(
        model=radiology_model,
        values=example_sheet.values,
        organisation="Peer test",
        assessment_date=date(2025, 1, 1),
        peer_medians={"SI": 55.5, "PE": 12.0},
    )
    page = render_html(report)
    assert PEER_PLACEHOLDER not in page
    assert '<th scope="col" class="num">Peer median</th>' in page and "55.5%" in page
    assert 'stroke-dasharray="6 4"' in page  # the dashed peer polygon


def test_answered_by_appears_in_the_appendix(radiology_model: Model) -> None:
    when = datetime(2025, 2, 3, 14, 5, tzinfo=UTC)
    report = build_report(
        model=radiology_model,
        values={"SI-01": 99.0},
        comments={"SI-01": "From the archive report"},
        answered_by={"SI-01": ("Dr. Ada Example", when)},
        organisation="x",
        assessment_date=date(2025, 1, 1),
    )
    page = render_html(report)
    assert "Answered by" in page and "Dr. Ada Example" in page and "2025-02-03 14:05" in page
    assert "From the archive report" in page


# --- PDF ---------------------------------------------------------------------------------


def test_pdf_has_every_section_and_the_gaps_of_the_next_target(
    pdf_pages: list[str], example_report: Report
) -> None:
    text = "\n".join(pdf_pages)
    for title in ["Contents", *TITLES]:
        assert title in text
    for cid in next_target_unmet(example_report):
        assert cid in text
    assert "not an official DIAM rating" in text
    assert ORG in pdf_pages[0]


def test_pdf_pages_have_header_footer_and_a_true_table_of_contents(
    pdf_pages: list[str],
) -> None:
    total = len(pdf_pages)
    assert "Page 1 of" not in pdf_pages[0]  # the cover has no running header or footer
    for number, text in enumerate(pdf_pages[1:], start=2):
        assert f"Page {number} of {total}" in text
        assert ORG in text and "diam report" in text
    toc = pdf_pages[1]
    for title in TITLES:
        match = re.search(re.escape(title) + r"[ .]*?(\d+)\s*$", toc, flags=re.M)
        assert match, f"no page number for {title!r} in the contents"
        page = int(match.group(1))
        lines = [ln.strip() for ln in pdf_pages[page - 1].splitlines() if ln.strip()]
        assert title in lines[:4], f"{title!r} is not at the top of page {page}"


def _structure(node: Any, kinds: Counter[str], alts: list[str]) -> None:
    node = node.get_object()
    if isinstance(node, ArrayObject):
        for child in node:
            _structure(child, kinds, alts)
    elif isinstance(node, DictionaryObject):
        kind = node.get("/S")
        if kind is not None:
            kinds[str(kind)] += 1
            if kind == "/Figure":
                alts.append(str(node.get("/Alt", "")))
        if "/K" in node:
            _structure(node["/K"], kinds, alts)


def test_pdf_is_tagged_with_language_title_and_structure(
    pdf_bytes: bytes, example_report: Report, tmp_path: Path
) -> None:
    reader = PdfReader(io.BytesIO(pdf_bytes))
    catalog = reader.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"] == True  # noqa: E712 - a PDF boolean object
    assert catalog["/Lang"] == "en"
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712
    assert reader.metadata is not None and reader.metadata.title == example_report.title
    kinds: Counter[str] = Counter()
    alts: list[str] = []
    _structure(catalog["/StructTreeRoot"], kinds, alts)
    assert kinds["/H1"] == 1 and kinds["/H2"] >= len(TITLES)
    assert kinds["/Table"] >= 5 and kinds["/TH"] > 0 and kinds["/TD"] > 100
    assert kinds["/L"] > 0 and kinds["/Link"] > 0
    # Both charts are figures whose alternative text says what they show.
    assert len(alts) == 2 and all(alts), alts
    assert any("Stage ladder" in alt for alt in alts)
    # What a checker reads: poppler (poppler-utils, installed by make install) says so too.
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf_bytes)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert re.search(r"^Tagged:\s+yes$", info.stdout, flags=re.M), info.stdout
    assert re.search(r"^Title:\s+" + re.escape(example_report.title) + "$", info.stdout, re.M)


# --- DOCX and XLSX -----------------------------------------------------------------------


def test_docx_has_the_sections_and_the_gaps(example_report: Report) -> None:
    doc = Document(io.BytesIO(render_docx(example_report)))
    headings = [
        p.text for p in doc.paragraphs if p.style is not None and p.style.name == "Heading 1"
    ]
    assert headings == TITLES
    body = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    for gap in example_report.gaps.gaps:
        assert gap.criterion_id in body
    for item in example_report.checklist.items:
        assert item.criterion_id in cells
    assert ORG in body and "not an official DIAM rating" in body
    header = doc.sections[0].header.paragraphs[0].text
    assert ORG in header
    footer_xml = doc.sections[0].footer.paragraphs[0]._p.xml
    assert "NUMPAGES" in footer_xml


def test_xlsx_has_one_sheet_per_table_and_one_row_per_item(example_report: Report) -> None:
    book = load_workbook(io.BytesIO(render_xlsx(example_report)))
    assert book.sheetnames == [
        "Summary",
        "Focus areas",
        "Benchmark",
        "Gaps",
        "Roadmap",
        "Checklist",
        "Answers",
    ]

    def rows(name: str) -> list[tuple[object, ...]]:
        return list(book[name].iter_rows(min_row=2, values_only=True))

    assert [r[2] for r in rows("Checklist")] == [
        i.criterion_id for i in example_report.checklist.items
    ]
    assert len(rows("Answers")) == len(example_report.answers)
    gap_ids = [
        g.criterion_id for grp in example_report.gaps.groups for g in grp.gaps + grp.unanswered
    ]
    assert [r[1] for r in rows("Gaps")] == gap_ids
    assert [r[2] for r in rows("Roadmap")] == [s.criterion_id for s in example_report.roadmap.steps]
    summary = {r[0]: r[1] for r in rows("Summary")}
    assert summary["Organisation"] == ORG
    assert "not an official DIAM rating" in str(summary["Statement"])


def test_an_empty_assessment_names_no_strongest_or_weakest_area(radiology_model: Model) -> None:
    report = build_report(
        model=radiology_model,
        values={},
        organisation="Empty",
        assessment_date=date(2025, 1, 1),
        status="draft",
    )
    s = report.summary
    assert s.stage == 0 and s.strongest == () and s.weakest == () and s.level_percent == 0.0
    assert s.completeness == 0.0 and s.unanswered == len(radiology_model.criteria)
    page = render_html(report)
    assert "Every focus area stands at 0% met" in page and "Strongest focus areas" not in page
    assert "Draft: answers may still change" in page
    assert all(st.gap.status is Status.UNANSWERED for st in report.roadmap.steps)


def test_a_reader_new_to_the_model_gets_its_terms_and_the_disclaimer_in_html_and_docx(
    example_report: Report,
) -> None:
    html = render_html(example_report)
    docx_text = "\n".join(
        p.text for p in Document(io.BytesIO(render_docx(example_report))).paragraphs
    )
    for text in (html, docx_text):
        assert "How to read this report" in text
        for term, _ in READING_GUIDE:
            assert term in text
        assert "inspired by the public description of the HIMSS/ESR Digital Imaging" in text
        assert "not an official DIAM rating or stage" in text
    # Figures carry their counts and units: branches "0 of 3", effort in points.
    assert f"of {len(example_report.branches)}</span>" in html
    assert "points in total (each step counts 1 for low" in html
