"""LibreOffice opens the DOCX and XLSX reports: one headless conversion of both (slow, ~10 s)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from diam.reports import Report, render_docx, render_xlsx

SOFFICE = shutil.which("soffice")


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_converts_docx_and_xlsx(example_report: Report, tmp_path: Path) -> None:
    docx = tmp_path / "document.docx"
    xlsx = tmp_path / "workbook.xlsx"
    docx.write_bytes(render_docx(example_report))
    xlsx.write_bytes(render_xlsx(example_report))
    out = tmp_path / "pdf"
    profile = (tmp_path / "lo-profile").as_uri()  # own profile: parallel runs do not clash
    assert SOFFICE is not None
    done = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(docx),
            str(xlsx),
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Error" not in done.stderr, done.stderr
    docx_pdf = PdfReader(out / "document.pdf")
    text = "\n".join(page.extract_text() or "" for page in docx_pdf.pages)
    assert "Executive summary" in text and "Procurement checklist" in text
    for gap in example_report.gaps.gaps[:5]:
        assert gap.criterion_id in text
    sheets = "\n".join(page.extract_text() or "" for page in PdfReader(out / "workbook.pdf").pages)
    assert example_report.checklist.items[0].criterion_id in sheets
    assert "not an official DIAM rating" in sheets
