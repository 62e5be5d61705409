"""The release guard: one differencing check over every group a release publishes (pure).

A release publishes figures for every peer group any viewer can open: the global group, each
region, country, organisation type and size band, each country + type and each region + type
(`peer_groups_for` over every organisation's attributes). A reader who knows which
organisations are in which group can add and subtract any of these figures, from any pages, so
they are checked together: the family of published groups must not let any linear combination
of their member sets depend on 1..K-1 organisations (K is k, or 2k with half weights for the
change sets of `diam.stats.release`).

The general check (`diam.stats.disclosure.leaks`) searches for small sets exhaustively and gives
up (hides) on families this large. This one uses the structure of the groups and is exact for
the geography x type part and sound (it may hide more than needed, never less) for size bands:

1. **Geography x type.** The groups global, region R, country C, type T, country + type CT
   and region + type RT are sums over cells (country, type). Every combination of them takes
   the value `A(country) + B(region, type)` on an organisation whose cell is not itself
   published (a published CT cell is known, and its own coefficient cancels anything on it),
   where `A` is free per published country (else shared by the region's other countries,
   else by everyone) and `B` free per published RT (else shared by the type's other regions,
   else 0). So the combinations are exactly the potential differences of a bipartite graph:
   left vertices are the published countries, "the other countries of region R" and "the
   other countries"; right vertices the published region + type pairs, "type T elsewhere" and
   a ground vertex; each unpublished cell is an edge weighted by its organisations. A
   combination depends on few organisations exactly when it is non-zero on a small *cut* of
   that graph, so the family leaks exactly when some connected component has a cut lighter
   than K (Stoer-Wagner minimum cut, after contracting edges of K or more).
   (An organisation whose region differs from its country's usual one gets a vertex of its
   own: more freedom than the real combinations have, so possibly more hiding, never less.)
2. **Size bands and the validated organisations** are sets defined at the top level only
   (a band of everyone; the validated part of everyone, `VALIDATED_GROUP`). Their
   combinations take the value `a + delta(band) + v * [validated]` on an organisation: the
   potential difference across an edge (band class, validated or not) of a second small
   bipartite graph, checked the same way (band classes are the published bands and "any other
   size"; the validated side is ground unless the validated group is published).
3. **That block across geography x type.** Write a combination as f + g, f from the
   geography x type groups (constant on each geography x type *unit*: a published CT cell or
   an edge class above) and g from the top-level block (constant per class (band, validated)).
   If f + g vanishes outside a set D of organisations and D weighs less than K, then on every
   unit all organisations outside D see the same f, so g must agree across the classes they
   are in. Unless D cuts the bipartite graph "units x classes" into two parts that both still
   contain organisations, g is constant and f + g is a combination of check 1 or check 2. So
   the family is safe when checks 1 and 2 pass and every such cut weighs at least K; we try
   every split of the (at most ten) classes.

`family_leaks(atoms, groups, threshold)` answers for one family; `release_guard` accepts
candidate groups greedily, largest first (so the smaller, more specific group is hidden),
each only if the accepted family stays safe.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from diam.stats.groups import GLOBAL, PeerGroup

AttrKey = tuple[str, str, str, str, str]  # (region, country, org_type, size_band, validated)
YES, NO = "yes", "no"

# The group shapes a release publishes (`peer_groups_for`): the guard knows their structure.
SHAPES: frozenset[tuple[str, ...]] = frozenset(
    {
        (),
        ("region",),
        ("country",),
        ("org_type",),
        ("size_band",),
        ("country", "org_type"),
        ("region", "org_type"),
        ("validated",),
    }
)


def check_shape(group: PeerGroup) -> None:
    if group.dimensions not in SHAPES:
        raise ValueError(f"the release guard does not publish groups of shape {group.key}")


@dataclass(frozen=True, slots=True)
class _Published:
    regions: frozenset[str]
    countries: frozenset[str]
    types: frozenset[str]
    bands: frozenset[str]
    country_types: frozenset[tuple[str, str]]
    region_types: frozenset[tuple[str, str]]
    has_global: bool
    has_validated: bool

    @classmethod
    def of(cls, groups: Iterable[PeerGroup]) -> _Published:
        regions, countries, types, bands = set(), set(), set(), set()
        country_types, region_types = set(), set()
        has_global = has_validated = False
        for g in groups:
            check_shape(g)
            dims = g.dimensions
            if dims == ():
                has_global = True
            elif dims == ("validated",):
                if not g.validated:
                    raise ValueError("only the validated part is published (the rest follows)")
                has_validated = True
            elif dims == ("region",):
                regions.add(g.region)
            elif dims == ("country",):
                countries.add(g.country)
            elif dims == ("org_type",):
                types.add(g.org_type)
            elif dims == ("size_band",):
                bands.add(g.size_band)
            elif dims == ("country", "org_type"):
                country_types.add((g.country, g.org_type))
            else:
                region_types.add((g.region, g.org_type))
        return cls(
            frozenset(r for r in regions if r is not None),
            frozenset(c for c in countries if c is not None),
            frozenset(t for t in types if t is not None),
            frozenset(b for b in bands if b is not None),
            frozenset((c, t) for c, t in country_types if c is not None and t is not None),
            frozenset((r, t) for r, t in region_types if r is not None and t is not None),
            has_global,
            has_validated,
        )

    def top_class(self, band: str, validated: str) -> tuple[str | None, str | None]:
        """The class of the top-level block: (published band or None, validated or None)."""
        return (
            band if band in self.bands else None,
            validated if self.has_validated else None,
        )


Vertex = tuple[str, ...]


TopClass = tuple[str | None, str | None]


def _units(
    atoms: Mapping[AttrKey, int], pub: _Published
) -> tuple[dict[tuple[Vertex, Vertex], int], dict[object, dict[TopClass, int]]]:
    """The geography x type graph's edges and every unit's weight per top-level class."""
    edges: dict[tuple[Vertex, Vertex], int] = defaultdict(int)
    units: dict[object, dict[TopClass, int]] = defaultdict(lambda: defaultdict(int))
    everyone: Vertex = ("all",) if pub.has_global else ("ground",)
    for (region, country, org_type, band, validated), weight in atoms.items():
        if weight <= 0:
            continue
        top = pub.top_class(band, validated)
        if (country, org_type) in pub.country_types:
            # A published cell: its own coefficient makes any value on it possible, so it is
            # an edge of its own (cut off at its weight). Organisations of the cell in another
            # region than the rest get their own edge: one coefficient cannot cancel both parts.
            unit: object = ("CT", country, org_type, region)
            edges[(("CT+", country, org_type, region), ("CT-", country, org_type, region))] += (
                weight
            )
        else:
            if country in pub.countries:
                left: Vertex = ("C", country, region)
            elif region in pub.regions:
                left = ("R", region)
            else:
                left = everyone
            if (region, org_type) in pub.region_types:
                right: Vertex = ("RT", region, org_type)
            elif org_type in pub.types:
                right = ("T", org_type)
            else:
                right = ("ground",)
            edges[(left, right)] += weight
            unit = (left, right)
        units[unit][top] += weight
    return edges, units


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[Vertex, Vertex] = {}

    def find(self, v: Vertex) -> Vertex:
        parent = self.parent.setdefault(v, v)
        if parent != v:
            parent = self.parent[v] = self.find(parent)
        return parent

    def union(self, a: Vertex, b: Vertex) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb


def _min_cut(adjacency: dict[Vertex, dict[Vertex, int]]) -> int:
    """Stoer-Wagner: the weight of a minimum cut of a connected graph with >= 2 vertices."""
    adj = {v: dict(n) for v, n in adjacency.items()}
    best: int | None = None
    while len(adj) > 1:
        vertices = list(adj)
        start = vertices[0]
        weights = {v: 0 for v in vertices}
        del weights[start]
        for v, w in adj[start].items():
            weights[v] += w
        order = [start]
        last_weight = 0
        while weights:
            z = max(weights, key=weights.__getitem__)
            last_weight = weights.pop(z)
            order.append(z)
            for v, w in adj[z].items():
                if v in weights:
                    weights[v] += w
        best = last_weight if best is None else min(best, last_weight)
        s, t = order[-2], order[-1]
        for v, w in adj.pop(t).items():
            if v == s:
                continue
            adj[s][v] = adj[s].get(v, 0) + w
            adj[v][s] = adj[v].get(s, 0) + w
            del adj[v][t]
        adj[s].pop(t, None)
    assert best is not None
    return best


def _has_light_cut(edges: Mapping[tuple[Vertex, Vertex], int], threshold: int) -> bool:
    """Whether some connected component of the graph has a cut lighter than `threshold`."""
    uf = _UnionFind()
    for (a, b), w in edges.items():
        uf.find(a)
        uf.find(b)
        if w >= threshold:
            uf.union(a, b)  # a cut through this edge weighs at least the threshold anyway
    adjacency: dict[Vertex, dict[Vertex, int]] = defaultdict(dict)
    for (a, b), w in edges.items():
        ra, rb = uf.find(a), uf.find(b)
        if ra == rb:
            continue
        adjacency[ra][rb] = adjacency[ra].get(rb, 0) + w
        adjacency[rb][ra] = adjacency[rb].get(ra, 0) + w
    seen: set[Vertex] = set()
    for v in list(adjacency):
        if v in seen:
            continue
        component = {v}
        stack = [v]
        while stack:
            x = stack.pop()
            for y in adjacency[x]:
                if y not in component:
                    component.add(y)
                    stack.append(y)
        seen |= component
        if len(component) >= 2:
            sub = {x: adjacency[x] for x in component}
            if _min_cut(sub) < threshold:
                return True
    return False


def _cross_has_light_cut(
    units: Mapping[object, Mapping[TopClass, int]],
    classes: Sequence[TopClass],
    threshold: int,
) -> bool:
    """Whether some split of the top-level classes, with each unit on its cheaper side, cuts
    the graph "units x classes" lighter than `threshold` with organisations on both sides."""
    rest = classes[1:]  # classes[0] stays on side X, so each split is tried once
    unit_weights = [
        ([weights.get(c, 0) for c in classes], sum(weights.values())) for weights in units.values()
    ]
    for mask in range(0, 1 << len(rest)):
        if mask == (1 << len(rest)) - 1:
            continue  # every class on one side: the other has no organisation
        # Class 0 is on side X; class i+1 is on side X when bit i of mask is set.
        on_x = [True] + [bool(mask >> i & 1) for i in range(len(rest))]
        base = 0
        x_has = y_has = False
        force_x = force_y = None
        for per_class, total in unit_weights:
            wx = sum(w for w, x in zip(per_class, on_x, strict=True) if x)
            wy = total - wx
            if wx >= wy:
                base += wy
                x_has = x_has or wx > 0
            else:
                base += wx
                y_has = y_has or wy > 0
            if wx > 0:
                extra = max(0, wy - wx)
                force_x = extra if force_x is None else min(force_x, extra)
            if wy > 0:
                extra = max(0, wx - wy)
                force_y = extra if force_y is None else min(force_y, extra)
        if not x_has:
            if force_x is None:
                continue
            base += force_x
        if not y_has:
            if force_y is None:
                continue
            base += force_y
        if base < threshold:
            return True
    return False


def family_leaks(atoms: Mapping[AttrKey, int], groups: Iterable[PeerGroup], threshold: int) -> bool:
    """Whether some combination of `groups` (plus the global group) isolates organisations
    weighing 1..threshold-1; `atoms` weighs each (region, country, type, size band)."""
    if threshold <= 1:
        return False
    pub = _Published.of([GLOBAL, *groups])
    edges, units = _units(atoms, pub)
    if _has_light_cut(edges, threshold):
        return True
    tops: dict[TopClass, int] = defaultdict(int)
    for (_, _, _, band, validated), w in atoms.items():
        if w > 0:
            tops[pub.top_class(band, validated)] += w
    top_edges: dict[tuple[Vertex, Vertex], int] = {
        (
            ("band", band) if band is not None else ("any size",),
            ("validated",) if validated == YES else ("ground",),
        ): w
        for (band, validated), w in tops.items()
    }
    if _has_light_cut(top_edges, threshold):
        return True
    classes = sorted(tops, key=lambda c: (c[0] is None, c[0] or "", c[1] or ""))
    return len(classes) >= 2 and _cross_has_light_cut(units, classes, threshold)


@dataclass(frozen=True, slots=True)
class GuardResult:
    accepted: tuple[PeerGroup, ...]  # in acceptance order
    rejected: tuple[PeerGroup, ...]


def release_guard(
    atoms: Mapping[AttrKey, int],
    candidates: Sequence[PeerGroup],
    threshold: int,
    *,
    accepted: Sequence[PeerGroup] = (),
) -> GuardResult:
    """Accept `candidates` in the given order, each only if the accepted family stays safe.

    Equivalent to trying them one by one; runs of acceptable candidates are taken together
    (a family without a leak has no leak in any part of it), so a release with few conflicts
    needs few checks. `accepted` are groups already published (not checked again).
    """
    taken = list(dict.fromkeys(accepted))
    rejected: list[PeerGroup] = []
    pending = [g for g in dict.fromkeys(candidates) if g not in taken]
    for g in pending:
        check_shape(g)
    if threshold <= 1:
        return GuardResult(tuple(pending), ())
    i, step = 0, len(pending)
    while i < len(pending):
        chunk = pending[i : i + step]
        if not family_leaks(atoms, [*taken, *chunk], threshold):
            taken.extend(chunk)
            i += len(chunk)
            step = max(step * 2, 1)
        elif len(chunk) == 1:
            rejected.append(chunk[0])
            i += 1
            step = 1
        else:
            step = max(1, len(chunk) // 2)
    new = tuple(g for g in taken if g not in set(accepted))
    return GuardResult(new, tuple(rejected))


# --- whether a group's current set follows from published ones ---------------------------------


def derivable(atoms: Mapping[AttrKey, int], groups: Iterable[PeerGroup], target: PeerGroup) -> bool:
    """Whether the member set of `target` over `atoms` is a combination of `groups` (plus the
    global group) on those atoms, in the same model as `family_leaks`.

    The model allows at least every real combination (it may allow more), so "not derivable"
    is certain and "derivable" may be a false alarm: callers use it to decide what must be
    guarded, where a false alarm only hides more. Solved as potentials on the geography x type
    graph, with the top-level coefficients (bands, validated) as a few unknowns carried along.
    """
    pub = _Published.of([GLOBAL, *groups])
    # Unknowns carried along: one coefficient per published band, one for the validated part.
    unknowns: list[TopClass] = [(b, None) for b in sorted(pub.bands)]
    if pub.has_validated:
        unknowns.append((None, YES))
    width = len(unknowns) + 1  # then the constant term
    everyone: Vertex = ("all",) if pub.has_global else ("ground",)
    # Equations: target(atom) = phi(left) - phi(right) + top(class), per unit and class.
    equations: dict[tuple[Vertex, Vertex, TopClass], int] = {}
    for (region, country, org_type, band, validated), weight in atoms.items():
        if weight <= 0:
            continue
        if (country, org_type) in pub.country_types:
            continue  # the cell's own coefficient takes any value
        left: Vertex = (
            ("C", country, region)
            if country in pub.countries
            else ("R", region)
            if region in pub.regions
            else everyone
        )
        right: Vertex = (
            ("RT", region, org_type)
            if (region, org_type) in pub.region_types
            else ("T", org_type)
            if org_type in pub.types
            else ("ground",)
        )
        top = pub.top_class(band, validated)
        attrs = _Attrs(region, country, org_type, band, validated == YES)
        value = 1 if target.contains(attrs) else 0
        key = (left, right, top)
        if equations.setdefault(key, value) != value:
            return False  # one unit, two values: no combination separates them
    # Potentials as affine functions of the band coefficients: vector of length `width`.
    adjacency: dict[Vertex, list[tuple[Vertex, TopClass, int, int]]] = defaultdict(list)
    for (left, right, top), value in equations.items():
        adjacency[left].append((right, top, value, +1))
        adjacency[right].append((left, top, value, -1))
    potential: dict[Vertex, list[int]] = {}
    constraints: list[list[int]] = []  # each: coefficients . (unknowns, 1) == 0

    def top_vector(top: TopClass) -> list[int]:
        vec = [0] * width
        band, validated = top
        if band is not None:
            vec[unknowns.index((band, None))] = 1
        if validated == YES:
            vec[unknowns.index((None, YES))] = 1
        return vec

    for root in sorted(adjacency, key=lambda v: v != ("ground",)):
        if root in potential:
            continue
        potential[root] = [0] * width  # ground is 0; elsewhere any constant will do
        stack = [root]
        while stack:
            v = stack.pop()
            for other, top, value, sign in adjacency[v]:
                # value = phi(left) - phi(right) + top(class), so walking from v:
                # to the right (sign +1): phi(other) = phi(v) + delta - value;
                # to the left (sign -1):  phi(other) = phi(v) - delta + value.
                delta = top_vector(top)
                base = potential[v]
                expected = [base[i] + sign * delta[i] for i in range(width - 1)]
                expected.append(base[-1] - sign * value)
                if other in potential:
                    diff = [a - b for a, b in zip(potential[other], expected, strict=True)]
                    if any(diff):
                        constraints.append(diff)
                else:
                    potential[other] = expected
                    stack.append(other)
    return _solvable(constraints, width)


class _Attrs:
    __slots__ = ("country", "org_type", "region", "size_band", "validated")

    def __init__(
        self, region: str, country: str, org_type: str, size_band: str, validated: bool
    ) -> None:
        self.region, self.country, self.org_type = region, country, org_type
        self.size_band, self.validated = size_band, validated


def _solvable(rows: list[list[int]], width: int) -> bool:
    """Whether sum(row[i] * x[i] for i < width-1) + row[-1] == 0 has a solution for all rows."""
    from fractions import Fraction

    matrix = [[Fraction(x) for x in row] for row in rows]
    pivot_row = 0
    for col in range(width - 1):
        pivot = next((r for r in range(pivot_row, len(matrix)) if matrix[r][col]), None)
        if pivot is None:
            continue
        matrix[pivot_row], matrix[pivot] = matrix[pivot], matrix[pivot_row]
        lead = matrix[pivot_row][col]
        matrix[pivot_row] = [x / lead for x in matrix[pivot_row]]
        for r in range(len(matrix)):
            if r != pivot_row and matrix[r][col]:
                factor = matrix[r][col]
                matrix[r] = [
                    a - factor * b for a, b in zip(matrix[r], matrix[pivot_row], strict=True)
                ]
        pivot_row += 1
    return all(row[-1] == 0 for row in matrix[pivot_row:])
