"""Roadmap: default and explicit targets, branch order, invalid targets, step ordering."""

from __future__ import annotations

import pytest

from diam.model import Model
from diam.model.schema import StageRuleMode
from diam.reports import build_roadmap
from diam.reports.roadmap import ANSWER_FIRST
from diam.scoring import AnswerSheet, score
from diam.scoring.result import Status

from .conftest import all_met, ids, spec_model

CORE = ("S1", "S2", "S3", "S4")


def ladder_model() -> Model:
    """Two criteria per core stage; branch A costs 5, B costs 2, C costs 3 (effort sums)."""
    return spec_model(
        {
            "S1": [(1, 1), (1, 1)],
            "S2": [(2, 2), (1, 3)],
            "S3": [(1, 1), (3, 3)],
            "S4": [(2, 2), (2, 1)],
            "A": [(3, 2), (2, 2)],
            "B": [(1, 1), (1, 3)],
            "C": [(2, 1), (1, 2)],
        }
    )


def test_default_target_is_the_next_core_stage() -> None:
    model = ladder_model()
    result = score(model, all_met(model, "S1"))
    roadmap = build_roadmap(model, result)
    assert result.stage == 1
    assert roadmap.target_stage == 2
    assert [p.target for p in roadmap.phases] == ["S2"]
    assert {s.criterion_id for s in roadmap.steps} == set(ids(model, "S2"))
    assert roadmap.target_label.startswith("Stage 2: Stage 2 name")


def test_default_target_past_stage_4_is_the_cheapest_branch() -> None:
    model = ladder_model()
    result = score(model, all_met(model, *CORE))
    roadmap = build_roadmap(model, result)
    assert result.stage == 4
    assert roadmap.target_stage == 5
    assert roadmap.branches == ("B",)  # B: effort 2 < C: 3 < A: 5
    assert [p.target for p in roadmap.phases] == ["B"]


def test_explicit_core_target_has_one_phase_per_core_stage_in_order() -> None:
    model = ladder_model()
    result = score(model, all_met(model, "S1"))
    roadmap = build_roadmap(model, result, target_stage=4)
    assert [p.target for p in roadmap.phases] == ["S2", "S3", "S4"]
    assert [p.number for p in roadmap.phases] == [1, 2, 3]
    assert [s.number for s in roadmap.steps] == list(range(1, 7))
    assert roadmap.branches == ()


def test_stage_7_plans_core_first_then_branches_by_least_effort() -> None:
    model = ladder_model()
    result = score(model, all_met(model, "S1", "S2"))
    roadmap = build_roadmap(model, result, target_stage=7)
    assert [p.target for p in roadmap.phases] == ["S3", "S4", "B", "C", "A"]
    assert roadmap.branches == ("B", "C", "A")
    assert "branches B, C, A" in roadmap.target_label


def test_branch_order_is_followed_and_completed_by_effort() -> None:
    model = ladder_model()
    result = score(model, all_met(model, *CORE))
    full = build_roadmap(model, result, target_stage=6, branch_order="AC")
    assert [p.target for p in full.phases] == ["A", "C"]
    partial = build_roadmap(model, result, target_stage=6, branch_order="C")
    assert [p.target for p in partial.phases] == ["C", "B"]
    listed = build_roadmap(model, result, target_stage=5, branch_order=["c", "a"])
    assert [p.target for p in listed.phases] == ["C"]


def test_equal_branch_effort_is_broken_by_letter() -> None:
    model = spec_model(
        {"S1": [(1, 1)], "S4": [(1, 1)], "A": [(2, 1)], "B": [(2, 1)], "C": [(1, 1), (1, 1)]}
    )
    result = score(model, all_met(model, "S1", "S2", "S3", "S4"))
    assert result.stage == 4
    roadmap = build_roadmap(model, result, target_stage=7)
    assert [p.target for p in roadmap.phases] == ["A", "B", "C"]


