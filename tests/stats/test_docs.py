"""docs/benchmarks.md stays in step with the code it documents."""

from __future__ import annotations

from pathlib import Path

from diam.stats import BEDS_BOUNDS, EXAMS_BOUNDS, SIZE_BANDS, SIZE_UNKNOWN, Reason

DOC = (Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md").read_text()


def test_every_suppression_reason_is_documented() -> None:
    for reason in Reason:
        assert f"`{reason.value}`" in DOC, reason


def test_the_size_band_table_matches_the_constants() -> None:
    for band in (*SIZE_BANDS, SIZE_UNKNOWN):
        assert f"| `{band}` |" in DOC
    for bound in (*BEDS_BOUNDS, *EXAMS_BOUNDS):
        assert f"{bound:,}" in DOC, bound
