"""The disclosure rules on their own: small cells, shares, and the differencing guard."""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations, product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diam.stats import PeerGroup, Reason, guard_differencing, hidden_cells, leaks, share_hidden
from tests.stats.oracle import atoms_of, leaks_by_definition

# --- small cells ---------------------------------------------------------------------------------


def test_a_table_without_small_cells_is_shown_whole() -> None:
    assert hidden_cells([0, 5, 12, 7, 0, 0, 0, 0], 5) == frozenset()


def test_a_lone_small_cell_takes_the_nearest_cell_with_it() -> None:
    # Stage 5 has 2 organisations; hiding it alone would let total - shown give it back, so
    # the nearest shown non-zero cell (stage 4) is hidden too.
    counts = [0, 6, 12, 9, 8, 2, 0, 0]
    assert hidden_cells(counts, 5) == {4, 5}


def test_the_nearest_cell_is_chosen_by_position_with_ties_to_the_lower_stage() -> None:
    assert hidden_cells([0, 30, 0, 2, 0, 9, 0, 0], 5) == {1, 3}
    assert hidden_cells([0, 0, 30, 2, 9, 0, 0, 0], 5) == {2, 3}


def test_small_cells_that_together_hold_fewer_than_k_take_another_cell() -> None:
    # Stages 5 and 6 hold one organisation each: two hidden cells summing to 2 would both be
    # known to be exactly 1 (a hidden cell is never zero), so stage 4 is hidden as well.
    counts = [0, 0, 10, 20, 7, 1, 1, 0]
    assert hidden_cells(counts, 5) == {4, 5, 6}


def test_small_cells_holding_k_together_need_no_complement() -> None:
    assert hidden_cells([0, 0, 10, 20, 8, 3, 2, 0], 5) == {5, 6}


def test_hidden_cells_that_would_all_be_exactly_one_take_another_cell() -> None:
    # k=3: three cells of one each hold 3 >= k, but 3 hidden non-zero cells summing to 3 are
    # all exactly 1, so the smallest shown cell goes too.
    assert hidden_cells([1, 1, 1, 9, 0, 0, 0, 0], 3) == {0, 1, 2, 3}


def test_small_cells_that_would_all_be_exactly_k_minus_1_take_another_cell() -> None:
    # Two hidden cells holding 8 at k=5 could only be 4 and 4.
    assert hidden_cells([0, 4, 10, 4], 5) == {1, 2, 3}


def test_a_table_of_only_small_cells_is_hidden_whole_when_it_cannot_be_protected() -> None:
    assert hidden_cells([1, 1, 1, 1, 1, 0, 0, 0], 5) is None
    assert hidden_cells([2, 3, 0, 0, 0, 0, 0, 0], 5) == {0, 1}


def test_k_1_hides_no_cell() -> None:
    assert hidden_cells([1, 0, 1, 3], 1) == frozenset()


def _published(counts: tuple[int, ...], k: int) -> tuple[int | None, ...] | None:
    hide = hidden_cells(counts, k)
    if hide is None:
        return None
    return tuple(None if i in hide else c for i, c in enumerate(counts))


def _compositions(total: int, parts: int) -> list[tuple[int, ...]]:
    if parts == 1:
        return [(total,)]
    return [
        (first, *rest)
        for first in range(total + 1)
        for rest in _compositions(total - first, parts - 1)
    ]


@pytest.mark.parametrize(
    ("parts", "k", "largest"), [(8, 5, 10), (8, 3, 9), (4, 5, 24), (5, 4, 16), (3, 6, 30)]
)
def test_no_hidden_cell_can_be_worked_out_from_the_total_and_the_shown_cells(
    parts: int, k: int, largest: int
) -> None:
    """Exhaustive: for every table with total k..largest, someone who knows the total, the
    shown cells and the rule (including that zeros are shown and how cells are chosen) still
    has at least two possible values for every hidden cell. (At k=2 a hidden small cell is
    1 by definition, so the property is only meaningful from k=3; docs/benchmarks.md.)"""
    for total in range(k, largest + 1):
        seen: dict[tuple[int | None, ...], list[tuple[int, ...]]] = defaultdict(list)
        for counts in _compositions(total, parts):
            view = _published(counts, k)
            if view is not None:
                seen[view].append(counts)
        for view, tables in seen.items():
            for i, shown in enumerate(view):
                if shown is None:
                    assert len({t[i] for t in tables}) >= 2, (total, view)
                else:
                    assert shown == 0 or shown >= k


@pytest.mark.parametrize(
    ("count", "n", "hidden"),
    [
        (0, 20, False),
        (5, 20, False),
        (15, 20, False),
        (20, 20, False),
        (3, 20, True),
        (17, 20, True),
    ],
)
def test_a_share_is_hidden_when_it_or_its_complement_is_a_small_cell(
    count: int, n: int, hidden: bool
) -> None:
    assert share_hidden(count, n, 5) is hidden


# --- the guard -----------------------------------------------------------------------------


def test_two_nested_sets_differing_by_fewer_than_k_leak() -> None:
    country = set(range(20))
    country_and_type = set(range(17))
    assert leaks(atoms_of([country, country_and_type]), 5)
    assert not leaks(atoms_of([country, set(range(15))]), 5)
    assert not leaks(atoms_of([country, set(country)]), 5)  # identical sets reveal nothing new