def test_a_mastered_branch_counts_toward_the_target() -> None:
    model = ladder_model()
    values = all_met(model, "S1", "S2", "S3", "A")
    result = score(model, values)
    assert result.stage == 3 and result.mastered_branches == ["A"]
    roadmap = build_roadmap(model, result, target_stage=5)
    assert [p.target for p in roadmap.phases] == ["S4"]  # stage 4 + A already = stage 5
    roadmap6 = build_roadmap(model, result, target_stage=6, branch_order="AC")
    assert [p.target for p in roadmap6.phases] == ["S4", "C"]


def test_steps_within_a_phase_go_by_impact_per_effort() -> None:
    # (effort, impact): ratios 1.0, 3.0, 0.5, 1.0, 1.5, 3.0
    model = spec_model({"S1": [(3, 3), (1, 3), (2, 1), (1, 1), (2, 3), (1, 3)]})
    roadmap = build_roadmap(model, score(model, {}))
    order = [s.criterion_id for s in roadmap.steps]
    # 3.0 (model order breaks the tie), 1.5, 1.0 with impact 3 before 1.0 with impact 1, 0.5
    assert order == ["AA-02", "AA-06", "AA-05", "AA-01", "AA-04", "AA-03"]


def test_unanswered_criteria_are_steps_that_say_answer_first() -> None:
    model = spec_model({"S1": [(1, 1), (1, 2)]})
    result = score(model, {"AA-01": False})
    roadmap = build_roadmap(model, result)
    by_id = {s.criterion_id: s for s in roadmap.steps}
    assert by_id["AA-02"].gap.status is Status.UNANSWERED
    assert by_id["AA-02"].action == ANSWER_FIRST + "Do AA-02."  # find out first, then act
    assert by_id["AA-01"].action == "Do AA-01."


@pytest.mark.parametrize("target", [0, -1, 8, 9, 100])
def test_out_of_range_targets_are_refused(target: int) -> None:
    model = ladder_model()
    with pytest.raises(ValueError, match=rf"target stage {target} does not exist: choose 1-4"):
        build_roadmap(model, score(model, {}), target_stage=target)


def test_a_target_not_above_the_current_stage_is_refused() -> None:
    model = ladder_model()
    result = score(model, all_met(model, "S1", "S2"))
    for target in (1, 2):
        with pytest.raises(ValueError, match="not above the current stage \\(2\\)"):
            build_roadmap(model, result, target_stage=target)


def test_bad_branch_orders_are_refused() -> None:
    model = ladder_model()
    result = score(model, {})
    with pytest.raises(ValueError, match="unknown branch Z"):
        build_roadmap(model, result, branch_order="AZ")
    with pytest.raises(ValueError, match="only once"):
        build_roadmap(model, result, branch_order="ABA")


def test_nothing_left_gives_an_empty_roadmap_with_a_message() -> None:
    model = ladder_model()
    result = score(model, {c.id: True for c in model.criteria})
    assert result.stage == 7
    roadmap = build_roadmap(model, result)
    assert roadmap.is_empty and roadmap.target_stage is None
    assert roadmap.message is not None and "highest stage" in roadmap.message
    with pytest.raises(ValueError, match="already at stage 7"):
        build_roadmap(model, result, target_stage=7)


def test_threshold_mode_says_how_many_steps_are_needed() -> None:
    model = spec_model(
        {"S1": [(1, 1)] * 5, "S2": [(1, 1)] * 4},
        mode=StageRuleMode.THRESHOLD,
        threshold=70,
    )
    values = all_met(model, "S1") | {"AA-06": True}
    result = score(model, values)
    roadmap = build_roadmap(model, result)
    (phase,) = roadmap.phases
    # 70 % of 4 applicable = 2.8, so 3 must be met; 1 is, 2 more are needed of 3 open.
    assert phase.target == "S2" and len(phase.steps) == 3 and phase.needed == 2


def test_radiology_default_roadmap_closes_exactly_the_blockers(
    radiology_model: Model, example_sheet: AnswerSheet
) -> None:
    result = score(radiology_model, example_sheet.values)
    roadmap = build_roadmap(radiology_model, result)
    assert roadmap.target_stage == result.stage + 1
    assert sorted(s.criterion_id for s in roadmap.steps) == sorted(result.blockers)
    ratios = [s.gap.impact / s.gap.effort for s in roadmap.phases[0].steps]
    assert ratios == sorted(ratios, reverse=True)
