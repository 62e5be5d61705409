"""`diam report`: every output format, and every bad input exits 2 leaving no file behind."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from diam.cli import main

from .conftest import EXAMPLE


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["report", *map(str, args)])


@pytest.fixture()
def answers(tmp_path: Path) -> Path:
    data = json.loads(EXAMPLE.read_text("utf-8"))
    data["meta"] = {"organisation": "Hôpital Exemple", "assessment_date": "2025-04-01"}
    path = tmp_path / "in" / "hopital.json"
    path.parent.mkdir()
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def assert_refused(result: Result, out_dir: Path, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Error:" in result.output
    for needle in needles:
        assert needle in result.output
    assert "Traceback" not in result.output
    leftovers = list(out_dir.iterdir()) if out_dir.is_dir() else []
    assert leftovers == [], f"files left behind: {leftovers}"


def test_html_uses_the_organisation_and_date_from_meta(answers: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "report.html"
    out.parent.mkdir()
    result = run(answers, "-o", out)
    assert result.exit_code == 0, result.output
    page = out.read_text("utf-8")
    assert "Hôpital Exemple" in page and "1 April 2025" in page
    assert "Wrote" in result.output and "stage 3" in result.output
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]  # no temp file left


def test_organisation_comes_from_meta_else_the_file_stem(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = run(EXAMPLE, "--format", "html", "-o", out, "--target-stage", "5",
                 "--branch-order", "CAB")  # fmt: skip
    assert result.exit_code == 0, result.output
    page = out.read_text("utf-8")
    assert "<h1>Example District Hospital (example data)</h1>" in page
    assert "Master branch C:" in page and "Master branch A:" not in page
    data = json.loads(EXAMPLE.read_text("utf-8"))
    del data["meta"]
    plain = tmp_path / "my-department.json"
    plain.write_text(json.dumps(data), "utf-8")
    assert run(plain, "--format", "html", "-o", out).exit_code == 0
    assert "<h1>my-department</h1>" in out.read_text("utf-8")


def test_csv_is_the_checklist_and_organisation_option_wins(answers: Path, tmp_path: Path) -> None:
    out = tmp_path / "list.csv"
    result = run(answers, "-o", out, "--organisation", "Override GmbH", "--target-stage", "4")
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["System", "Requirement (vendor-neutral)", "Closes criterion"]
    assert len(rows) > 1 and all(r[2][2] == "-" for r in rows[1:])


@pytest.mark.parametrize("fmt", ["pdf", "docx", "xlsx"])
def test_binary_formats_are_written(answers: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"report.{fmt}"
    result = run(answers, "-o", out)
    assert result.exit_code == 0, result.output
    magic = {"pdf": b"%PDF", "docx": b"PK", "xlsx": b"PK"}[fmt]
    assert out.read_bytes().startswith(magic)


# --- every bad input: exit 2, one clear message, no output file -----------------------------


def test_missing_answers_file(tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = run(tmp_path / "nope.json", "-o", out_dir / "r.pdf")
    assert_refused(result, out_dir, "nope.json: no such file")


def test_invalid_answers(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"model": "radiology", "answers": {"SI-01": "lots", "ZZ-99": 1}}))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = run(bad, "-o", out_dir / "r.pdf")
    assert_refused(result, out_dir, "SI-01", "ZZ-99: unknown criterion id")


def test_not_json(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{ nope")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    assert_refused(run(bad, "-o", out_dir / "r.html"), out_dir, "not valid JSON")


@pytest.mark.parametrize("target", ["0", "9", "-1"])
def test_unknown_target_stage(answers: Path, tmp_path: Path, target: str) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = run(answers, "-o", out_dir / "r.pdf", "--target-stage", target)
    assert_refused(result, out_dir, f"target stage {target} does not exist")


def test_target_stage_not_above_the_current_one(answers: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = run(answers, "-o", out_dir / "r.pdf", "--target-stage", "3")
    assert_refused(result, out_dir, "not above the current stage (3)")


def test_non_numeric_target_stage(answers: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = run(answers, "-o", out_dir / "r.pdf", "--target-stage", "four")
    assert_refused(result, out_dir, "'four' is not a valid integer")


def test_unknown_branch(answers: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = run(answers, "-o", out_dir / "r.pdf", "--target-stage", "6", "--branch-order", "AX")
    assert_refused(result, out_dir, "unknown branch X")


def test_missing_output_directory(answers: Path, tmp_path: Path) -> None:
    result = run(answers, "-o", tmp_path / "missing" / "r.pdf")
    assert_refused(result, tmp_path / "missing", "missing: no such directory")
    assert not (tmp_path / "missing").exists()


def test_output_path_is_a_directory(answers: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out.pdf"
    out_dir.mkdir()
    assert_refused(run(answers, "-o", out_dir), out_dir, "is a directory")


def test_output_parent_is_a_file(answers: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    result = run(answers, "-o", blocker / "r.pdf")
    assert_refused(result, tmp_path / "nothing-here", "is not a directory")
    assert blocker.read_text() == "x"


def test_unwritable_output(answers: Path) -> None:
    # /proc refuses new files even for root, so this holds in any CI container.
    result = run(answers, "-o", "/proc/diam-report-test.html")
    assert result.exit_code == 2, result.output
    assert "/proc/diam-report-test.html: cannot write it" in result.output
    assert not Path("/proc/diam-report-test.html").exists()
    assert not Path("/proc/.diam-report-test.html.tmp").exists()


def test_unknown_suffix_without_format(answers: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    assert_refused(run(answers, "-o", out_dir / "r.txt"), out_dir, "cannot tell the format")


def test_bad_meta_date(tmp_path: Path) -> None:
    data = json.loads(EXAMPLE.read_text("utf-8"))
    data["meta"] = {"assessment_date": "31/03/2025"}
    path = tmp_path / "a.json"
    path.write_text(json.dumps(data))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    assert_refused(run(path, "-o", out_dir / "r.html"), out_dir, "meta.assessment_date")
