"""Properties of benchmark_for on random populations and random group choices.

For any population and any choice of groups: no shown figure rests on fewer than k
organisations; no combination of shown figures of one kind isolates 1..k-1 organisations
(checked against slow, independent oracles); every hidden figure says why, without stating a
count below k; k=1 hides nothing; the result does not depend on the order of the rows; and the
shown values are the plain statistics of the members.
"""

from __future__ import annotations

import random
import re
import statistics
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diam.stats import (
    Benchmark,
    Entry,
    Figure,
    OrgProfile,
    PeerGroup,
    Reason,
    benchmark_for,
    percentile_rank,
    select_members,
)
from tests.stats.oracle import family_is_safe, small_combination
from tests.stats.population import (
    ALL_GROUPS,
    CODES,
    COUNTRIES,
    REGIONS,
    SIZES,
    TYPES,
    entry_rows,
    populations,
)

PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# The independent oracle is slow; fewer examples, still a few hundred guard decisions.
ORACLE = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[Entry], Any, list[PeerGroup] | None, int]:
    entries = draw(populations())
    if entries and draw(st.booleans()):
        own: Any = draw(st.sampled_from(entries))
    elif draw(st.booleans()):
        own = draw(entry_rows(10_000))  # has a row, but not among the entries (opted out)
    else:
        own = OrgProfile(
            10_001,
            draw(st.sampled_from(REGIONS)),
            draw(st.sampled_from(COUNTRIES)),
            draw(st.sampled_from(TYPES)),
            draw(st.sampled_from(SIZES)),
        )
    groups = draw(
        st.none() | st.lists(st.sampled_from(ALL_GROUPS), min_size=1, max_size=6, unique=True)
    )
    k = draw(st.integers(1, 6))
    return entries, own, groups, k


def _members(benchmark: Benchmark, entries: Sequence[Entry]) -> dict[str, list[Entry]]:
    return {g.group.key: select_members(entries, g.group) for g in benchmark.groups}


@PROPERTY
@given(scenarios())
def test_no_shown_figure_rests_on_fewer_than_k_and_hidden_ones_say_why(scenario: Any) -> None:
    entries, own, groups, k = scenario
    benchmark = benchmark_for(entries, own, k=k, groups=groups)
    for key, path, figure in benchmark.figures():
        if figure.shown:
            assert figure.n is not None and figure.n >= k, (key, path)
            assert figure.value is not None
        else:
            assert figure.suppressed is not None and figure.suppressed.message, (key, path)
            assert figure.value is None
            assert figure.n is None or (figure.n == 0 and figure.suppressed.code == Reason.NO_DATA)
            # No number but k in any reason (group labels here have no digits).
            assert set(re.findall(r"\d+", figure.suppressed.message)) <= {str(k)}, figure


@PROPERTY
@given(scenarios())
def test_shown_groups_cannot_be_combined_to_isolate_fewer_than_k(scenario: Any) -> None:
    entries, own, groups, k = scenario
    benchmark = benchmark_for(entries, own, k=k, groups=groups)
    members = _members(benchmark, entries)
    shown = [
        frozenset(e.organisation_id for e in members[g.group.key])
        for g in benchmark.groups
        if g.shown
    ]
    for a in shown:
        for b in shown:
            if b <= a:
                assert not 0 < len(a - b) < k
    assert small_combination(shown, k) is None
    assert family_is_safe(shown, k)


@ORACLE
@given(scenarios())
def test_each_kind_of_figure_is_guarded_over_its_own_contributors(scenario: Any) -> None:
    entries, own, groups, k = scenario
    benchmark = benchmark_for(entries, own, k=k, groups=groups)
    members = _members(benchmark, entries)
    # The stage is summed over groups and over their validated / self-assessed parts.
    stage_sets: list[frozenset[int]] = []
    for g in benchmark.groups:
        rows = members[g.group.key]
        if g.shown:
            stage_sets.append(frozenset(e.organisation_id for e in rows))
        if g.summary.validated.mean_stage.shown:
            stage_sets.append(frozenset(e.organisation_id for e in rows if e.validated))
        if g.summary.self_assessed.mean_stage.shown:
            stage_sets.append(frozenset(e.organisation_id for e in rows if not e.validated))
    assert family_is_safe(stage_sets, k)
    for code in CODES:
        sets = [
            frozenset(
                e.organisation_id
                for e in members[g.group.key]
                if e.focus_areas.get(code) is not None
            )
            for g in benchmark.groups
            if code in g.summary.focus_areas and g.summary.focus_areas[code].median.shown
        ]
        assert all(len(s) >= k for s in sets)
        assert family_is_safe(sets, k)


