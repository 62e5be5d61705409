"""Every status is shown with its pass mark and the answer; the stage with one sentence."""

from __future__ import annotations

from diam.model import Model
from diam.scoring import NotApplicable, score
from diam.scoring.explain import explain_criterion, pass_mark, stage_meaning, why_stage


def test_each_answer_type_reads_with_its_pass_mark_and_the_answer(mini_model: Model) -> None:
    result = score(
        mini_model,
        {
            "XA-01": True,
            "XB-01": 70,
            "XA-02": "proprietary",
            "XB-02": 30,
            "XA-03": NotApplicable("one area"),
        },
    )
    said = {
        cid: explain_criterion(result, cid).text for cid in ("XA-01", "XB-01", "XA-02", "XB-02")
    }
    assert said == {
        "XA-01": "met: answered yes",
        "XB-01": "not met: needs ≥ 80 %; answered 70 % (10 points short)",
        "XA-02": "not met: needs “Standard launch”; answered “Proprietary”",
        "XB-02": "not met: needs ≤ 24 hours; answered 30 hours (6 hours over)",
    }
    assert explain_criterion(result, "XA-03").text == "not applicable: one area"
    assert explain_criterion(result, "XA-04").text == "unanswered: needs yes"
    assert explain_criterion(result, "XB-01").sentence.startswith("Not met: needs ≥ 80 %")


def test_a_met_number_says_the_pass_mark_it_cleared(mini_model: Model) -> None:
    result = score(mini_model, {"XB-01": 97, "XB-02": 24})
    assert explain_criterion(result, "XB-01").text == "met at ≥ 80 %; answered 97 %"
    assert explain_criterion(result, "XB-02").text == "met at ≤ 24 hours; answered 24 hours"
    assert pass_mark(mini_model.criteria_by_id["XA-02"]) == "“Standard launch”"


def test_a_criterion_hidden_by_skip_logic_names_the_answer_that_hid_it(mini_model: Model) -> None:
    result = score(mini_model, {"XA-02": "none"})
    assert explain_criterion(result, "XB-04").text == "not asked: XA-02 is answered “None”"


def test_the_stage_sentence_names_the_nearest_misses_nearest_first(mini_model: Model) -> None:
    result = score(mini_model, {"XA-01": True, "XB-01": 100, "XA-02": "none"})
    assert why_stage(result) == (
        "Stage 1: stage 1 is reached; stage 2 is not: nearest miss XA-02 (needs “Standard "
        "launch”, answered “None”)."
    )
    zero = score(mini_model, {"XA-01": False, "XB-01": 79})
    assert why_stage(zero).startswith(
        "Stage 0: no core stage is reached yet; stage 1 is not: nearest misses XB-01 (needs "
        "≥ 80 %, answered 79 %, 1 point short) and XA-01"
    )
    empty = score(mini_model, {})
    assert why_stage(empty) == (
        "Stage 0: no core stage is reached yet; stage 1 is not: 2 criteria are unanswered."
    )


def test_stage_0_never_repeats_a_description_that_could_contradict_the_answers(
    radiology_model: Model,
) -> None:
    # 1.0.0 describes stage 0 as "images are not archived": wrong for a site archiving 97 %.
    result = score(radiology_model, {"SI-01": 97})
    assert result.stage == 0
    assert stage_meaning(result) == "Stage 1 (Departmental digital workflow) is not reached yet."
    assert "not archived" not in why_stage(result)
    assert "SI-01 (needs ≥ 98 %, answered 97 %, 1 point short)" in why_stage(result)


def test_past_stage_4_the_sentence_names_the_nearest_branch(mini_model: Model) -> None:
    core = {"XA-01": True, "XB-01": 100, "XA-02": "standard", "XB-02": 2, "XA-03": True}
    five = score(mini_model, {**core, "XA-04": True, "XA-05": 10})
    assert why_stage(five) == (
        "Stage 5: core stages 1 to 4 are reached and branch A is mastered; the nearest next step "
        "is branch C (Analytics): nearest miss XA-05 (needs ≥ 50 %, answered 10 %, 40 points "
        "short)."
    )
