"""The `diam` CLI as a user runs it: exit codes, messages, no tracebacks for user errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from diam.cli import main
from tests.conftest import MINI, ROOT

EXAMPLE = ROOT / "models" / "radiology" / "1.0.0" / "examples" / "stage-3-department.json"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, data: object, name: str = "answers.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def test_score_example_prints_stage_branches_areas_and_blockers() -> None:
    code, out, _ = run("score", str(EXAMPLE))
    assert code == 0
    assert out.startswith("Stage 3: Secure workflow and quality management")
    assert "not an official DIAM rating" in out
    assert "Blockers for core stage 4:" in out
    for heading in ("Core stages", "Branches", "Focus areas"):
        assert heading in out
    assert "Software infrastructure" in out


def test_score_json_follows_the_result_contract() -> None:
    code, out, _ = run("score", str(EXAMPLE), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["stage"] == 3 and data["core_stage"] == 3
    assert set(data["branches"]) == {"A", "B", "C"}
    assert set(data["branches"]["A"]) >= {"name", "mastered", "met", "total", "percent"}
    assert set(data["stages"]) == {"1", "2", "3", "4"}
    assert data["stages"]["3"]["reached"] is True and data["stages"]["4"]["reached"] is False
    assert len(data["focus_areas"]) == 10
    assert len(data["criteria"]) == 80
    assert all(
        c["status"] in {"met", "not_met", "unanswered", "not_applicable"}
        for c in data["criteria"].values()
    )
    assert data["blockers"] and all(
        data["criteria"][b]["status"] != "met" for b in data["blockers"]
    )
    assert 0 <= data["completeness"] <= 100


def test_example_command_writes_a_file_that_scores(tmp_path: Path) -> None:
    out = tmp_path / "ex.json"
    code, _, err = run("example", "-o", str(out))
    assert code == 0 and "Wrote" in err
    assert run("score", str(out))[0] == 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not valid JSON (line 1"),
        ([1, 2], "`model` names no shipped model"),
        ({"model": "nope", "answers": {}}, "`model` names no shipped model ('nope')"),
        (
            {"model": "radiology", "model_version": "9.9.9", "answers": {}},
            "has no version '9.9.9'; installed: 1.0.0",
        ),
        ({"model": "radiology"}, "`answers` must be an object"),
        (
            {"model": "radiology", "answers": {"SI-01": 141}},
            "SI-01: a percentage must be between 0 and 100",
        ),
        (
            {"model": "radiology", "answers": {"SI-01": "abc"}},
            "SI-01: expected a number, got 'abc'",
        ),
        ({"model": "radiology", "answers": {"SI-01": True}}, "SI-01: expected a number, got true"),
        ({"model": "radiology", "answers": {"SI-03": "yes"}}, "SI-03: expected yes/no"),
        ({"model": "radiology", "answers": {"XX-01": True}}, "XX-01: unknown criterion id"),
        (
            {"model": "radiology", "answers": {"SI-01": {"na": True, "justification": "x"}}},
            "SI-01: N/A is not allowed for this criterion",
        ),
        (
            {"model": "radiology", "answers": {"WS-06": {"na": True}}},
            "WS-06: N/A needs a justification",
        ),
        (
            {"model": "radiology", "answers": {"SI-01": {"value": 5, "note": "x"}}},
            "SI-01: unknown key(s) note",
        ),
    ],
)
def test_bad_answers_files_exit_2_with_a_message_naming_the_problem(
    tmp_path: Path, content: object, expected: str
) -> None:
    code, out, err = run("score", str(write(tmp_path, content)))
    assert code == 2
    assert expected in err
    assert out == ""
    assert "Traceback" not in err


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path, {"model": "radiology", "answers": {"SI-01": 141, "SI-03": 3, "ZZ-99": 1}}
    )
    code, _, err = run("score", str(path))
    assert code == 2
    assert "3 problem(s), nothing was scored" in err
    assert "SI-01" in err and "SI-03" in err and "ZZ-99" in err


def test_missing_file_and_directory_are_user_errors(tmp_path: Path) -> None:
    assert run("score", str(tmp_path / "none.json"))[0] == 2
    code, _, err = run("score", str(tmp_path))
    assert code == 2 and "is a directory" in err


def test_model_check_passes_on_the_shipped_model() -> None:
    code, out, _ = run("model", "check")
    assert code == 0
    assert "model radiology 1.0.0 is valid: 80 criteria" in out
    assert "model radiology 2.0.0 is valid: 101 criteria" in out


def test_model_check_reports_all_problems_of_a_broken_copy_and_exits_1(tmp_path: Path) -> None:
    broken = tmp_path / "radiology"
    shutil.copytree(ROOT / "models" / "radiology" / "1.0.0", broken)
    si = broken / "criteria" / "SI.yaml"
    si.write_text(
        si.read_text().replace("id: SI-02", "id: SI-01", 1).replace("stage: 1", "stage: 9", 1)
    )
    code, _, err = run("model", "check", str(broken))
    assert code == 1
    assert "SI-01: duplicate id" in err
    assert "unknown core stage 9" in err
    assert "radiology/criteria/SI.yaml:" in err


def test_score_with_a_broken_model_is_a_user_error(tmp_path: Path) -> None:
    broken = tmp_path / "mini"
    shutil.copytree(MINI, broken)
    (broken / "references.yaml").write_text("references: [")
    answers = write(tmp_path, {"model": "mini", "answers": {}})
    code, _, err = run("score", str(answers), "--model", str(broken))
    assert code == 2
    assert "is not valid" in err and "invalid YAML" in err


def test_model_export_follows_the_contract() -> None:
    code, out, _ = run("model", "export", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["id"] == "radiology" and data["version"] == "2.0.0"
    assert data["stage_rule"]["mode"] in {"strict", "threshold"}
    assert [s["number"] for s in data["stages"]] == list(range(8))
    assert [b["id"] for b in data["branches"]] == ["A", "B", "C"]
    by_id = {c["id"]: c for c in data["criteria"]}
    assert by_id["SI-01"]["answer_type"] == "percent" and "min" in by_id["SI-01"]["met_when"]
    assert by_id["SI-03"]["met_when"] is True
    choice = by_id["SI-04"]
    assert choice["answer_type"] == "choice"
    assert all({"id", "label", "meets"} <= set(o) for o in choice["options"])
    assert by_id["WS-06"]["na_allowed"] is True
    assert by_id["PU-05"]["met_when"] == {"min": 50, "exclusive": True}
    assert by_id["QS-01"]["applies_in"] == ["EU"] and by_id["QS-01"]["gating"] is False
    assert by_id["PM-09"]["services"] == ["ct", "paediatrics"]
    assert {s["id"] for s in data["services"]} >= {"ct", "mr", "nuclear-medicine", "paediatrics"}
    assert "DE" in next(j for j in data["jurisdictions"] if j["id"] == "EU")["countries"]
    assert all(
        r["status"] in {"final", "trial-implementation", "draft", "ci-build"}
        for r in data["references"]
    )
    for c in data["criteria"]:
        assert ("stage" in c) != ("branch" in c)


def test_the_installed_console_script_runs() -> None:
    exe = Path(sys.executable).with_name("diam")
    done = subprocess.run(
        [str(exe), "score", str(EXAMPLE)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Stage 3")
