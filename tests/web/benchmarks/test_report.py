"""The gap report gains the peer medians and a Benchmark section once a population exists."""

from __future__ import annotations

import io

import pytest
from docx import Document
from openpyxl import load_workbook  # type: ignore[import-untyped]
from pypdf import PdfReader

from diam.reports.benchmark import BENCHMARK_PLACEHOLDER
from diam.reports.document import PEER_PLACEHOLDER
from diam.web.assessments.services import assessment_submit
from diam.web.benchmarks.selectors import peer_medians_for, peer_section_for
from tests.web.benchmarks.conftest import CODES, peer, percents
from tests.web.reports.conftest import bulk_fill, download


@pytest.fixture
def filled(assessment, alice):
    bulk_fill(assessment, alice)
    return assessment


@pytest.fixture
def dutch_peers(db):
    """Eight Dutch hospitals: the country group is shown; PM has a value for only three."""
    for i in range(8):
        peer(
            f"Dutch {i}",
            country="NL",
            stage=3 + i % 3,
            focus=percents(3 + i % 3, offset=i, missing=("PM",) if i >= 3 else ()),
        )


def test_without_peers_the_report_says_benchmarks_are_not_available(filled, alice_client):
    assert peer_medians_for(filled) is None and peer_section_for(filled) is None
    text = alice_client.get(f"/a/{filled.pk}/report/").content.decode()
    assert BENCHMARK_PLACEHOLDER.replace("'", "&#x27;") in text
    assert PEER_PLACEHOLDER in text


def test_peer_medians_come_from_the_most_specific_shown_group(filled, dutch_peers) -> None:
    medians = peer_medians_for(filled)
    assert set(medians) == set(CODES)
    assert medians["PM"] is None  # three values: fewer than k
    assert all(medians[c] is not None for c in CODES if c != "PM")
    section = peer_section_for(filled)
    assert section.group_label == "Country: Netherlands" and section.n == 8
    assert section.own_stage is None and "Submit an assessment" in section.basis
    assert any(note.startswith("PM: fewer than 5 organisations") for note in section.notes)


def test_the_report_gains_the_benchmark_section_in_every_format(
    filled, alice, alice_client, dutch_peers
) -> None:
    assessment_submit(assessment=filled, user=alice)
    section = peer_section_for(filled)
    assert section.own_stage == 3 and section.own_percentile is not None
    text = alice_client.get(f"/a/{filled.pk}/report/").content.decode()
    assert '<h2 id="benchmark">Benchmark</h2>' in text
    assert BENCHMARK_PLACEHOLDER not in text and PEER_PLACEHOLDER not in text
    assert '<th scope="col" class="num">Peer median</th>' in text
    assert "peer group Country: Netherlands (9 organisations" in text
    assert 'stroke-dasharray="6 4"' in text  # the radar's peer polygon

    # Submission queued the report files; the worker renders them (stored downloads).
    pdf = download(alice_client, f"/a/{filled.pk}/report.pdf")
    pages = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf.body)).pages)
    assert "Benchmark" in pages and "Country: Netherlands" in pages and "Peer median" in pages

    docx = Document(io.BytesIO(download(alice_client, f"/a/{filled.pk}/report.docx").body))
    headings = [p.text for p in docx.paragraphs if p.style.name.startswith("Heading")]
    assert "Benchmark" in headings
    cells = {c.text for t in docx.tables for row in t.rows for c in row.cells}
    assert "Country: Netherlands (9 organisations)" in cells

    book = load_workbook(io.BytesIO(download(alice_client, f"/a/{filled.pk}/report.xlsx").body))
    sheet = book["Benchmark"]
    values = [row for row in sheet.iter_rows(values_only=True)]
    assert any(r[:2] == ("Peer group", "Country: Netherlands") and r[4] == 9 for r in values)
    assert any(r[0] == "PM" and r[3] is None for r in values)  # hidden: fewer than k
