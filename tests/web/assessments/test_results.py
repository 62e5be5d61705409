"""Results: everything shown comes from the core's Result for the same answers."""

from __future__ import annotations

import re

from diam.scoring.engine import score
from diam.web.assessments.services import assessment_submit, model_for
from tests.web.assessments.conftest import fill_example


def test_results_of_the_stage_3_example_match_the_core(alice_client, alice, assessment) -> None:
    values = fill_example(assessment, alice)
    expected = score(model_for(assessment), values)
    assert expected.stage == 3

    page = alice_client.get(f"/a/{assessment.pk}/results/").content.decode()
    assert '<span class="number">3</span>' in page
    assert "Provisional stage 3: " + model_for(assessment).stage_info(3).name in page
    assert model_for(assessment).stage_info(3).description in page
    assert "An open model inspired by DIAM; not an official DIAM rating." in page
    assert f"Completeness {expected.completeness:g} %" in page
    # Ladder, branches and focus areas: the server-side SVG charts, inline.
    assert page.count("<svg") >= 3
    assert 'class="diam-chart diam-radar"' in page and 'class="diam-chart diam-ladder"' in page
    for stage in expected.stages:
        assert f"{stage.key} · {stage.name}" in page
    for branch in expected.branches:
        assert f"{branch.key} · {branch.name}" in page
        assert f"{branch.met} of {branch.total}" in page
    # The blockers for the next target, in the core's order, each linked to its question.
    assert expected.next_target == "S4"
    linked = re.findall(
        rf'<th scope="row"><a href="/a/{assessment.pk}/s/([A-Z]{{2}})/#q-([A-Z]{{2}}-\d\d)">', page
    )
    assert [cid for _, cid in linked] == expected.blockers
    assert all(cid.startswith(code) for code, cid in linked)
    assert "Next target: Stage 4" in page
    # Unanswered are counted apart from not met.
    counts = expected.criteria
    unanswered = sum(1 for s in counts.values() if s == "unanswered")
    assert f"<strong>{unanswered} unanswered</strong>" in page


def test_results_become_final_after_submission(alice_client, vic_client, alice, assessment) -> None:
    fill_example(assessment, alice)
    assessment_submit(assessment=assessment, user=alice)
    page = vic_client.get(f"/a/{assessment.pk}/results/").content.decode()
    assert "Final stage 3" in page and '<span class="label">final</span>' in page
    assert "Submitted" in page


def test_an_empty_assessment_has_stage_0_and_every_stage_1_criterion_as_blocker(
    alice_client, assessment
) -> None:
    page = alice_client.get(f"/a/{assessment.pk}/results/").content.decode()
    assert '<span class="number">0</span>' in page
    assert "Completeness 0 %" in page
    stage_1 = [c.id for c in model_for(assessment).criteria_of("S1")]
    for cid in stage_1:
        assert f"#q-{cid}" in page
    assert "Unanswered" in page
