"""Gap report: groups in climbing order, unmet vs unanswered, references, N/A justifications."""

from __future__ import annotations

from diam.model import Model
from diam.reports import find_gaps
from diam.scoring import AnswerSheet, NotApplicable, score
from diam.scoring.result import Status

from .conftest import all_met, spec_model


def test_groups_run_from_the_next_core_stage_to_the_open_branches() -> None:
    model = spec_model(
        {
            "S1": [(1, 1)],
            "S2": [(1, 1)],
            "S3": [(1, 1)],
            "S4": [(1, 1)],
            "A": [(1, 1)],
            "B": [(1, 1)],
            "C": [(1, 1)],
        }
    )
    values = all_met(model, "S1", "B")
    report = find_gaps(model, score(model, values), values)
    assert [g.target for g in report.groups] == ["S2", "S3", "S4", "A", "C"]
    assert report.next_target == "S2"
    assert [g.kind for g in report.groups] == ["core"] * 3 + ["branch"] * 2
    assert report.groups[0].label == "Core stage 2: Stage 2 name"
    assert report.groups[3].label == "Branch A: Branch A name"


def test_unmet_and_unanswered_are_kept_apart() -> None:
    model = spec_model({"S1": [(1, 1), (2, 3), (3, 2)]})
    values = {"AA-01": True, "AA-02": False}
    report = find_gaps(model, score(model, values), values)
    group = report.group("S1")
    assert group is not None
    assert [g.criterion_id for g in group.gaps] == ["AA-02"]
    assert [g.criterion_id for g in group.unanswered] == ["AA-03"]
    assert group.gaps[0].status is Status.NOT_MET
    assert group.unanswered[0].status is Status.UNANSWERED
    assert (group.met, group.total) == (1, 3)
    assert group.remaining_effort == 5
    assert [g.criterion_id for g in report.gaps] == ["AA-02"]
    assert [g.criterion_id for g in report.unanswered] == ["AA-03"]


def test_a_gap_carries_recommendation_evidence_and_resolved_references() -> None:
    model = spec_model({"S1": [(2, 3, "ris")]})
    report = find_gaps(model, score(model, {"AA-01": False}), {"AA-01": False})
    (gap,) = report.gaps
    assert gap.target == "S1" and gap.effort == 2 and gap.impact == 3 and gap.system == "ris"
    assert gap.recommendation == "Do AA-01." and gap.evidence == "Evidence for AA-01."
    assert [(r.tag, r.title, r.url) for r in gap.references] == [
        ("R1", "Ref one", "https://example.org/r1"),
        ("R2", "Ref two", "https://example.org/r2"),
    ]


def test_not_applicable_answers_keep_their_justification(mini_model: Model) -> None:
    values = {"XA-01": True, "XB-01": 90, "XA-02": "none", "XA-03": NotApplicable("Single site")}
    result = score(mini_model, values)
    report = find_gaps(mini_model, result, values)
    by_id = {n.criterion_id: n for n in report.not_applicable}
    assert by_id["XA-03"].justification == "Single site" and not by_id["XA-03"].hidden
    # XB-04 is hidden by skip logic (XA-02 is `none`): reported as N/A with the reason.
    assert by_id["XB-04"].hidden and "XA-02" in by_id["XB-04"].justification
    assert all(g.criterion_id not in by_id for g in report.gaps + report.unanswered)


def test_radiology_next_stage_gaps_are_the_unmet_blockers(
    radiology_model: Model, example_sheet: AnswerSheet
) -> None:
    result = score(radiology_model, example_sheet.values)
    report = find_gaps(radiology_model, result, example_sheet.values)
    first = report.groups[0]
    assert first.target == result.next_target
    unmet = [c for c in result.blockers if result.status(c) is Status.NOT_MET]
    assert sorted(g.criterion_id for g in first.gaps) == sorted(unmet)
    assert all(
        g.references and all(r.url.startswith("http") for r in g.references) for g in report.gaps
    )
