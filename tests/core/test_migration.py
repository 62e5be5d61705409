"""Migration as data: checked against both versions, described in words, applied to answers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from diam.cli import main
from diam.model import Model, check_model_tree
from diam.model.load import read_migration
from diam.scoring import NotApplicable, parse_answer_file, score
from diam.scoring.migrate import plan_migration
from tests.conftest import ROOT

RADIOLOGY = ROOT / "models" / "radiology"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the installed radiology versions, to break."""
    root = tmp_path / "radiology"
    shutil.copytree(RADIOLOGY, root)
    return root


def _errors(root: Path) -> str:
    _, problems = check_model_tree(root)
    return "\n".join(p.message for p in problems if p.severity == "error")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_the_shipped_migration_is_sound() -> None:
    assert _errors(RADIOLOGY) == ""
    migration, problems = read_migration(RADIOLOGY / "2.0.0")
    assert problems == [] and migration is not None
    assert migration.from_version == "1.0.0"


def test_an_old_id_left_out_is_reported(tree: Path) -> None:
    _edit(
        tree / "2.0.0" / "migration.yaml",
        "  PM-07:\n    from: PM-07\n",
        "  PM-07:\n    from: null\n",
    )
    found = _errors(tree)
    assert "PM-07 of 1.0.0 is not accounted for" in found
    # The id still exists in 2.0.0, so declaring it new would reuse it with another meaning.
    assert "PM-07: the id existed in 1.0.0 but is declared to come from nothing" in found


def test_an_undeclared_change_of_pass_mark_is_reported(tree: Path) -> None:
    _edit(tree / "2.0.0" / "criteria" / "SI.yaml", "met_when: {min: 90}", "met_when: {min: 85}")
    assert "SI-02: pass mark changed (≥ 90 % -> ≥ 85 %) but the migration does not declare it" in (
        _errors(tree)
    )


def test_a_declared_change_that_did_not_happen_is_reported(tree: Path) -> None:
    _edit(
        tree / "2.0.0" / "migration.yaml",
        "  WS-01:\n    from: WS-01\n",
        "  WS-01:\n    from: WS-01\n    changes: [threshold]\n",
    )
    assert "WS-01: declares `threshold` but nothing of that kind changed" in _errors(tree)


def test_a_criterion_missing_from_the_migration_is_reported(tree: Path) -> None:
    text = (tree / "2.0.0" / "migration.yaml").read_text()
    start = text.index("  WS-02:\n")
    end = text.index("\n  ", start + 10) + 1
    (tree / "2.0.0" / "migration.yaml").write_text(text[:start] + text[end:])
    found = _errors(tree)
    assert "WS-02: not in the migration" in found
    assert "WS-02 of 1.0.0 is not accounted for" in found


def test_model_diff_prints_the_differences_in_words() -> None:
    result = CliRunner().invoke(main, ["model", "diff", "1.0.0", "2.0.0"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "radiology 1.0.0 -> radiology 2.0.0: 80 -> 101 criteria" in out
    assert "- SI-01 Images archived in DICOM: pass mark changed: ≥ 98 % -> ≥ 95 %." in out
    assert "- PE-03 Reports online for patients: moved: core stage 4 -> branch A" in out
    assert "- WS-09 Image corrections propagate: split from WS-03" in out
    assert "- QS-10 Exposure recorded per examination: added (core stage 1 (non-gating))." in out
    assert "applicability changed: applies only in EU" in out
    bad = CliRunner().invoke(main, ["model", "diff", "1.0.0", "9.9.9"])
    assert (
        bad.exit_code == 2 and "9.9.9: neither a directory nor an installed version" in bad.output
    )


def test_old_answers_carry_over_with_reasons(radiology_model: Model, radiology_v2: Model) -> None:
    migration, _ = read_migration(RADIOLOGY / "2.0.0")
    assert migration is not None
    values = {
        "SI-01": 97,  # same question, new pass mark: carried and now met
        "WS-03": True,  # split yes/no, met: carries to both halves
        "HX-02": False,  # split yes/no, not met: says nothing about either half
        "HX-04": "standards-based",  # options changed: answer again
        "PM-08": NotApplicable("No therapy"),  # the service profile replaces N/A
        "QS-09": "none",  # now a service-profile question
    }
    plan = plan_migration(old=radiology_model, new=radiology_v2, migration=migration, values=values)
    carried = {c.criterion_id: c for c in plan.carried}
    needs = {n.criterion_id: n for n in plan.needs_input}
    assert carried["SI-01"].value == 97
    assert carried["SI-01"].reason.startswith("Same question; pass mark now ≥ 95 % (was ≥ 98 %)")
    assert carried["WS-03"].value is True and carried["WS-09"].value is True
    assert carried["WS-09"].source_id == "WS-03"
    assert "HX-02" in needs and "HX-08" in needs
    assert "where you answered no (not met)" in needs["HX-08"].reason
    assert needs["HX-04"].reason.startswith("The question changed (answer type changed")
    assert "does not allow here" in needs["PM-08"].reason
    assert needs["QS-10"].reason.startswith("New in 2.0.0.")
    assert set(plan.sources) == set(radiology_v2.criteria_by_id)
    assert plan.sources["WS-09"] == "WS-03" and plan.sources["HX-04"] is None
    assert {d.criterion_id for d in plan.dropped} == {"HX-02", "HX-04", "PM-08", "QS-09"}
    # The carried answers score on the new version without any error.
    assert score(radiology_v2, plan.values).status("SI-01") == "met"


def test_the_example_department_moves_to_2_0_0(radiology_model: Model, radiology_v2: Model) -> None:
    migration, _ = read_migration(RADIOLOGY / "2.0.0")
    assert migration is not None
    example = json.loads((RADIOLOGY / "1.0.0" / "examples" / "stage-3-department.json").read_text())
    sheet = parse_answer_file(radiology_model, example)
    plan = plan_migration(
        old=radiology_model, new=radiology_v2, migration=migration, values=sheet.values
    )
    assert len(plan.carried) > 50
    assert len(plan.carried) + len(plan.needs_input) == len(radiology_v2.criteria)
    with pytest.raises(ValueError, match="not from 2.0.0"):
        plan_migration(old=radiology_v2, new=radiology_v2, migration=migration, values={})
