"""`check_model_dir`: every problem of a broken model is reported in one run, with file:line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from diam.model import ModelError, check_model_dir, load_model
from tests.conftest import MINI, ROOT


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    target = tmp_path / "mini"
    shutil.copytree(MINI, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def messages(root: Path) -> list[str]:
    _, problems = check_model_dir(root)
    return [str(p) for p in problems]


def test_the_shipped_radiology_model_is_valid() -> None:
    model, problems = check_model_dir(ROOT / "models" / "radiology" / "1.0.0")
    assert model is not None, "\n".join(map(str, problems))
    assert [p for p in problems if p.severity == "error"] == []
    assert len(model.criteria) >= 75
    assert len(model.manifest.focus_areas) == 10
    groups = {c.group for c in model.criteria}
    assert groups == {"S1", "S2", "S3", "S4", "A", "B", "C"}
    for c in model.criteria:
        assert c.references, c.id


def test_the_mini_model_is_valid() -> None:
    model, problems = check_model_dir(MINI)
    assert model is not None
    assert problems == []


def test_yaml_syntax_error_names_file_and_line(broken: Path) -> None:
    edit(
        broken / "criteria" / "XA.yaml",
        "    guidance: Pick the best description.",
        "    guidance: [unclosed",
    )
    found = messages(broken)
    assert any("mini/criteria/XA.yaml:" in m and "invalid YAML" in m for m in found), found


def test_unknown_key_is_rejected_with_its_line(broken: Path) -> None:
    edit(
        broken / "criteria" / "XB.yaml",
        "    evidence: Modality list.",
        "    evidence: Modality list.\n    colour: blue",
    )
    found = messages(broken)
    assert any(
        "XB.yaml:" in m and "criteria.0.colour" in m and "Extra inputs" in m for m in found
    ), found


def test_all_meaning_problems_are_reported_in_one_run(broken: Path) -> None:
    xa = broken / "criteria" / "XA.yaml"
    xb = broken / "criteria" / "XB.yaml"
    edit(xa, "id: XA-05", "id: XA-04")  # duplicate
    edit(xa, "id: XA-02", "id: XA2")  # malformed
    edit(xa, "branch: A", "branch: Z")  # unknown branch
    edit(xa, "references: [DICOM-WEB]", "references: [NOPE]")  # dangling reference
    edit(xa, "met_when: {min: 50}", "met_when: {min: 150}")  # threshold out of range
    edit(xb, "stage: 3", "stage: 2")  # stage 3 left without criteria
    edit(
        xb,
        "relevant_when: {criterion: XA-02, not_in: [none]}",
        "relevant_when: {criterion: XX-99, not_in: [none]}",
    )  # unknown criterion
    edit(xb, "system: pacs", "system: toaster")  # unknown system
    found = "\n".join(messages(broken))
    for expected in (
        "XA-04: duplicate id",
        "XA2: malformed id",
        "unknown branch Z",
        "reference tag NOPE is not in the reference catalogue",
        "threshold 150 is outside the answer's range (0-100)",
        "core stage 3 has no gating criteria",
        "relevant_when names unknown criterion XX-99",
        "unknown system 'toaster'",
    ):
        assert expected in found, expected
    # Problems carry the file and line of the offending criterion.
    assert "mini/criteria/XA.yaml:" in found
    with pytest.raises(ModelError):
        load_model(broken)


def test_unused_reference_is_only_a_warning(broken: Path) -> None:
    edit(
        broken / "references.yaml",
        "references:\n",
        "references:\n  - {tag: SPARE, title: Spare, url: 'https://example.org', kind: standard}\n",
    )
    model, problems = check_model_dir(broken)
    assert model is not None
    assert [(p.severity, "SPARE" in p.message) for p in problems] == [("warning", True)]


def test_skip_logic_cycle_is_reported(broken: Path) -> None:
    edit(
        broken / "criteria" / "XA.yaml",
        "    statement: Viewer integration level.",
        "    statement: Viewer integration level.\n"
        "    relevant_when: {criterion: XB-04, equals: true}",
    )
    found = "\n".join(messages(broken))
    assert "skip-logic conditions form a cycle" in found


def test_branch_criterion_may_not_depend_on_another_branch(broken: Path) -> None:
    edit(
        broken / "criteria" / "XB.yaml",
        "relevant_when: {criterion: XA-02, not_in: [none]}",
        "relevant_when: {criterion: XA-04, equals: true}",
    )
    found = "\n".join(messages(broken))
    assert "branch B criterion cannot depend on XA-04 of branch A" in found


def test_condition_naming_an_unknown_option_is_reported(broken: Path) -> None:
    edit(broken / "criteria" / "XB.yaml", "not_in: [none]", "not_in: [nothing]")
    assert any("unknown option 'nothing' of XA-02" in m for m in messages(broken))


def test_choice_where_no_option_meets_is_reported(broken: Path) -> None:
    edit(
        broken / "criteria" / "XA.yaml",
        "{id: standard, label: Standard launch, meets: true}",
        "{id: standard, label: Standard launch, meets: false}",
    )
    assert any("no option meets the criterion" in m for m in messages(broken))


def test_stages_must_match_the_number_of_branches(broken: Path) -> None:
    edit(
        broken / "manifest.yaml", "  - {number: 7, name: Seven, description: Three branches.}\n", ""
    )
    assert any("stages must be 0-7 for 3 branches (missing [7])" in m for m in messages(broken))


def test_retired_ids_cannot_be_reused(broken: Path) -> None:
    (broken / "manifest.yaml").write_text(
        (broken / "manifest.yaml").read_text() + "retired_ids: [XA-05]\n"
    )
    assert any("XA-05: id is retired" in m for m in messages(broken))


def test_missing_model_directory_is_one_clear_problem(tmp_path: Path) -> None:
    assert messages(tmp_path / "nowhere") == [
        f"{tmp_path / 'nowhere'}: error: model directory not found"
    ]
