"""Disclosure control: minimum counts, small cells and the differencing guard (pure).

The rules and their reasons are written up in docs/benchmarks.md; in short:

- **Per figure**: a figure is shown only when at least k organisations contribute to it.
- **Small cells**: in a count table (the stage distribution, a branch achieved / not achieved)
  a count of 1..k-1 is hidden, and further cells are hidden with it (complementary
  suppression) until the hidden cells together hold at least k organisations and cannot be
  told apart, so that no hidden count follows from the total.
- **Differencing guard**: the figures shown together must not let anyone isolate fewer than k
  organisations by adding and subtracting them. Each figure is a sum (or an order statistic)
  over a set of organisations; anyone who knows which organisations are in which group can
  form any linear combination of the shown sums. The guard accepts sets one at a time, most
  general first, and rejects a set when some non-zero combination of the accepted sets would
  then depend on fewer than k organisations. That covers the plain case (country minus
  country + type leaves 1..k-1 organisations) and the less obvious ones (region - country -
  region+type + country+type leaves the organisations of the region outside the country and
  the type).

How the guard decides (for reviewers): organisations that belong to exactly the same sets form
an *atom*; every combination is constant on atoms, so only atoms and their sizes matter. A
combination with coefficients c takes the value c·m(a) on atom a, where m(a) is the atom's 0/1
membership vector, and it depends on fewer than k organisations exactly when it vanishes on
every atom of k or more organisations ("heavy") and on all the small atoms but some set D of
total size < k. So we work modulo the span of the heavy atoms' vectors: small atoms whose
vector lies in that span can never be isolated; the others are merged by direction. A set D
can be isolated exactly when the other directions no longer span, which by matroid duality is
when the rows of D in a basis of the linear dependencies among the directions are dependent;
a depth-first search over the sets D lighter than k checks that incrementally. Arithmetic is
modulo a prime larger than any minor of a 0/1 matrix of that size (Hadamard's bound), so every
rank equals the rank over the rationals. If the search would exceed SEARCH_BUDGET sets, the
answer is "leaks": the guard errs on the side of hiding.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from diam.stats.figures import Reason, SuppressionReason, too_few
from diam.stats.groups import PeerGroup

# Search budget of the exact check (candidate subsets); above it, the set is rejected.
SEARCH_BUDGET = 4096

# (largest number of sets, prime): r^(r/2) < prime, so no r x r minor of a 0/1 matrix
# vanishes modulo the prime unless it vanishes over the integers.
_PRIMES = ((25, (1 << 61) - 1), (45, (1 << 127) - 1), (120, (1 << 521) - 1))


def small_cell(k: int) -> SuppressionReason:
    return SuppressionReason(
        Reason.SMALL_CELL,
        f"fewer than {k} organisations at this stage, or hidden together with such a stage "
        "so that it cannot be worked out from the total",
    )


def small_table(k: int) -> SuppressionReason:
    return SuppressionReason(
        Reason.SMALL_CELL,
        f"too few organisations at each stage to show any stage count without revealing a "
        f"count below {k}",
    )


def differencing(k: int, other: str | None = None) -> SuppressionReason:
    partner = f"with {other}" if other else "with the other figures shown"
    return SuppressionReason(
        Reason.DIFFERENCING,
        f"hidden because, together {partner}, it would reveal figures about fewer than {k} "
        "organisations",
    )


# --- small cells -------------------------------------------------------------------------------


def hidden_cells(counts: Sequence[int], k: int) -> frozenset[int] | None:
    """Indices of the cells of a count table to hide; None when the whole table must go.

    Zero cells are shown (a zero identifies nobody), so a hidden cell holds at least one
    organisation. Cells with 1..k-1 are hidden. Then, while the hidden cells are fewer than
    two, or hold fewer than k organisations in total, or their total would make them all
    exactly 1 (total = number of hidden cells) or all exactly k-1 (total = that number times
    k-1), the shown non-zero cell *nearest* to a hidden one (ties: the lower stage) is hidden
    too. The total of the hidden cells is public (the table's total minus the shown cells), so
    these conditions disclose nothing themselves.

    The complement is chosen by position, not by size: the rule is public, and "the smallest
    shown cell" would tell a reader that the complement is no larger than every shown cell,
    which can pin a hidden count down (an exhaustive test checks that no hidden count can be
    worked out from the total, the shown cells and this rule). The caller hides tables whose
    total is below k before asking.
    """
    if k <= 1:
        return frozenset()
    hidden = {i for i, c in enumerate(counts) if 0 < c < k}
    if not hidden:
        return frozenset()
    total = sum(counts[i] for i in hidden)
    while not _protected(total, len(hidden), k):
        spare = [i for i, c in enumerate(counts) if c >= k and i not in hidden]
        if not spare:
            return None
        nearest = min(spare, key=lambda i: (min(abs(i - h) for h in hidden), i))
        hidden.add(nearest)
        total += counts[nearest]
    return frozenset(hidden)


def _protected(total: int, cells: int, k: int) -> bool:
    """Whether hidden cells with this public total can stay as they are (see hidden_cells)."""
    return cells >= 2 and total >= k and total != cells and total != cells * (k - 1)


def share_hidden(count: int, n: int, k: int) -> bool:
    """Whether "count of n" must be hidden: either it or its complement is 1..k-1."""
    return 0 < count < k or 0 < n - count < k


# --- linear algebra modulo a prime ---------------------------------------------------------


def _prime_for(width: int) -> int:
    for limit, prime in _PRIMES:
        if width <= limit:
            return prime
    raise ValueError(f"too many figures to guard at once ({width})")


class _Basis:
    """Row-echelon basis of vectors modulo p; rows keep zeros before their pivot."""

    __slots__ = ("p", "rows")

    def __init__(self, p: int) -> None:
        self.p = p
        self.rows: list[tuple[int, list[int]]] = []  # (pivot, row with row[pivot] == 1)

    def reduce(self, vector: Sequence[int]) -> list[int]:
        v = list(vector)
        p = self.p
        for pivot, row in self.rows:
            factor = v[pivot]
            if factor:
                for j in range(pivot, len(v)):
                    if row[j]:
                        v[j] = (v[j] - factor * row[j]) % p
        return v

    def copy(self) -> _Basis:
        clone = _Basis(self.p)
        clone.rows = list(self.rows)
        return clone

    def add(self, vector: Sequence[int]) -> bool:
        """Add a vector; False when it was already in the span."""
        v = self.reduce(vector)
        pivot = next((j for j, x in enumerate(v) if x), None)
        if pivot is None:
            return False
        inverse = pow(v[pivot], -1, self.p)
        row = [x * inverse % self.p for x in v]
        self.rows.append((pivot, row))
        self.rows.sort(key=lambda r: r[0])
        return True


def _normalised(v: Sequence[int], p: int) -> tuple[int, ...]:
    lead = next(x for x in v if x)
    inverse = pow(lead, -1, p)
    return tuple(x * inverse % p for x in v)


def leaks(atoms: Mapping[int, int], k: int) -> bool:
    """Whether some combination of the sets isolates 1..k-1 organisations.

    `atoms` maps a membership signature (bit i set = in set i) to the number of organisations
    with exactly that membership. See the module docstring for the method.
    """
    if k <= 1:
        return False
    light = [(sig, w) for sig, w in atoms.items() if sig and 0 < w < k]
    if not light:
        return False
    bits = sorted({b for sig in atoms if sig for b in range(sig.bit_length()) if sig >> b & 1})
    p = _prime_for(len(bits))

    def vector(sig: int) -> list[int]:
        return [sig >> b & 1 for b in bits]

    heavy = _Basis(p)
    for sig, w in atoms.items():
        if sig and w >= k:
            heavy.add(vector(sig))
    classes: dict[tuple[int, ...], int] = {}
    for sig, w in light:
        residual = heavy.reduce(vector(sig))
        if any(residual):
            key = _normalised(residual, p)
            classes[key] = classes.get(key, 0) + w
    if not classes:
        return False
    total = sum(classes.values())
    if total < k:
        return True
    directions = list(classes)
    weights = [classes[d] for d in directions]
    try:
        return _light_cocircuit_exists(directions, weights, k, p)
    except _TooLarge:
        return True  # too large to decide exactly: hide


class _TooLarge(Exception):
    pass


def _kernel_rows(directions: Sequence[Sequence[int]], p: int) -> list[list[int]]:
    """Per direction, its coordinates in a basis of the linear dependencies among directions.

    A set D of directions is left out of a spanning set (some combination vanishes on all the
    others but not on D) exactly when these rows, for D, are linearly dependent: matroid
    duality. A direction in no dependency gets an all-zero row.
    """
    m = len(directions)
    width = len(directions[0]) if m else 0
    # Row-reduce the width x m matrix whose columns are the directions.
    rows = [[directions[j][i] % p for j in range(m)] for i in range(width)]
    pivots: list[int] = []
    r = 0
    for col in range(m):
        pivot = next((i for i in range(r, width) if rows[i][col]), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        inverse = pow(rows[r][col], -1, p)
        rows[r] = [x * inverse % p for x in rows[r]]
        for i in range(width):
            if i != r and rows[i][col]:
                factor = rows[i][col]
                rows[i] = [(x - factor * y) % p for x, y in zip(rows[i], rows[r], strict=True)]
        pivots.append(col)
        r += 1
    free = [col for col in range(m) if col not in set(pivots)]
    kernel = []
    for f in free:
        x = [0] * m
        x[f] = 1
        for i, col in enumerate(pivots):
            x[col] = -rows[i][f] % p
        kernel.append(x)
    return [[vector[j] for vector in kernel] for j in range(m)]


def _light_cocircuit_exists(
    directions: Sequence[Sequence[int]], weights: Sequence[int], k: int, p: int
) -> bool:
    """Whether some set of directions weighing < k can be isolated (see `_kernel_rows`)."""
    rows = _kernel_rows(directions, p)
    order = sorted(range(len(directions)), key=lambda j: (weights[j], j))
    visited = 0

    def walk(start: int, basis: _Basis, weight: int) -> bool:
        nonlocal visited
        for position in range(start, len(order)):
            j = order[position]
            w = weight + weights[j]
            if w >= k:
                return False  # the rest weigh at least as much
            visited += 1
            if visited > SEARCH_BUDGET:
                raise _TooLarge
            extended = basis.copy()
            if not extended.add(rows[j]) or walk(position + 1, extended, w):
                return True
        return False

    return walk(0, _Basis(p), 0)


# --- greedy acceptance ---------------------------------------------------------------------


def _project(atoms: Mapping[int, int], mask: int) -> dict[int, int]:
    projected: dict[int, int] = {}
    for sig, w in atoms.items():
        s = sig & mask
        if s and w:
            projected[s] = projected.get(s, 0) + w
    return projected


def accept_greedily(
    atoms: Mapping[int, int],
    order: Sequence[int],
    k: int,
    *,
    accepted: Iterable[int] = (),
) -> tuple[list[int], list[int]]:
    """Accept the sets in `order` one by one unless the accepted family would leak.

    `atoms` maps membership signatures over all the sets to organisation counts; `accepted`
    are sets already shown (not re-checked). Returns (accepted in order, rejected in order).
    """
    mask = 0
    for i in accepted:
        mask |= 1 << i
    full = mask
    for i in order:
        full |= 1 << i
    if all(w >= k for w in _project(atoms, full).values()):
        return list(order), []  # no small atom at all: nothing can be isolated
    taken: list[int] = []
    rejected: list[int] = []
    for i in order:
        trial = mask | 1 << i
        if leaks(_project(atoms, trial), k):
            rejected.append(i)
        else:
            mask = trial
            taken.append(i)
    return taken, rejected


def partner_of(
    atoms: Mapping[int, int], rejected: int, accepted: Sequence[int], k: int
) -> int | None:
    """An accepted set that leaks together with `rejected` alone (for the message), if any."""
    for i in accepted:
        if leaks(_project(atoms, 1 << i | 1 << rejected), k):
            return i
    return None


def guard_differencing(
    groups: Sequence[tuple[PeerGroup, frozenset[int]]], k: int
) -> dict[str, SuppressionReason]:
    """The groups to hide among those that would be shown together, keyed by group key.

    Groups are taken largest first (ties in the given order), so the smaller, more specific
    group is the one hidden. A group of fewer than k organisations is hidden as too small;
    one that would let some combination of the shown groups isolate 1..k-1 organisations is
    hidden with a reason naming the group it clashes with. Groups not in the result are shown.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    reasons: dict[str, SuppressionReason] = {}
    unique: dict[str, tuple[PeerGroup, frozenset[int]]] = {}
    for group, members in groups:
        unique.setdefault(group.key, (group, members))
    entries = list(unique.values())
    candidates: list[int] = []
    for i, (group, members) in enumerate(entries):
        if len(members) < k:
            reasons[group.key] = too_few(k)
        else:
            candidates.append(i)
    signature: dict[int, int] = {}
    for i in candidates:
        for org in entries[i][1]:
            signature[org] = signature.get(org, 0) | 1 << i
    atoms: dict[int, int] = {}
    for sig in signature.values():
        atoms[sig] = atoms.get(sig, 0) + 1
    order = sorted(candidates, key=lambda i: (-len(entries[i][1]), i))
    taken, rejected = accept_greedily(atoms, order, k)
    for i in rejected:
        partner = partner_of(atoms, i, taken, k)
        label = entries[partner][0].label if partner is not None else None
        reasons[entries[i][0].key] = differencing(k, label)
    return reasons
