"""Golden cases: each file in cases/ lists answers and the result they must give."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from diam.model import Model
from diam.scoring import parse_answer_file, score

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "mini.yaml").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_golden_case(case: dict[str, Any], mini_model: Model) -> None:
    sheet = parse_answer_file(mini_model, {"model": "mini", "answers": case["answers"]})
    result = score(mini_model, sheet.values)
    out = result.to_dict()
    assert result.stage == case["stage"]
    if "core_stage" in case:
        assert result.core_stage == case["core_stage"]
    if "blockers" in case:
        assert result.blockers == case["blockers"]
    if "next_target" in case:
        assert result.next_target == case["next_target"]
    if "mastered" in case:
        assert result.mastered_branches == case["mastered"]
    if "completeness" in case:
        assert result.completeness == case["completeness"]
    for cid, status in case.get("statuses", {}).items():
        assert out["criteria"][cid]["status"] == status, cid
    for stage, total in case.get("stage_totals", {}).items():
        assert out["stages"][stage]["total"] == total
    for stage, count in case.get("unanswered", {}).items():
        assert out["stages"][stage]["unanswered"] == count
