"""The gap report gains the release's peer medians and a Benchmark section, with the n of every
figure and the release's date, in every format."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document
from openpyxl import load_workbook  # type: ignore[import-untyped]
from pypdf import PdfReader

from diam.reports.benchmark import BENCHMARK_PLACEHOLDER
from diam.reports.document import PEER_PLACEHOLDER
from diam.web.assessments.services import assessment_submit
from diam.web.benchmarks.selectors import peer_figures_for, peer_medians_for, peer_section_for
from tests.web.benchmarks.conftest import CODES, cut, peer, percents, verify
from tests.web.reports.conftest import bulk_fill, download


@pytest.fixture
def filled(assessment, alice):
    verify(assessment.organisation)
    bulk_fill(assessment, alice)
    return assessment


@pytest.fixture
def dutch_peers(db):
    """Twelve Dutch hospitals: the country group is shown; PM has a value for only four."""
    for i in range(12):
        peer(
            f"Dutch {i}",
            country="NL",
            stage=3 + i % 3,
            focus=percents(3 + i % 3, offset=i, missing=("PM",) if i >= 4 else ()),
        )


def test_without_peers_the_report_says_benchmarks_are_not_available(filled, alice_client):
    assert peer_medians_for(filled) is None and peer_section_for(filled) is None
    text = alice_client.get(f"/a/{filled.pk}/report/").content.decode()
    assert BENCHMARK_PLACEHOLDER.replace("'", "&#x27;") in text
    assert PEER_PLACEHOLDER in text


def test_peer_medians_come_from_the_release_with_their_n(filled, dutch_peers) -> None:
    cut()
    medians = peer_medians_for(filled)
    assert set(medians) == set(CODES)
    assert medians["PM"] is None  # four values: fewer than k
    section = peer_section_for(filled)
    assert section.group_label == "Country: Netherlands" and section.n == 12
    assert section.release.startswith("Benchmark release 1 of ")
    for area in section.areas:
        assert (area.median is None) == (area.n is None)
        if area.n is not None:
            assert area.n >= 10  # medians need 2k
    assert any(note.startswith("PM: fewer than 5 organisations") for note in section.notes)


def test_the_report_shows_n_beside_every_peer_figure_in_every_format(
    filled, alice, alice_client, dutch_peers
) -> None:
    assessment_submit(assessment=filled, user=alice)
    cut()
    section = peer_section_for(filled)
    assert section.own_stage == 3 and section.own_band is not None and section.own_band_n
    text = alice_client.get(f"/a/{filled.pk}/report/").content.decode()
    assert '<h2 id="benchmark">Benchmark</h2>' in text and "Benchmark release 1 of" in text
    assert BENCHMARK_PLACEHOLDER not in text and PEER_PLACEHOLDER not in text
    focus = text[text.index('id="focus-areas"') : text.index('id="benchmark"')]
    medians = re.findall(r"(\d+(?:\.\d+)?)% \(n = (\d+)\)", focus)
    assert len(medians) == len(CODES) - 1  # PM is hidden
    assert all(int(n) >= 10 for _, n in medians)
    assert "(n = " in focus[focus.index("<svg") : focus.index("</svg>")]  # the radar's axes
    assert "position among peers (n = 13)" in text

    # The release cut after the submission made its stored files stale: rendered again.
    pdf = download(alice_client, f"/a/{filled.pk}/report.pdf")
    pages = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf.body)).pages)
    assert "Benchmark release 1 of" in pages and "(n = 13)" in pages

    docx = Document(io.BytesIO(download(alice_client, f"/a/{filled.pk}/report.docx").body))
    cells = [c.text for t in docx.tables for row in t.rows for c in row.cells]
    assert "Country: Netherlands (13 organisations)" in cells
    assert any(re.fullmatch(r"\d+(\.\d+)?% \(n = \d+\)", c) for c in cells)
    assert any(c.startswith("Benchmark release 1 of") for c in cells)

    book = load_workbook(io.BytesIO(download(alice_client, f"/a/{filled.pk}/report.xlsx").body))
    sheet = [row for row in book["Benchmark"].iter_rows(values_only=True)]
    own = next(r for r in sheet if r[0] == "This organisation")
    assert own[2] == 3 and own[4] == 13  # the organisation's row has its n too
    assert any(r[0] == "PM" and r[3] is None for r in sheet)  # hidden: fewer than k
    focus_sheet = [row for row in book["Focus areas"].iter_rows(values_only=True)]
    header = focus_sheet[0]
    assert header[-2:] == ("Peer median", "Peer n")
    for row in focus_sheet[1:]:
        assert (row[-2] is None) == (row[-1] is None)


def test_peer_figures_for_the_api_and_the_research_dataset(filled, alice, dutch_peers) -> None:
    assessment_submit(assessment=filled, user=alice)
    release = cut()
    figures = peer_figures_for(organisation=filled.organisation)
    assert figures.release == release.key and figures.k == 5 and not figures.unavailable
    country = next(g for g in figures.groups if g.key == "country=NL")
    assert country.shown and country.organisations.value == 13 and country.organisations.n == 13
    assert country.areas["PM"]["median"].value is None and country.areas["PM"]["median"].hidden
    for group in figures.groups:
        for figure in (group.organisations, group.mean_stage, group.median_stage):
            assert (figure.value is None) == (figure.n is None)
            assert figure.n is None or figure.n >= 5
