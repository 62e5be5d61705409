"""The release guard (diam.stats.guard) against the exact definition, on random families.

The guard must be *sound*: whenever some combination of the published groups isolates 1..k-1
organisations (the slow exact oracle), it says "leaks". For the geography x type groups (with
regions derived from countries) it must be *exact* too, so that it hides nothing it need not.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diam.stats import GLOBAL, VALIDATED_GROUP, PeerGroup, family_leaks, release_guard
from diam.stats.guard import derivable
from tests.stats.oracle import atoms_of, leaks_by_definition

REGION_OF = {"A1": "North", "A2": "North", "B1": "South", "B2": "South"}
TYPES = ("hospital", "centre")
BANDS = ("small", "large", "unknown")


@dataclass(frozen=True)
class Org:
    region: str
    country: str
    org_type: str
    size_band: str
    validated: bool


@st.composite
def populations(draw: st.DrawFn, overrides: bool = True) -> list[Org]:
    size = draw(st.integers(2, 16))
    orgs = []
    for _ in range(size):
        country = draw(st.sampled_from(sorted(REGION_OF)))
        region = REGION_OF[country]
        if overrides and draw(st.integers(0, 9)) == 0:
            region = draw(st.sampled_from(["North", "South"]))
        orgs.append(
            Org(
                region,
                country,
                draw(st.sampled_from(TYPES)),
                draw(st.sampled_from(BANDS)),
                draw(st.booleans()),
            )
        )
    return orgs


def all_groups(orgs: list[Org], *, top: bool) -> list[PeerGroup]:
    groups = {GLOBAL}
    for o in orgs:
        groups |= {
            PeerGroup(region=o.region),
            PeerGroup(country=o.country),
            PeerGroup(org_type=o.org_type),
            PeerGroup(country=o.country, org_type=o.org_type),
            PeerGroup(region=o.region, org_type=o.org_type),
        }
        if top and o.size_band != "unknown":
            groups.add(PeerGroup(size_band=o.size_band))
    if top:
        groups.add(VALIDATED_GROUP)
    return sorted(groups, key=lambda g: g.key)


def atoms(orgs: list[Org]) -> Counter[tuple[str, str, str, str, str]]:
    return Counter(
        (o.region, o.country, o.org_type, o.size_band, "yes" if o.validated else "no") for o in orgs
    )


def exact_leak(orgs: list[Org], chosen: list[PeerGroup], k: int) -> bool:
    sets = [{i for i, o in enumerate(orgs) if g.contains(o)} for g in [GLOBAL, *chosen]]
    return leaks_by_definition(atoms_of(sets), len(sets), k)


@st.composite
def families(draw: st.DrawFn, *, top: bool, overrides: bool = True) -> tuple[Any, ...]:
    orgs = draw(populations(overrides=overrides))
    groups = all_groups(orgs, top=top)
    chosen = [g for g in groups if g != GLOBAL and draw(st.booleans())]
    return orgs, chosen, draw(st.integers(2, 5))


CHECKS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@CHECKS
@given(families(top=True))
def test_the_guard_never_misses_a_combination_that_isolates_fewer_than_k(case) -> None:
    orgs, chosen, k = case
    if exact_leak(orgs, chosen, k):
        assert family_leaks(atoms(orgs), chosen, k)


@CHECKS
@given(families(top=False, overrides=False))
def test_the_guard_is_exact_for_geography_and_type(case) -> None:
    orgs, chosen, k = case
    assert family_leaks(atoms(orgs), chosen, k) == exact_leak(orgs, chosen, k)


def in_span(orgs: list[Org], groups: list[PeerGroup], target: PeerGroup) -> bool:
    """Exact: is the target's member vector a rational combination of the groups' vectors?"""
    rows = [[Fraction(int(g.contains(o))) for o in orgs] for g in groups]
    goal = [Fraction(int(target.contains(o))) for o in orgs]
    basis: list[tuple[int, list[Fraction]]] = []

    def reduce(v: list[Fraction]) -> list[Fraction]:
        for pivot, row in basis:
            if v[pivot]:
                factor = v[pivot]
                v = [a - factor * b for a, b in zip(v, row, strict=True)]
        return v

    for row in rows:
        r = reduce(row)
        pivot = next((i for i, x in enumerate(r) if x), None)
        if pivot is not None:
            basis.append((pivot, [x / r[pivot] for x in r]))
    return not any(reduce(goal))


@CHECKS
@given(families(top=True), st.data())
def test_derivable_never_misses_a_group_that_follows_from_others(case, data) -> None:
    orgs, chosen, _ = case
    target = data.draw(st.sampled_from(all_groups(orgs, top=True)))
    if in_span(orgs, [GLOBAL, *chosen], target):
        assert derivable(atoms(orgs), chosen, target)


@CHECKS
@given(families(top=True))
def test_release_guard_accepts_exactly_what_one_by_one_acceptance_would(case) -> None:
    orgs, chosen, k = case
    result = release_guard(atoms(orgs), chosen, k)
    taken: list[PeerGroup] = []
    for g in chosen:
        if not family_leaks(atoms(orgs), [*taken, g], k):
            taken.append(g)
    assert list(result.accepted) == taken
    assert set(result.rejected) == set(chosen) - set(taken)


def orgs_of(spec: list[tuple[str, str, str, bool, int]]) -> list[Org]:
    out = []
    for country, org_type, band, validated, count in spec:
        out += [Org(REGION_OF[country], country, org_type, band, validated)] * count
    return out


def test_a_country_minus_its_shown_type_cells_is_caught() -> None:
    orgs = orgs_of([("A1", "hospital", "large", False, 20), ("A1", "centre", "small", False, 3)])
    orgs += orgs_of([("B1", "centre", "small", False, 30)])
    country = PeerGroup(country="A1")
    hospitals = PeerGroup(country="A1", org_type="hospital")
    assert not family_leaks(atoms(orgs), [country], 5)
    assert family_leaks(atoms(orgs), [country, hospitals], 5)  # 23 - 20 = 3
    result = release_guard(atoms(orgs), [country, hospitals], 5)
    assert result.accepted == (country,) and result.rejected == (hospitals,)


def test_two_way_margins_alone_do_not_isolate_a_small_cell() -> None:
    # Country and type totals do not give the 3 A1 centres back (a 2 x 2 table's margins).
    orgs = orgs_of([("A1", "hospital", "large", False, 20), ("A1", "centre", "small", False, 3)])
    orgs += orgs_of([("B1", "centre", "small", False, 30), ("B1", "hospital", "large", False, 9)])
    groups = [PeerGroup(country="A1"), PeerGroup(org_type="centre")]
    assert not family_leaks(atoms(orgs), groups, 5)


def test_the_validated_part_across_a_type_is_caught() -> None:
    # All validated organisations but one are hospitals: validated minus hospitals-validated...
    # here: validated = the 6 hospitals + 1 centre, and "hospitals" = those 6 + 20 others;
    # the validated set is only published at the top, yet it combines with the types.
    orgs = orgs_of([("A1", "hospital", "large", True, 6), ("A1", "hospital", "large", False, 20)])
    orgs += orgs_of([("B1", "centre", "small", True, 1), ("B1", "centre", "small", False, 12)])
    assert family_leaks(atoms(orgs), [VALIDATED_GROUP, PeerGroup(org_type="hospital")], 5) == (
        exact_leak(orgs, [VALIDATED_GROUP, PeerGroup(org_type="hospital")], 5)
    )


def test_organisations_of_no_published_band_must_be_none_or_k() -> None:
    orgs = orgs_of(
        [("A1", "hospital", "large", False, 20), ("A1", "hospital", "unknown", False, 2)]
    )
    assert family_leaks(atoms(orgs), [PeerGroup(size_band="large")], 5)  # 22 - 20 = 2
