"""Converting files with LibreOffice headless, shared by the tests that open office files."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

SOFFICE = shutil.which("soffice")


def soffice_convert(sources: list[Path], fmt: str, out: Path, work: Path) -> None:
    """Convert `sources` to `fmt` ("pdf", "xlsx") into the folder `out`, with a LibreOffice
    profile of its own under `work` so parallel runs do not clash; fails on any error."""
    assert SOFFICE is not None
    done = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={(work / 'lo-profile').as_uri()}",
            "--headless",
            "--convert-to",
            fmt,
            "--outdir",
            str(out),
            *map(str, sources),
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Error" not in done.stderr, done.stderr