def test_four_groups_can_isolate_what_no_pair_does() -> None:
    # Region R, its country C, region+type RT and country+type CT: R - C - RT + CT is the part of
    # the region outside the country and outside the type. Every pair differs by >= 5, but
    # that part has 2 organisations.
    ct = set(range(0, 10))  # in C and T
    c_not_t = set(range(10, 20))  # in C, not T
    r_t_not_c = set(range(20, 30))  # in R and T, not C
    r_neither = {30, 31}  # in R, neither C nor T
    region = ct | c_not_t | r_t_not_c | r_neither
    country = ct | c_not_t
    region_type = ct | r_t_not_c
    sets = [region, country, region_type, ct]
    for a, b in combinations(sets, 2):
        assert len(a - b) == 0 or len(a - b) >= 5
        assert len(b - a) == 0 or len(b - a) >= 5
    assert leaks(atoms_of(sets), 5)
    assert not leaks(atoms_of(sets[:3]), 5)


def test_overlapping_groups_that_cannot_be_combined_into_a_small_set_do_not_leak() -> None:
    # A size band crossing a region: the 2 small atoms can only be reached together with a
    # large one, so nothing of fewer than 5 organisations can be isolated.
    region = set(range(0, 30))
    band = set(range(28, 60))  # overlaps the region in 2 organisations
    assert not leaks(atoms_of([set(range(100)), region, band]), 5)


@settings(max_examples=400, deadline=None)
@given(
    st.integers(1, 5).flatmap(
        lambda width: st.tuples(
            st.just(width),
            st.dictionaries(st.integers(1, (1 << width) - 1), st.integers(1, 9), max_size=12),
            st.integers(1, 6),
        )
    )
)
def test_leaks_agrees_with_the_definition(case: tuple[int, dict[int, int], int]) -> None:
    width, atoms, k = case
    assert leaks(atoms, k) == leaks_by_definition(atoms, width, k)


def test_guard_hides_the_smaller_of_two_groups_differing_by_fewer_than_k() -> None:
    country = PeerGroup(country="Aland")
    country_type = PeerGroup(country="Aland", org_type="hospital")
    reasons = guard_differencing(
        [(country, frozenset(range(20))), (country_type, frozenset(range(17)))], 5
    )
    assert list(reasons) == [country_type.key]
    reason = reasons[country_type.key]
    assert reason.code == Reason.DIFFERENCING
    assert "Country: Aland" in reason.message and "fewer than 5" in reason.message
    assert "17" not in reason.message and "3" not in reason.message


def test_guard_hides_too_small_and_empty_groups_alike_and_keeps_safe_ones() -> None:
    groups = [
        (PeerGroup(), frozenset(range(40))),
        (PeerGroup(region="North"), frozenset(range(20))),
        (PeerGroup(country="Aland"), frozenset(range(3))),
        (PeerGroup(country="Borduria"), frozenset()),
    ]
    reasons = guard_differencing(groups, 5)
    assert reasons["country=Aland"].code == Reason.TOO_FEW
    assert reasons["country=Aland"].message == "fewer than 5 organisations"
    assert reasons["country=Borduria"] == reasons["country=Aland"]  # one message for 0 and 3
    assert set(reasons) == {"country=Aland", "country=Borduria"}


def test_guard_catches_the_four_group_combination() -> None:
    members = {
        "region": frozenset(range(32)),
        "country": frozenset(range(20)),
        "region_type": frozenset([*range(10), *range(20, 30)]),
        "country_type": frozenset(range(10)),
    }
    groups = [
        (PeerGroup(region="North"), members["region"]),
        (PeerGroup(country="Aland"), members["country"]),
        (PeerGroup(region="North", org_type="hospital"), members["region_type"]),
        (PeerGroup(country="Aland", org_type="hospital"), members["country_type"]),
    ]
    reasons = guard_differencing(groups, 5)
    assert list(reasons) == ["country=Aland&org_type=hospital"]  # the smallest goes
    assert "the other figures shown" in reasons["country=Aland&org_type=hospital"].message


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sets(st.integers(0, 30), max_size=31), min_size=1, max_size=6),
    st.integers(1, 6),
)
def test_guard_leaves_no_shown_nested_pair_differing_by_1_to_k_minus_1(
    sets: list[set[int]], k: int
) -> None:
    groups = [(PeerGroup(country=f"C{chr(97 + i)}"), frozenset(s)) for i, s in enumerate(sets)]
    reasons = guard_differencing(groups, k)
    shown = [members for group, members in groups if group.key not in reasons]
    for a, b in product(shown, repeat=2):
        if b <= a:
            assert not 0 < len(a - b) < k
        else:  # overlapping: sum(a) - sum(b) mixes a - b and b - a, which together need k
            assert len(a - b) + len(b - a) >= k
    assert all(len(m) >= k for m in shown)
    assert not leaks(atoms_of([set(m) for m in shown]), k)
    if k == 1:
        assert set(reasons) == {g.key for g, members in groups if not members}
