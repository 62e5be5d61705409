"""Non-gating criteria, jurisdiction and the service profile (docs/scoring.md §1-2)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from diam.model import Model, check_model_dir, load_model
from diam.scoring import AnswerError, parse_answer_file, score
from diam.scoring.context import Context
from diam.scoring.engine import hidden_criteria
from diam.scoring.explain import explain_criterion
from tests.conftest import MINI

EXTRA_MANIFEST = """
services:
  - {id: nm, name: Nuclear medicine, question: Do you do nuclear medicine?}
  - {id: kids, name: Paediatric imaging, question: Do you examine children?}
jurisdictions:
  - {id: EU, name: European Union member states, countries: [DE, FR, NL]}
"""

EXTRA_CRITERIA = """
  - id: XB-05
    stage: 1
    gating: false
    applies_in: [EU]
    title: EU duty
    statement: An EU legal duty.
    guidance: Yes if done.
    answer: {type: boolean}
    met_when: true
    evidence: Audit.
    references: [IHE-SWFb]
    recommendation: Do it.
    ask: Supports it.
    system: governance
    effort: 1
    impact: 1
  - id: XB-06
    branch: C
    services: [nm, kids]
    statement: Paediatric nuclear-medicine protocols.
    guidance: Yes if present.
    answer: {type: boolean}
    met_when: true
    evidence: Protocols.
    references: [IHE-SWFb]
    recommendation: Write them.
    ask: Supports them.
    system: governance
    effort: 1
    impact: 1
  - id: XB-07
    stage: 2
    gating: false
    statement: Something ambitious.
    guidance: Percent.
    answer: {type: percent}
    met_when: {min: 50, exclusive: true}
    evidence: Report.
    references: [IHE-SWFb]
    recommendation: Aim higher.
    ask: Supports it.
    system: governance
    effort: 1
    impact: 1
