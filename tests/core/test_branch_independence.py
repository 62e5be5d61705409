"""The checker keeps branches achievable in any order, and warns on gating trial standards."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from diam.model import check_model_dir
from tests.conftest import MINI


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    root = tmp_path / "mini"
    shutil.copytree(MINI, root)
    return root


def _messages(root: Path) -> str:
    return "\n".join(str(p) for p in check_model_dir(root)[1])


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


CRITERION = """
  - id: {id}
    {where}
    statement: Added.
    guidance: Yes or no.
    answer: {{type: boolean}}
    met_when: true
    relevant_when: {{criterion: {controller}, equals: true}}
    evidence: E.
    references: [IHE-SWFb]
    recommendation: R.
    ask: A.
    system: governance
    effort: 1
    impact: 1
"""


def test_dependence_through_a_chain_on_another_branch_is_refused(copy: Path) -> None:
    # XB-08 (branch C) depends on XB-07 (core), which depends on XA-04 (branch A).
    _append(
        copy / "criteria" / "XB.yaml",
        CRITERION.format(id="XB-07", where="stage: 2", controller="XA-04")
        + CRITERION.format(id="XB-08", where="branch: C", controller="XB-07"),
    )
    found = _messages(copy)
    assert "XB-08: branch C criterion depends, through XB-07, on XA-04 of branch A" in found


def test_one_question_deciding_two_branches_is_refused(copy: Path) -> None:
    # XA-01 (core) would decide whether gating criteria of branches A and C are asked.
    _append(
        copy / "criteria" / "XB.yaml",
        CRITERION.format(id="XB-07", where="branch: A", controller="XA-01")
        + CRITERION.format(id="XB-08", where="branch: C", controller="XA-01"),
    )
    found = _messages(copy)
    assert "XA-01 decides whether gating criteria of branches A, C are asked" in found


def test_a_shared_question_may_decide_non_gating_criteria_of_two_branches(copy: Path) -> None:
    _append(
        copy / "criteria" / "XB.yaml",
        CRITERION.format(id="XB-07", where="branch: A\n    gating: false", controller="XA-01")
        + CRITERION.format(id="XB-08", where="branch: C", controller="XA-01"),
    )
    assert "decides whether gating criteria" not in _messages(copy)


def test_a_gating_criterion_resting_only_on_trial_standards_is_warned(copy: Path) -> None:
    refs = copy / "references.yaml"
    refs.write_text(
        refs.read_text().replace(
            "kind: ihe-profile}", "kind: ihe-profile, status: trial-implementation}"
        )
    )
    _, problems = check_model_dir(copy)
    warned = [p for p in problems if p.severity == "warning"]
    assert any(
        "XB-01: a gating criterion rests only on standards that are not final: "
        "IHE-SWFb (trial-implementation)" in p.message
        for p in warned
    )
    assert not any("XA-02:" in p.message for p in warned)  # cites DICOM-WEB, final by default
    assert all(p.severity == "warning" for p in problems)


def test_a_written_reason_silences_the_trial_standard_warning(copy: Path) -> None:
    refs = copy / "references.yaml"
    refs.write_text(
        refs.read_text().replace("kind: ihe-profile}", "kind: ihe-profile, status: draft}")
    )
    xb = copy / "criteria" / "XB.yaml"
    xb.write_text(
        xb.read_text().replace(
            "  - id: XB-01\n", "  - id: XB-01\n    nonfinal_reason: Any worklist counts.\n", 1
        )
    )
    assert "XB-01: a gating criterion rests only" not in _messages(copy)
