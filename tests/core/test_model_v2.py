"""Radiology 2.0.0 keeps the promises of its changelog (issue 9's review findings)."""

from __future__ import annotations

from diam.model import Model, check_model_tree
from tests.conftest import ROOT


def _gating(model: Model, group: str) -> set[str]:
    return {c.id for c in model.criteria_of(group)}


def test_core_stages_hold_what_the_public_stage_texts_say(radiology_v2: Model) -> None:
    assert _gating(radiology_v2, "S1") == {"SI-01", "SI-02", "WS-01", "CD-01", "HX-01", "PU-01"}
    assert _gating(radiology_v2, "S2") == {"SI-03", "PU-02"}
    assert _gating(radiology_v2, "S3") == {
        "WS-02",
        "WS-03",
        "WS-09",
        "HX-02",
        "QS-04",
        "QS-05",
        "WS-04",
    }
    assert _gating(radiology_v2, "S4") == {"HX-03", "HX-04", "PU-05", "SI-06"}


def test_branch_content_is_in_its_branch_and_may_items_never_gate(radiology_v2: Model) -> None:
    by_id = radiology_v2.criteria_by_id
    assert {by_id[c].branch for c in ("PE-01", "PE-03")} == {"A"}
    assert {by_id[c].branch for c in ("PM-02", "PM-03", "AA-02")} == {"C"}
    for may in ("PE-06", "PE-10", "PM-07", "PM-08"):
        assert not by_id[may].gating, may


def test_no_law_bound_or_ai_criterion_gates(radiology_v2: Model) -> None:
    for c in radiology_v2.criteria:
        if c.applies_in or "ai" in c.services:
            assert not c.gating, c.id
    assert radiology_v2.criteria_by_id["QS-01"].applies_in == ("EU",)
    assert all(c.relevant_when is None for c in radiology_v2.criteria)  # no coupling by skip logic


def test_every_reference_has_a_status_and_the_review_s_wrong_ones_are_fixed(
    radiology_v2: Model,
) -> None:
    refs = radiology_v2.references_by_tag
    assert all(r.status is not None for r in refs.values())
    assert "IHE-AIRAI" not in refs
    assert "second edition" in refs["RCR-REP"].title and "BFCR(18)1" in refs["RCR-REP"].title
    assert refs["ACR-ASSESSAI"].url.startswith("https://www.acr.org/")
    assert refs["ESR-IGUIDE-E"].title.startswith("Markus et al., Does clinical decision support")
    assert refs["IHE-REG"].kind.value == "guideline"
    assert refs["HL7EU-IMG"].status.value == "ci-build"
    assert refs["IHE-IRA"].status.value == "trial-implementation"
    cited = {t for c in radiology_v2.criteria for t in c.references}
    by_id = radiology_v2.criteria_by_id
    assert "NHSE-TAT" not in by_id["CD-02"].references
    assert "ESR-IGUIDE" not in by_id["PM-04"].references
    assert "ESUR-CM" not in by_id["PM-05"].references
    assert "IHE-ARI" not in by_id["HX-01"].references
    assert "RCR-REP" not in by_id["QS-05"].references + by_id["QS-04"].references
    assert "ACR-MRSAFE" in by_id["DS-09"].references
    assert cited == set(refs)  # every reference is cited


def test_the_shipped_tree_checks_without_a_warning() -> None:
    loaded, problems = check_model_tree(ROOT / "models" / "radiology")
    assert [m.version for m in loaded] == ["1.0.0", "2.0.0"]
    v2 = [p for p in problems if "2.0.0" in p.file]
    assert v2 == []
