"""An organisation's benchmark: its peer groups, their figures, and the differencing guard."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from operator import attrgetter
from typing import Any

from diam.stats.disclosure import accept_greedily, differencing, partner_of
from diam.stats.figures import Figure, SuppressionReason, no_data, too_few
from diam.stats.groups import (
    DEFAULT_BRANCHES,
    Entry,
    OwnOrganisation,
    PeerGroup,
    peer_groups_for,
)
from diam.stats.summary import (
    Aggregate,
    GroupSummary,
    hidden_split,
    hidden_summary,
    hidden_value_summary,
    summarise_aggregate,
)

_key_of = attrgetter("region", "country", "org_type", "size_band")
_id_of = attrgetter("organisation_id")


@dataclass(frozen=True, slots=True)
class GroupBenchmark:
    group: PeerGroup
    summary: GroupSummary

    @property
    def shown(self) -> bool:
        return self.summary.organisations.shown

    @property
    def suppressed(self) -> SuppressionReason | None:
        """Why the whole group is hidden, or None when it is shown."""
        return self.summary.organisations.suppressed


@dataclass(frozen=True, slots=True)
class Benchmark:
    """An organisation's peer groups in display order, every figure disclosure-checked."""

    k: int
    organisation_id: int
    groups: tuple[GroupBenchmark, ...]

    def group(self, key: str) -> GroupBenchmark:
        for g in self.groups:
            if g.group.key == key:
                return g
        raise KeyError(key)

    def figures(self) -> Iterator[tuple[str, str, Figure[Any]]]:
        """(group key, figure path, figure) for every figure of every group."""
        for g in self.groups:
            for path, figure in g.summary.figures():
                yield g.group.key, path, figure


AttributeKey = tuple[str, str, str, str]  # (region, country, org_type, size_band)


class _Membership:
    """Which of the groups a combination of peer attributes belongs to, as a bit mask."""

    def __init__(self, groups: Sequence[PeerGroup]) -> None:
        everything = (1 << len(groups)) - 1
        self.any: list[int] = []  # per dimension: groups that do not filter on it
        self.by_value: list[dict[str, int]] = []
        for d in range(4):
            free = 0
            by_value: dict[str, int] = {}
            for i, group in enumerate(groups):
                wanted = (group.region, group.country, group.org_type, group.size_band)[d]
                if wanted is None:
                    free |= 1 << i
                else:
                    by_value[wanted] = by_value.get(wanted, 0) | 1 << i
            self.any.append(free)
            self.by_value.append({v: m | free for v, m in by_value.items()})
        self.everything = everything

    def __call__(self, key: AttributeKey) -> int:
        mask = self.everything
        for d in range(4):
            mask &= self.by_value[d].get(key[d], self.any[d])
        return mask


def benchmark_for(
    entries: Iterable[Entry],
    own: OwnOrganisation,
    *,
    k: int = 5,
    groups: Sequence[PeerGroup] | None = None,
    branches: Sequence[str] = DEFAULT_BRANCHES,
    focus_areas: Sequence[str] | None = None,
) -> Benchmark:
    """The benchmark of organisation `own` over `entries` (one row per organisation).

    Groups default to `peer_groups_for(own)`. Every figure obeys the per-figure rules of
    `summarise`; then the differencing guard runs over the groups, over the validated /
    self-assessed parts, and over each focus area's contributors (docs/benchmarks.md).
    Percentile ranks use own's row in `entries` when there is one, else `own` itself if it is
    an `Entry`; an `OrgProfile` without a row gets no ranks (hidden with a reason).
    """
    rows = entries if isinstance(entries, list | tuple) else list(entries)
    if len(set(map(_id_of, rows))) != len(rows):
        raise ValueError("a benchmark takes one row per organisation")
    chosen = list(dict.fromkeys(groups)) if groups is not None else peer_groups_for(own)
    own_row = next((e for e in rows if e.organisation_id == own.organisation_id), None)
    own_entry = own_row if own_row is not None else own if isinstance(own, Entry) else None
    membership = _Membership(chosen)
    # Rows by membership signature over the groups, each cell kept in the rows' order (reading
    # the rows in their order is markedly faster at 100,000 rows than in scattered order).
    masks: dict[AttributeKey, int] = {}
    cell_rows: dict[int, list[Entry]] = {}
    for e in rows:
        key = _key_of(e)
        mask = masks.get(key)
        if mask is None:
            mask = masks[key] = membership(key)
        if mask:
            cell = cell_rows.get(mask)
            if cell is None:
                cell_rows[mask] = [e]
            else:
                cell.append(e)
    cells = {mask: Aggregate.of(cell) for mask, cell in cell_rows.items()}
    own_mask = membership(_key_of(own_row)) if own_row is not None else 0
    return _benchmark(cells, chosen, own, own_entry, own_mask, k, branches, focus_areas)


def benchmark_from_aggregates(
    aggregates: Mapping[AttributeKey, Aggregate],
    own: OwnOrganisation,
    *,
    own_entry: Entry | None = None,
    own_counted: bool = True,
    k: int = 5,
    groups: Sequence[PeerGroup] | None = None,
    branches: Sequence[str] = DEFAULT_BRANCHES,
    focus_areas: Sequence[str] | None = None,
) -> Benchmark:
    """`benchmark_for` from counts per (region, country, org_type, size_band) instead of rows.

    For the web layer at scale: the database groups the rows (e.g. SQL GROUP BY) and this
    merges a few hundred aggregates instead of reading every row. `own_entry` is the
    organisation's own row (for percentile ranks); `own_counted` says whether it is included
    in `aggregates` (False when the organisation does not take part in benchmarking).
    """
    chosen = list(dict.fromkeys(groups)) if groups is not None else peer_groups_for(own)
    membership = _Membership(chosen)
    cells: dict[int, Aggregate] = {}
    for key, agg in aggregates.items():
        mask = membership(key)
        if mask:
            cells.setdefault(mask, Aggregate()).add(agg)
    own_mask = membership(_key_of(own_entry)) if own_entry is not None and own_counted else 0
    return _benchmark(cells, chosen, own, own_entry, own_mask, k, branches, focus_areas)


