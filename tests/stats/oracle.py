"""Slow, independent checks of the disclosure rules, for tests only."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence, Set
from itertools import combinations, product
from typing import Any


def atoms_of(sets: Sequence[Set[int]]) -> dict[int, int]:
    """Membership signature (bit i = in set i) -> number of organisations with it."""
    signature: dict[int, int] = defaultdict(int)
    for i, members in enumerate(sets):
        for org in members:
            signature[org] |= 1 << i
    atoms: dict[int, int] = defaultdict(int)
    for sig in signature.values():
        atoms[sig] += 1
    return dict(atoms)


def _rank(vectors: list[list[int]]) -> int:
    """Rank over the rationals by fraction-free elimination on integer rows."""
    rows = [list(v) for v in vectors if any(v)]
    rank = 0
    width = len(rows[0]) if rows else 0
    for col in range(width):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][col]), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        top = rows[rank]
        for r in range(rank + 1, len(rows)):
            if rows[r][col]:
                a, b = top[col], rows[r][col]
                new = [a * x - b * y for x, y in zip(rows[r], top, strict=True)]
                g = math.gcd(*new)
                rows[r] = [x // g for x in new] if g > 1 else new
        rank += 1
    return rank


def leaks_by_definition(atoms: dict[int, int], width: int, k: int) -> bool:
    """Over the rationals: is there a set U of atoms weighing 1..k-1 such that some combination
    of the sets vanishes outside U and not on U (i.e. removing U lowers the rank)?"""
    items = [(sig, w) for sig, w in atoms.items() if sig and w]
    columns = {sig: [sig >> b & 1 for b in range(width)] for sig, _ in items}
    full = _rank([columns[s] for s, _ in items])
    light = sorted((w, s) for s, w in items if w < k)

    def lowers_rank(out: set[int]) -> bool:
        return _rank([columns[s] for s, _ in items if s not in out]) < full

    def walk(start: int, chosen: set[int], weight: int) -> bool:
        for i in range(start, len(light)):
            w, sig = light[i]
            if weight + w >= k:
                return False  # the rest are no lighter
            chosen.add(sig)
            if lowers_rank(chosen) or walk(i + 1, chosen, weight + w):
                return True
            chosen.discard(sig)
        return False

    return walk(0, set(), 0)


def family_is_safe(sets: Sequence[Set[int]], k: int) -> bool:
    """No combination of `sets` depends on 1..k-1 organisations (the guard's promise)."""
    if not sets:
        return True
    return not leaks_by_definition(atoms_of(sets), len(sets), k)


def small_combination(sets: Sequence[Set[int]], k: int) -> tuple[int, ...] | None:
    """Brute force over coefficients in {-1, 0, 1}: one whose support has 1..k-1 members."""
    members = sorted(set().union(*sets)) if sets else []
    for coefficients in product((-1, 0, 1), repeat=len(sets)):
        support = sum(
            1
            for org in members
            if sum(c for c, s in zip(coefficients, sets, strict=True) if org in s) != 0
        )
        if 0 < support < k:
            return coefficients
    return None


def release_leak(releases: Sequence[Any], family: str, k: int) -> tuple[int, ...] | None:
    """Over the figures of every given release: organisations (fewer than k) that some
    combination of the shown groups' member sums isolates, or None.

    Each organisation's row in a release is a variable; a row equal in two releases (same
    attributes, same contribution to the family) is the same variable there. A combination of
    the shown sets isolates a set D of organisations when it vanishes on every variable of the
    others and not on all of D's: removing D's variables lowers the rank (exact, rationals).
    """
    from diam.stats.release import attrs_of, contribution

    sets: set[frozenset[tuple[Any, ...]]] = set()
    for release in releases:
        for key in release.shown(family):
            group = release.groups[key].group
            members = frozenset(
                (e.organisation_id, attrs_of(e), contribution(family, e))
                for e in release.population
                if group.contains(e) and contribution(family, e) is not None
            )
            if members:
                sets.add(members)
    family_sets = list(sets)
    elements = sorted(set().union(*family_sets)) if family_sets else []
    if not elements:
        return None
    columns = {el: [1 if el in s else 0 for s in family_sets] for el in elements}
    full = _rank([columns[el] for el in elements])
    orgs = sorted({el[0] for el in elements})
    for size in range(1, k):
        for chosen in combinations(orgs, size):
            out = set(chosen)
            if _rank([columns[el] for el in elements if el[0] not in out]) < full:
                return chosen
    return None
