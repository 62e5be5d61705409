"""The offline workbook opens in LibreOffice: a headless round trip through Calc keeps the
sheets, the answer cells' drop-downs and ranges, the protection, and every answer."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from diam.exchange.workbook import build_workbook, read_workbook
from tests.core.test_exchange import MODEL, example_sheet
from tests.libreoffice import SOFFICE, soffice_convert


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_and_saves_the_workbook_intact(tmp_path: Path) -> None:
    sheet = example_sheet()
    original = build_workbook(MODEL, generated_at=datetime.now(UTC), sheet=sheet)
    source = tmp_path / "in" / "workbook.xlsx"
    source.parent.mkdir()
    source.write_bytes(original)
    out = tmp_path / "out"
    soffice_convert([source], "xlsx", out, tmp_path)
    saved = (out / "workbook.xlsx").read_bytes()
    before = load_workbook(io.BytesIO(original))
    after = load_workbook(io.BytesIO(saved))
    assert after.sheetnames == before.sheetnames
    for name in before.sheetnames[2:-1]:
        assert after[name].protection.sheet
        assert len(after[name].data_validations.dataValidation) == len(
            before[name].data_validations.dataValidation
        )
    # What LibreOffice saved reads back as the same answers.
    read = read_workbook(saved, resolve=lambda i, v: MODEL)
    assert dict(read.sheet.values) == dict(sheet.values)
    assert dict(read.sheet.comments) == dict(sheet.comments)