@PROPERTY
@given(scenarios())
def test_k_1_hides_nothing_for_disclosure_reasons(scenario: Any) -> None:
    entries, own, groups, _ = scenario
    benchmark = benchmark_for(entries, own, k=1, groups=groups)
    for key, path, figure in benchmark.figures():
        if not figure.shown:
            assert figure.suppressed is not None
            assert figure.suppressed.code in (Reason.NO_DATA, Reason.NO_OWN_VALUE), (key, path)


@PROPERTY
@given(scenarios(), st.randoms(use_true_random=False))
def test_the_result_does_not_depend_on_the_order_of_rows(scenario: Any, rnd: random.Random) -> None:
    entries, own, groups, k = scenario
    shuffled = list(entries)
    rnd.shuffle(shuffled)
    assert benchmark_for(shuffled, own, k=k, groups=groups) == benchmark_for(
        entries, own, k=k, groups=groups
    )


def _close(figure: Figure[Any], expected: float, decimals: int = 2) -> None:
    """Shown, and equal to `expected` rounded as figures are (2 decimals, ranks 1)."""
    assert figure.shown and figure.value == pytest.approx(expected, abs=0.51 * 10**-decimals)


@PROPERTY
@given(scenarios())
def test_shown_values_are_the_plain_statistics_of_the_members(scenario: Any) -> None:
    entries, own, groups, k = scenario
    benchmark = benchmark_for(entries, own, k=k, groups=groups)
    own_row = next((e for e in entries if e.organisation_id == own.organisation_id), None)
    own_row = own_row or (own if isinstance(own, Entry) else None)
    for g in benchmark.groups:
        if not g.shown:
            continue
        rows = select_members(entries, g.group)
        summary = g.summary
        stages = [e.stage for e in rows]
        assert summary.organisations.value == len(rows)
        _close(summary.stage.mean, statistics.mean(stages))
        _close(summary.stage.median, statistics.median(stages))
        for s, cell in enumerate(summary.stage.distribution):
            if cell.shown:
                assert cell.value == stages.count(s)
        for letter, share in summary.branches.items():
            if share.shown:
                count = sum(1 for e in rows if letter in e.branches)
                _close(share, 100 * count / len(rows), 1)
        for code, fa in summary.focus_areas.items():
            values = [v for e in rows if (v := e.focus_areas.get(code)) is not None]
            if not fa.median.shown:
                continue
            assert fa.count.value == len(values)
            _close(fa.mean, statistics.fmean(values))
            _close(fa.median, statistics.median(values))
            if len(values) >= 2:
                p25, _, p75 = statistics.quantiles(values, n=4, method="inclusive")
                _close(fa.p25, p25)
                _close(fa.p75, p75)
            assert (fa.minimum.value, fa.maximum.value) == (min(values), max(values))
            own_value = None if own_row is None else own_row.focus_areas.get(code)
            if fa.own_percentile.shown:
                assert own_value is not None
                peers = [
                    v
                    for e in rows
                    if e.organisation_id != own.organisation_id
                    and (v := e.focus_areas.get(code)) is not None
                ]
                below = sum(1 for v in peers if v < own_value)
                equal = sum(1 for v in peers if v == own_value)
                _close(fa.own_percentile, percentile_rank(below, equal, len(peers)), 1)
                assert fa.own_percentile.n == len(peers) >= k
        rank = summary.stage.own_percentile
        if rank.shown:
            assert own_row is not None
            peers_stages = [e.stage for e in rows if e.organisation_id != own.organisation_id]
            below = sum(1 for s in peers_stages if s < own_row.stage)
            equal = peers_stages.count(own_row.stage)
            _close(rank, percentile_rank(below, equal, len(peers_stages)), 1)
        validated = [e.stage for e in rows if e.validated]
        if summary.validated.mean_stage.shown:
            _close(summary.validated.mean_stage, statistics.mean(validated))
            assert summary.validated.count.value == len(validated) >= k