"""


def _scoped_copy(tmp_path: Path) -> Path:
    root = tmp_path / "mini"
    shutil.copytree(MINI, root)
    (root / "manifest.yaml").write_text((root / "manifest.yaml").read_text() + EXTRA_MANIFEST)
    xb = root / "criteria" / "XB.yaml"
    xb.write_text(xb.read_text() + EXTRA_CRITERIA)
    return root


@pytest.fixture
def scoped(tmp_path: Path) -> Model:
    return load_model(_scoped_copy(tmp_path))


CORE_TO_4 = {"XA-01": True, "XB-01": 100, "XA-02": "standard", "XB-02": 2, "XA-03": True}
BRANCH_C = {"XA-05": 90}


def test_a_non_gating_criterion_counts_in_its_focus_area_but_in_no_stage(scoped: Model) -> None:
    met = score(scoped, {**CORE_TO_4, "XB-07": 80})
    missed = score(scoped, {**CORE_TO_4, "XB-07": 10})
    assert met.stage == missed.stage == 4
    assert met.stages[1].total == missed.stages[1].total == 1  # XA-02 only
    xb_met = next(f for f in met.focus_areas if f.code == "XB")
    xb_missed = next(f for f in missed.focus_areas if f.code == "XB")
    assert xb_met.met == xb_missed.met + 1
    assert "XB-07" not in missed.blockers
    assert missed.to_dict()["criteria"]["XB-07"] == {"status": "not_met", "gating": False}


def test_more_than_half_means_the_bound_itself_is_not_met(scoped: Model) -> None:
    assert score(scoped, {"XB-07": 50}).status("XB-07") == "not_met"
    assert score(scoped, {"XB-07": 50.5}).status("XB-07") == "met"
    text = explain_criterion(score(scoped, {"XB-07": 50}), "XB-07").text
    assert text.startswith("not met: needs > 50 %; answered 50 % (exactly 50 %, not more)")


def test_a_law_bound_criterion_applies_only_in_its_jurisdiction(scoped: Model) -> None:
    inside = score(scoped, {}, Context(country="DE"))
    outside = score(scoped, {}, Context(country="SA"))
    unknown = score(scoped, {})
    assert inside.status("XB-05") == "unanswered"
    assert unknown.status("XB-05") == "unanswered"  # nothing excluded on a guess
    assert outside.status("XB-05") == "not_applicable"
    assert outside.out_of_scope == {"XB-05": "jurisdiction"}
    assert outside.to_dict()["criteria"]["XB-05"]["out_of_scope"] == "jurisdiction"
    said = explain_criterion(outside, "XB-05", country_name=lambda c: "Saudi Arabia").text
    assert said == "not applicable in Saudi Arabia (applies in European Union member states)"
    assert "XB-05" in hidden_criteria(scoped, {}, Context(country="SA"))


def test_a_service_the_organisation_does_not_run_takes_its_criteria_out(scoped: Model) -> None:
    values = {**CORE_TO_4, **BRANCH_C}
    # Unstated services keep the criterion: unanswered, so branch C is not mastered.
    assert score(scoped, values).mastered_branches == []
    # Running both services: the criterion is asked and must be met.
    both = Context(services={"nm": True, "kids": True})
    assert score(scoped, values, both).mastered_branches == []
    assert score(scoped, {**values, "XB-06": True}, both).mastered_branches == ["C"]
    # Not examining children: not applicable, so the organisation is not penalised.
    no_kids = score(scoped, values, Context(services={"nm": True, "kids": False}))
    assert no_kids.mastered_branches == ["C"] and no_kids.stage == 5
    assert no_kids.out_of_scope == {"XB-06": "service"}
    assert explain_criterion(no_kids, "XB-06").text == (
        "not applicable: the service profile has no paediatric imaging"
    )


def test_an_answer_to_an_out_of_scope_criterion_is_ignored(scoped: Model) -> None:
    result = score(scoped, {"XB-05": False}, Context(country="SA"))
    assert result.status("XB-05") == "not_applicable"
    assert result.completeness == 0.0  # XB-05 is no longer among the relevant criteria


def test_the_answers_file_gives_country_and_service_profile(scoped: Model) -> None:
    sheet = parse_answer_file(
        scoped,
        {
            "model": "mini",
            "meta": {"country": "sa"},
            "services": {"nm": True, "kids": False},
            "answers": {},
        },
    )
    assert sheet.context == Context(country="SA", services={"nm": True, "kids": False})
    with pytest.raises(AnswerError) as caught:
        parse_answer_file(
            scoped,
            {
                "model": "mini",
                "meta": {"country": "Saudi"},
                "services": {"ct": True, "nm": "yes"},
                "answers": {},
            },
        )
    problems = "\n".join(caught.value.problems)
    assert "meta.country must be a two-letter ISO 3166-1 code" in problems
    assert "services.ct: unknown service (known: nm, kids)" in problems
    assert "services.nm: expected true, false or null, got 'yes'" in problems


def test_the_checker_names_unknown_services_and_jurisdictions(tmp_path: Path) -> None:
    root = _scoped_copy(tmp_path)
    xb = root / "criteria" / "XB.yaml"
    xb.write_text(
        xb.read_text()
        .replace("applies_in: [EU]", "applies_in: [ASEAN]")
        .replace("services: [nm, kids]", "services: [nm, dental]")
    )
    _, problems = check_model_dir(root)
    found = "\n".join(str(p) for p in problems)
    assert "XB-05: applies_in names unknown jurisdiction ASEAN" in found
    assert "XB-06: services names unknown service 'dental'" in found


def test_a_stage_of_only_non_gating_criteria_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "mini"
    shutil.copytree(MINI, root)
    xb = root / "criteria" / "XB.yaml"
    xb.write_text(xb.read_text().replace("    stage: 3\n", "    stage: 3\n    gating: false\n"))
    _, problems = check_model_dir(root)
    assert any("core stage 3 has no gating criteria" in p.message for p in problems)
