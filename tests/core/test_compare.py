"""Comparing two results: stage change, criteria newly met / no longer met, per focus area,
across model versions through the declared migration (docs/repeat.md)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from diam.paths import shipped_migration, shipped_model
from diam.scoring import score
from diam.scoring.compare import compare_results, counterparts
from diam.scoring.result import Status
from tests.core.test_scoring_properties import scenario


@settings(max_examples=60, deadline=None)
@given(scenario(), st.data())
def test_changes_are_exactly_the_criteria_whose_met_status_differs(sc, data) -> None:  # type: ignore[no-untyped-def]
    model, values = sc
    # A second assessment: some answers changed to yes, some to no.
    later = dict(values)
    for c in model.criteria:
        choice = data.draw(st.sampled_from(["keep", True, False]))
        if choice != "keep":
            later[c.id] = choice
    before, after = score(model, values), score(model, later)
    forward = compare_results(before=before, after=after)
    backward = compare_results(before=after, after=before)
    met_before = {c for c, s in before.criteria.items() if s is Status.MET}
    met_after = {c for c, s in after.criteria.items() if s is Status.MET}
    assert {c.criterion_id for c in forward.newly_met} == met_after - met_before
    assert {c.criterion_id for c in forward.no_longer_met} == met_before - met_after
    # Swapping the two swaps the lists and negates the stage change.
    assert {c.criterion_id for c in backward.newly_met} == met_before - met_after
    assert backward.stage_change == -forward.stage_change
    assert forward.stage_change == after.stage - before.stage
    assert not forward.only_before and not forward.only_after


@settings(max_examples=30, deadline=None)
@given(scenario())
def test_a_result_compared_with_itself_is_unchanged(sc) -> None:  # type: ignore[no-untyped-def]
    model, values = sc
    result = score(model, values)
    comparison = compare_results(before=result, after=result)
    assert comparison.unchanged
    assert all(f.delta in (0, None) for f in comparison.focus_areas)


def test_across_versions_criteria_are_matched_through_the_migration() -> None:
    old, new = shipped_model("radiology", "1.0.0"), shipped_model("radiology", "2.0.0")
    migration = shipped_migration("radiology", "2.0.0")
    assert migration is not None
    sources = counterparts(
        earlier_ids=frozenset(old.criteria_by_id),
        later_ids=frozenset(new.criteria_by_id),
        migration=migration,
    )
    # AA-10 was split from AA-01: its counterpart is AA-01, not "new".
    assert sources["AA-10"] == "AA-01"
    before = score(old, {"AA-01": 90})
    after = score(new, {"AA-10": 100})
    comparison = compare_results(before=before, after=after, sources=sources)
    no_counterpart_new = {cid for cid, src in sources.items() if src is None}
    assert set(comparison.only_after) == no_counterpart_new
    # Every 1.0.0 criterion not named by a 2.0.0 entry is reported, never silently dropped.
    named = {src for src in sources.values() if src}
    assert set(comparison.only_before) == set(old.criteria_by_id) - named
    ids = {c.criterion_id: c.before_id for c in comparison.newly_met + comparison.no_longer_met}
    assert all(sources[new_id] == old_id for new_id, old_id in ids.items())
