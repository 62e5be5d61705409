"""Properties of the stage rules (docs/scoring.md §2), checked on random models and answers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from diam.model.schema import StageRuleMode
from diam.scoring import NotApplicable, score
from diam.scoring.context import Context
from tests.core.factory import COUNTRIES, SERVICES, ids_of, make_model

GROUPS = ("S1", "S2", "S3", "S4", "A", "B", "C")

sizes = st.fixed_dictionaries({g: st.integers(min_value=1, max_value=5) for g in GROUPS})
modes = st.one_of(
    st.just((StageRuleMode.STRICT, None)),
    st.tuples(st.just(StageRuleMode.THRESHOLD), st.sampled_from([50.0, 70.0, 80.0, 100.0])),
)
answer = st.sampled_from([True, False, None, "na"])


@st.composite
def scenario(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    mode, threshold = draw(modes)
    model = make_model(draw(sizes), mode=mode, threshold=threshold, na_allowed=True)
    values = {}
    for c in model.criteria:
        a = draw(answer)
        if a == "na":
            values[c.id] = NotApplicable("not relevant here")
        elif a is not None:
            values[c.id] = a
    return model, values


@st.composite
def scoped_scenario(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    """A scenario whose criteria may be non-gating, law-bound or need services, plus a context.

    Every group keeps at least one gating criterion, as the checker demands.
    """
    model, values = draw(scenario())
    seen: set[str] = set()
    crits = []
    for c in model.criteria:
        first = c.group not in seen
        seen.add(c.group)
        crits.append(
            c.model_copy(
                update={
                    "gating": first or draw(st.booleans()),
                    "applies_in": ("EU",) if draw(st.integers(0, 4)) == 0 else (),
                    "services": tuple(s for s in SERVICES if draw(st.integers(0, 5)) == 0),
                }
            )
        )
    scoped = model.model_copy(update={"criteria": tuple(crits)})
    scoped._cache = {}
    context = Context(
        country=draw(st.sampled_from((None, *COUNTRIES))),
        services={
            s: r for s in SERVICES if (r := draw(st.sampled_from((None, True, False)))) is not None
        },
    )
    return scoped, values, context


@settings(max_examples=300, deadline=None)
@given(scenario(), st.data())
def test_meeting_one_more_criterion_never_lowers_the_stage(sc, data) -> None:  # type: ignore[no-untyped-def]
    model, values = sc
    not_met = [c.id for c in model.criteria if values.get(c.id) is not True]
    if not not_met:
        return
    cid = data.draw(st.sampled_from(not_met))
    before = score(model, values)
    after = score(model, {**values, cid: True})
    assert after.stage >= before.stage
    assert after.core_stage >= before.core_stage


@settings(max_examples=300, deadline=None)
@given(scenario())
def test_stage_never_exceeds_4_without_a_mastered_branch(sc) -> None:  # type: ignore[no-untyped-def]
    model, values = sc
    result = score(model, values)
    if not result.mastered_branches:
        assert result.stage <= 4
    assert 0 <= result.stage <= 7
    if result.core_stage < 4:
        assert result.stage == result.core_stage
    else:
        assert result.stage == 4 + len(result.mastered_branches)


@settings(max_examples=200, deadline=None)
@given(scenario(), st.permutations(["A", "B", "C"]))
def test_renaming_or_reordering_branches_never_changes_the_stage(sc, order) -> None:  # type: ignore[no-untyped-def]
    model, values = sc
    # Rebuild the same criteria under permuted branch letters, with the branches listed in a
    # new order; answers follow their criteria.
    rename = dict(zip(["A", "B", "C"], order, strict=True))
    crits = tuple(
        c.model_copy(update={"branch": rename[c.branch]}) if c.branch else c for c in model.criteria
    )
    branches = tuple(
        b.model_copy(update={"id": rename[b.id]}) for b in reversed(model.manifest.branches)
    )
    renamed = model.model_copy(
        update={
            "criteria": crits,
            "manifest": model.manifest.model_copy(update={"branches": branches}),
        }
    )
    renamed._cache.clear()
    assert score(renamed, values).stage == score(model, values).stage


@settings(max_examples=200, deadline=None)
@given(scenario())
def test_result_is_a_pure_function_of_model_and_answers(sc) -> None:  # type: ignore[no-untyped-def]
    model, values = sc
    first = score(model, values).to_dict()
    reordered = dict(reversed(list(values.items())))
    assert score(model, reordered).to_dict() == first
    assert score(model, values).to_dict() == first


@settings(max_examples=200, deadline=None)
@given(scenario())
def test_unanswered_is_never_reported_as_not_met(sc) -> None:  # type: ignore[no-untyped-def]
    model, values = sc
    statuses = score(model, values).criteria
    for c in model.criteria:
        if c.id not in values:
            assert statuses[c.id] == "unanswered"
        elif values[c.id] is False:
            assert statuses[c.id] == "not_met"


def test_threshold_mode_reaches_a_stage_exactly_at_the_percentage() -> None:
    model = make_model(
        {"S1": 10, "S2": 1, "S3": 1, "S4": 1, "A": 1, "B": 1, "C": 1},
        mode=StageRuleMode.THRESHOLD,
        threshold=70,
    )
    s1 = ids_of(model, "S1")
    seven = {cid: True for cid in s1[:7]} | {cid: False for cid in s1[7:]}
    assert score(model, seven).core_stage == 1
    six = {cid: True for cid in s1[:6]} | {cid: False for cid in s1[6:]}
    assert score(model, six).core_stage == 0


def test_threshold_mode_counts_na_out_of_the_denominator() -> None:
    model = make_model(
        {"S1": 10, "S2": 1, "S3": 1, "S4": 1, "A": 1, "B": 1, "C": 1},
        mode=StageRuleMode.THRESHOLD,
        threshold=70,
        na_allowed=True,
    )
    s1 = ids_of(model, "S1")
    # 6 met of 10 fails, but with two N/A it is 6 of 8 = 75 %.
    values = {cid: True for cid in s1[:6]} | {cid: False for cid in s1[6:8]}
    values |= {cid: NotApplicable("n/a") for cid in s1[8:]}
    result = score(model, values)
    assert result.core_stage == 1
    assert result.stages[0].percent == 75.0


def test_threshold_mode_applies_to_branches_too() -> None:
    model = make_model(
        {"S1": 1, "S2": 1, "S3": 1, "S4": 1, "A": 4, "B": 4, "C": 4},
        mode=StageRuleMode.THRESHOLD,
        threshold=75,
    )
    core = {cid: True for g in ("S1", "S2", "S3", "S4") for cid in ids_of(model, g)}
    a = ids_of(model, "A")
    b = ids_of(model, "B")
    values = core | {cid: True for cid in a[:3]} | {cid: True for cid in b[:2]}
    result = score(model, values)
    assert result.mastered_branches == ["A"]
    assert result.stage == 5


@settings(max_examples=300, deadline=None)
@given(scoped_scenario(), st.data())
def test_meeting_one_more_criterion_never_lowers_the_stage_in_any_context(sc, data) -> None:  # type: ignore[no-untyped-def]
    model, values, context = sc
    not_met = [c.id for c in model.criteria if values.get(c.id) is not True]
    if not not_met:
        return
    cid = data.draw(st.sampled_from(not_met))
    before = score(model, values, context)
    after = score(model, {**values, cid: True}, context)
    assert after.stage >= before.stage


@settings(max_examples=200, deadline=None)
@given(scoped_scenario(), st.data())
def test_a_non_gating_answer_never_changes_the_stage(sc, data) -> None:  # type: ignore[no-untyped-def]
    model, values, context = sc
    beyond = [c.id for c in model.criteria if not c.gating]
    if not beyond:
        return
    cid = data.draw(st.sampled_from(beyond))
    first = score(model, {**values, cid: True}, context)
    second = score(model, {**values, cid: False}, context)
    assert first.stage == second.stage and first.core_stage == second.core_stage
    assert first.mastered_branches == second.mastered_branches


@settings(max_examples=200, deadline=None)
@given(scoped_scenario())
def test_the_stage_stays_within_the_branch_rule_in_any_context(sc) -> None:  # type: ignore[no-untyped-def]
    model, values, context = sc
    result = score(model, values, context)
    if result.core_stage < 4:
        assert result.stage == result.core_stage
    else:
        assert result.stage == 4 + len(result.mastered_branches)


@settings(max_examples=200, deadline=None)
@given(scoped_scenario())
def test_result_is_a_pure_function_of_model_answers_and_context(sc) -> None:  # type: ignore[no-untyped-def]
    model, values, context = sc
    first = score(model, values, context).to_dict()
    reordered = dict(reversed(list(values.items())))
    same_context = Context(country=context.country, services=dict(context.services))
    assert score(model, reordered, same_context).to_dict() == first
    assert score(model, values, context).to_dict() == first


@settings(max_examples=200, deadline=None)
@given(scoped_scenario())
def test_out_of_scope_criteria_are_not_applicable_whatever_was_answered(sc) -> None:  # type: ignore[no-untyped-def]
    model, values, context = sc
    result = score(model, values, context)
    for cid, why in result.out_of_scope.items():
        criterion = model.criteria_by_id[cid]
        assert result.status(cid) == "not_applicable"
        if why == "jurisdiction":
            assert context.country is not None and context.country not in ("DE", "FR")
            assert criterion.applies_in
        else:
            assert any(context.services.get(s) is False for s in criterion.services)
