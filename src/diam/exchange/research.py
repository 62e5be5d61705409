"""The research dataset: one anonymised row per organisation's counted assessment, and a data
dictionary generated from the model.

What makes it anonymous (docs/data-exchange.md):
- no names, no ids of organisations or assessments, no free text (comments, justifications and
  titles never leave), only the year of the assessment;
- sizes only as the benchmark size bands, the type as its category;
- a country or region only where at least k organisations of the dataset share it (the
  benchmarks' k); otherwise the cell says `suppressed`;
- rows in an order that depends only on their content, not on when organisations joined.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from diam.exchange.text import where_text
from diam.model.schema import ChoiceAnswer, Model

SUPPRESSED = "suppressed"
STATUSES = ("met", "not_met", "unanswered", "not_applicable")


@dataclass(frozen=True)
class ResearchRecord:
    """What the dataset may say about one counted assessment."""

    region: str
    country: str
    org_type: str
    size_band: str
    year: int
    validated: bool
    stage: int
    core_stage: int
    branches: str
    focus_area_percents: Mapping[str, float | None]
    statuses: Mapping[str, str]


@dataclass(frozen=True)
class Dataset:
    header: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    suppressed_countries: int  # rows whose country is suppressed
    suppressed_regions: int


def _columns(model: Model) -> tuple[str, ...]:
    return (
        "row",
        "region",
        "country",
        "organisation_type",
        "size_band",
        "assessment_year",
        "validated",
        "stage",
        "core_stage",
        "mastered_branches",
        *(f"{fa.code}_percent_met" for fa in model.manifest.focus_areas),
        *(c.id for c in model.criteria),
    )


def research_dataset(model: Model, records: Sequence[ResearchRecord], *, k: int) -> Dataset:
    """The dataset's rows; geography below k organisations is suppressed."""
    countries = Counter(r.country for r in records)
    regions = Counter(r.region for r in records)
    body = []
    hidden_countries = hidden_regions = 0
    for r in records:
        country = r.country if countries[r.country] >= k else SUPPRESSED
        region = r.region if regions[r.region] >= k else SUPPRESSED
        hidden_countries += country == SUPPRESSED
        hidden_regions += region == SUPPRESSED
        body.append(
            (
                region,
                country,
                r.org_type,
                r.size_band,
                r.year,
                "yes" if r.validated else "no",
                r.stage,
                r.core_stage,
                r.branches,
                *(
                    ""
                    if r.focus_area_percents.get(fa.code) is None
                    else r.focus_area_percents[fa.code]
                    for fa in model.manifest.focus_areas
                ),  # fmt: skip
                *(r.statuses.get(c.id, "unanswered") for c in model.criteria),
            )
        )
    body.sort(key=lambda row: tuple(str(v) for v in row))
    rows = tuple((number, *row) for number, row in enumerate(body, start=1))
    return Dataset(_columns(model), rows, hidden_countries, hidden_regions)


def data_dictionary(model: Model, *, k: int) -> list[tuple[str, str, str, str]]:
    """(column, type, values, meaning) for every column of the dataset, from the model."""
    m = model.manifest
    out = [
        ("row", "integer", "1…n", "Row number after sorting by content; not an identifier."),
        (
            "region",
            "text",
            f"benchmark region, or {SUPPRESSED}",
            f"Shown when at least {k} organisations of the dataset are in it.",
        ),
        (
            "country",
            "text",
            f"ISO 3166-1 alpha-2, or {SUPPRESSED}",
            f"Shown when at least {k} organisations of the dataset are in it.",
        ),
        (
            "organisation_type",
            "text",
            "hospital, imaging_centre, network, other",
            "Kind of organisation.",
        ),
        (
            "size_band",
            "text",
            "benchmark size bands",
            "Size from beds (else annual exams), as a band.",
        ),
        ("assessment_year", "integer", "year", "Year the assessment was submitted."),
        ("validated", "text", "yes, no", "Whether an expert validated the assessment."),
        (
            "stage",
            "integer",
            f"0-{model.max_stage}",
            "Stage computed from the answers (an open model inspired by DIAM; "
            "not an official DIAM stage).",
        ),
        ("core_stage", "integer", "0-4", "Highest core stage reached."),
        (
            "mastered_branches",
            "text",
            "letters " + "".join(b.id for b in m.branches),
            "Branches mastered (count only from core stage 4).",
        ),
    ]
    for fa in m.focus_areas:
        out.append(
            (
                f"{fa.code}_percent_met",
                "number",
                "0-100 or empty",
                f"Percent of applicable criteria met in {fa.name}.",
            )
        )
    for c in model.criteria:
        values = ", ".join(STATUSES)
        rule = ""
        if isinstance(c.answer, ChoiceAnswer):
            rule = " Met by: " + "; ".join(o.label for o in c.answer.options if o.meets) + "."
        out.append(
            (
                c.id,
                "text",
                values,
                f"{where_text(model, c)}, {model.focus_area(c.focus_area).name}: "
                f"{' '.join(c.statement.split())}{rule}",
            )
        )
    return out


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def research_zip(
    model: Model,
    records: Sequence[ResearchRecord],
    *,
    k: int,
    generated_at: datetime,
    population: str,
) -> bytes:
    """dataset.csv, data_dictionary.csv and README.txt in one zip."""
    dataset = research_dataset(model, records, k=k)
    readme = "\n".join(
        [
            f"diam research dataset: model {model.id} {model.version}",
            f"Generated {generated_at:%Y-%m-%d %H:%M} UTC. Population: {population}.",
            f"{len(dataset.rows)} organisations (their latest submitted or validated assessment).",
            f"Country suppressed in {dataset.suppressed_countries} rows and region in "
            f"{dataset.suppressed_regions} rows (fewer than {k} organisations).",
            "No names, identifiers, titles, comments or justifications are included.",
            "An open model inspired by the public description of DIAM; stages are not official "
            "DIAM stages or certifications.",
            "",
        ]
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("dataset.csv", _csv(dataset.header, dataset.rows))
        archive.writestr(
            "data_dictionary.csv",
            _csv(("column", "type", "values", "meaning"), data_dictionary(model, k=k)),
        )
        archive.writestr("README.txt", readme)
    return buffer.getvalue()