def _benchmark(
    cells: Mapping[int, Aggregate],
    chosen: Sequence[PeerGroup],
    own: OwnOrganisation,
    own_entry: Entry | None,
    own_mask: int,
    k: int,
    branches: Sequence[str],
    focus_areas: Sequence[str] | None,
) -> Benchmark:
    if k < 1:
        raise ValueError("k must be at least 1")
    totals = [
        Aggregate.merged(agg for mask, agg in cells.items() if mask >> i & 1)
        for i in range(len(chosen))
    ]
    codes = (
        list(focus_areas)
        if focus_areas is not None
        else sorted({code for agg in cells.values() for code in agg.focus})
    )

    def hidden(reason: SuppressionReason) -> GroupSummary:
        return hidden_summary(reason, k=k, branches=branches, focus_areas=codes)

    # 1. groups: too small, then the differencing guard (largest first).
    summaries: dict[int, GroupSummary] = {}
    candidates = []
    for i, total in enumerate(totals):
        if total.n == 0:
            summaries[i] = hidden(no_data("no organisations"))
        elif total.n < k:
            summaries[i] = hidden(too_few(k))
        else:
            candidates.append(i)
    order = sorted(candidates, key=lambda i: (-totals[i].n, i))
    group_atoms = {mask: agg.n for mask, agg in cells.items()}
    shown, rejected = accept_greedily(group_atoms, order, k)
    for i in rejected:
        partner = partner_of(group_atoms, i, shown, k)
        summaries[i] = hidden(differencing(k, _label(chosen, partner)))
    for i in shown:
        summaries[i] = summarise_aggregate(
            totals[i],
            k=k,
            own=own_entry,
            own_in_group=bool(own_mask >> i & 1),
            branches=branches,
            focus_areas=codes,
        )
    # 2. the validated / self-assessed parts, with the groups themselves already shown.
    _guard_splits(cells, chosen, shown, summaries, k)
    # 3. each focus area's contributors (`shown` is in acceptance order: largest first).
    for code in codes:
        _guard_focus_area(cells, chosen, shown, summaries, code, k)

    return Benchmark(
        k=k,
        organisation_id=own.organisation_id,
        groups=tuple(GroupBenchmark(g, summaries[i]) for i, g in enumerate(chosen)),
    )


def _label(groups: Sequence[PeerGroup], index: int | None, part: str = "") -> str | None:
    if index is None:
        return None
    return f"{part}{groups[index].label}"


def _guard_splits(
    cells: Mapping[int, Aggregate],
    groups: Sequence[PeerGroup],
    shown: Sequence[int],
    summaries: dict[int, GroupSummary],
    k: int,
) -> None:
    width = len(groups)

    def v_bit(i: int) -> int:
        return width + 2 * i

    atoms: dict[int, int] = {}
    for mask, agg in cells.items():
        v_sig = s_sig = mask
        for i in range(width):
            if mask >> i & 1:
                v_sig |= 1 << v_bit(i)
                s_sig |= 1 << (v_bit(i) + 1)
        atoms[v_sig] = atoms.get(v_sig, 0) + agg.validated
        atoms[s_sig] = atoms.get(s_sig, 0) + agg.n - agg.validated
    order = []
    for i in shown:
        if summaries[i].validated.count.shown:
            order.append(v_bit(i))
        if summaries[i].self_assessed.count.shown:
            order.append(v_bit(i) + 1)
    if not order:
        return
    taken, rejected = accept_greedily(atoms, order, k, accepted=shown)

    def describe(bit: int | None) -> str | None:
        if bit is None:
            return None
        if bit < width:
            return groups[bit].label
        validated = (bit - width) % 2 == 0
        part = "the validated organisations of " if validated else "the self-assessed of "
        return _label(groups, (bit - width) // 2, part)

    for bit in rejected:
        i = (bit - width) // 2
        reason = differencing(k, describe(partner_of(atoms, bit, [*shown, *taken], k)))
        if (bit - width) % 2 == 0:
            summaries[i] = replace(summaries[i], validated=hidden_split(reason))
        else:
            summaries[i] = replace(summaries[i], self_assessed=hidden_split(reason))


def _guard_focus_area(
    cells: Mapping[int, Aggregate],
    groups: Sequence[PeerGroup],
    shown: Sequence[int],
    summaries: dict[int, GroupSummary],
    code: str,
    k: int,
) -> None:
    order = [i for i in shown if summaries[i].focus_areas[code].count.shown]
    if len(order) < 2:
        return
    atoms: dict[int, int] = {}
    for mask, agg in cells.items():
        atoms[mask] = atoms.get(mask, 0) + agg.focus_n(code)
    taken, rejected = accept_greedily(atoms, order, k)
    for i in rejected:
        partner = partner_of(atoms, i, taken, k)
        reason = differencing(k, _label(groups, partner, f"{code} in "))
        focus = dict(summaries[i].focus_areas)
        focus[code] = hidden_value_summary(reason)
        summaries[i] = replace(summaries[i], focus_areas=focus)
