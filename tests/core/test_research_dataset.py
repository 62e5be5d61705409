"""The research dataset: no identifying or free text, geography only where k organisations
share it (hypothesis over random populations), a dictionary entry for every column."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from diam.exchange.research import SUPPRESSED, ResearchRecord, research_dataset, research_zip
from diam.paths import shipped_model

MODEL = shipped_model("radiology")

records = st.builds(
    ResearchRecord,
    region=st.sampled_from(["Western Europe", "Northern Europe", "Eastern Asia"]),
    country=st.sampled_from(["NL", "BE", "DE", "SE", "JP", "LU"]),
    org_type=st.sampled_from(["hospital", "imaging_centre"]),
    size_band=st.sampled_from(["small", "medium", "large"]),
    year=st.integers(2024, 2026),
    validated=st.booleans(),
    stage=st.integers(0, 7),
    core_stage=st.integers(0, 4),
    branches=st.sampled_from(["", "A", "AB"]),
    focus_area_percents=st.just({"SI": 50.0}),
    statuses=st.just({"SI-01": "met"}),
)


@settings(max_examples=60, deadline=None)
@given(population=st.lists(records, max_size=40), k=st.integers(2, 6))
def test_no_country_or_region_is_shown_for_fewer_than_k_organisations(
    population: list[ResearchRecord], k: int
) -> None:
    dataset = research_dataset(MODEL, population, k=k)
    region_col, country_col = dataset.header.index("region"), dataset.header.index("country")
    shown_countries = Counter(r[country_col] for r in dataset.rows if r[country_col] != SUPPRESSED)
    shown_regions = Counter(r[region_col] for r in dataset.rows if r[region_col] != SUPPRESSED)
    assert all(n >= k for n in shown_countries.values())
    assert all(n >= k for n in shown_regions.values())
    truth = Counter(r.country for r in population)
    for country, n in truth.items():
        assert (country in shown_countries) == (n >= k)
    assert len(dataset.rows) == len(population)
    # The order says nothing about the input's order.
    assert research_dataset(MODEL, list(reversed(population)), k=k).rows == dataset.rows


def test_the_zip_has_the_dataset_a_dictionary_of_every_column_and_no_free_text() -> None:
    population = [
        ResearchRecord(
            "Western Europe",
            "NL",
            "hospital",
            "large",
            2026,
            True,
            3,
            3,
            "",
            {"SI": 80.0},
            {"SI-01": "met", "SI-02": "not_met"},
        )  # fmt: skip
    ] * 5
    data = research_zip(
        MODEL, population, k=5, generated_at=datetime.now(UTC), population="real organisations"
    )
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert sorted(archive.namelist()) == ["README.txt", "data_dictionary.csv", "dataset.csv"]
    rows = list(csv.reader(io.StringIO(archive.read("dataset.csv").decode("utf-8-sig"))))
    dictionary = list(
        csv.reader(io.StringIO(archive.read("data_dictionary.csv").decode("utf-8-sig")))
    )
    header = rows[0]
    assert [d[0] for d in dictionary[1:]] == header
    assert not {"name", "organisation", "title", "comment", "justification"} & set(header)
    assert len(header) == 10 + len(MODEL.manifest.focus_areas) + len(MODEL.criteria)
    first = dict(zip(header, rows[1], strict=True))
    assert first["country"] == "NL" and first["SI-01"] == "met" and first["SI-03"] == "unanswered"
    assert "not official DIAM" in archive.read("README.txt").decode()
