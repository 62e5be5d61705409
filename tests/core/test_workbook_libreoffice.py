"""The offline workbook opens in LibreOffice: a headless round trip through Calc keeps the
sheets, the answer cells' drop-downs and ranges, the protection, and every answer."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from diam.exchange.workbook import build_workbook, read_workbook
from tests.core.test_exchange import MODEL, example_sheet

SOFFICE = shutil.which("soffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_and_saves_the_workbook_intact(tmp_path: Path) -> None:
    sheet = example_sheet()
    original = build_workbook(MODEL, generated_at=datetime.now(UTC), sheet=sheet)
    source = tmp_path / "in" / "workbook.xlsx"
    source.parent.mkdir()
    source.write_bytes(original)
    out = tmp_path / "out"
    profile = (tmp_path / "lo-profile").as_uri()  # own profile: parallel runs do not clash
    assert SOFFICE is not None
    done = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(source),
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Error" not in done.stderr, done.stderr
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
