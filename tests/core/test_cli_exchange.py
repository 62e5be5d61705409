"""`diam workbook`, `diam questionnaire`, `diam export --from`, `diam score` on any format:
offline, no database; user errors exit 2 with a message and no traceback."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook

from diam.cli import main
from diam.paths import latest_version


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_answers_go_round_every_format_and_score_the_same(tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    assert run("example", "-o", str(answers))[0] == 0
    _, expected = run("score", str(answers), "--format", "json")
    previous = answers
    for fmt, name in (
        ("fhir", "qr.json"),
        ("workbook", "book.xlsx"),
        ("fhir-r4b", "qr4b.json"),
        ("bundle", "bundle.zip"),
        ("answers", "back.json"),
    ):
        target = tmp_path / name
        code, output = run("export", "--from", str(previous), "--format", fmt, "-o", str(target))
        assert code == 0, output
        code, scored = run("score", str(target), "--format", "json")
        assert code == 0, scored
        assert json.loads(scored) == json.loads(expected), fmt
        previous = target
    original = json.loads(answers.read_text())["answers"]
    assert json.loads((tmp_path / "back.json").read_text())["answers"] == original


def test_the_workbook_command_writes_a_blank_or_prefilled_workbook(tmp_path: Path) -> None:
    version = latest_version("radiology")
    blank = tmp_path / "blank.xlsx"
    assert run("workbook", version, "-o", str(blank))[0] == 0
    assert load_workbook(blank)["_diam"]["B4"].value == version
    answers = tmp_path / "a.json"
    run("example", "-o", str(answers))
    filled = tmp_path / "filled.xlsx"
    assert run("workbook", "latest", "--answers", str(answers), "-o", str(filled))[0] == 0
    code, output = run("score", str(filled))
    assert code == 0 and output.startswith("Stage 3")


def test_the_questionnaire_command_writes_fhir(tmp_path: Path) -> None:
    code, output = run("questionnaire", "latest", "--fhir-version", "R4B")
    assert code == 0
    resource = json.loads(output)
    assert resource["resourceType"] == "Questionnaire"
    assert resource["version"] == latest_version("radiology")


def test_data_commands_refuse_bad_input_with_exit_2(tmp_path: Path) -> None:
    code, output = run("workbook", "9.9.9", "-o", str(tmp_path / "x.xlsx"))
    assert code == 2 and "has no version '9.9.9'" in output
    bad = tmp_path / "bad.json"
    bad.write_text('{"resourceType": "QuestionnaireResponse", "status": "done"}')
    code, output = run("score", str(bad))
    assert code == 2 and "not a QuestionnaireResponse status" in output
    code, output = run("export", "--from", str(tmp_path / "missing.json"), "-o", "x")
    assert code == 2 and "no such file" in output
    code, output = run("export", "-o", str(tmp_path / "x.json"))
    assert code == 2 and "either an ASSESSMENT_ID" in output
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    code, output = run("score", str(broken))
    assert code == 2 and "damaged" in output
