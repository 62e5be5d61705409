"""Procurement checklist: grouping by system, XLSX and CSV exports."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook  # type: ignore[import-untyped]

from diam.reports import build_checklist, build_roadmap, checklist_to_csv, checklist_to_xlsx
from diam.reports.procurement import HEADER
from diam.scoring import score

from .conftest import spec_model


def model_and_checklist():  # type: ignore[no-untyped-def]
    model = spec_model(
        {
            "S1": [(1, 3, "governance"), (1, 1, "pacs"), (2, 2, "ris")],
            "S2": [(1, 1, "pacs")],
        },
        asks={"AA-01": '=HYPERLINK("https://evil.example")', "AA-03": 'RIS, "quoted"\nnext'},
    )
    roadmap = build_roadmap(model, score(model, {}), target_stage=2)
    return model, roadmap, build_checklist(model, roadmap)


def test_items_follow_the_manifest_system_order_and_close_each_step() -> None:
    _, roadmap, checklist = model_and_checklist()
    assert [g.system_id for g in checklist.groups] == ["pacs", "ris", "governance"]
    assert [g.name for g in checklist.groups] == ["System pacs", "System ris", "System governance"]
    assert sorted(i.criterion_id for i in checklist.items) == sorted(
        s.criterion_id for s in roadmap.steps
    )
    pacs = checklist.groups[0]
    assert [(i.criterion_id, i.phase) for i in pacs.items] == [("AA-02", 1), ("AA-04", 2)]
    assert pacs.items[0].phase_title == "Reach core stage 1: Stage 1 name"
    assert pacs.items[0].reference_tags == "R1, R2"


def test_xlsx_has_a_formatted_checklist_and_an_about_sheet() -> None:
    _, _, checklist = model_and_checklist()
    book = load_workbook(io.BytesIO(checklist_to_xlsx(checklist)))
    assert book.sheetnames == ["Checklist", "About"]
    sheet = book["Checklist"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == HEADER
    assert len(rows) == 1 + len(checklist.items)
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:H{1 + len(checklist.items)}"
    assert sheet.column_dimensions["B"].width >= 60
    # Requirement text that looks like a formula stays text.
    evil = next(r for r in rows[1:] if r[2] == "AA-01")
    assert evil[1] == '=HYPERLINK("https://evil.example")'
    cell = next(c for c in sheet["B"] if c.value == evil[1])
    assert cell.data_type == "s"
    about = {r[0]: r[1] for r in book["About"].iter_rows(min_row=2, values_only=True)}
    assert about["Model"] == "spec" and about["Model version"] == "1.2.3"
    assert "not an official DIAM rating" in about["Statement"]


def test_csv_is_utf8_with_bom_a_header_and_one_row_per_item() -> None:
    _, _, checklist = model_and_checklist()
    data = checklist_to_csv(checklist)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == list(HEADER)
    assert len(rows) == 1 + len(checklist.items)
    by_id = {r[2]: r for r in rows[1:]}
    assert by_id["AA-03"][1] == 'RIS, "quoted" next'  # whitespace folded, quoting round-trips
    assert by_id["AA-01"][1].startswith("'=")  # neutralised for spreadsheets
    assert by_id["AA-02"][6] == "https://example.org/r1 https://example.org/r2"
