"""Benchmark releases: figures over a frozen population, safe across pages and over time (pure).

A release publishes figures for every peer group any viewer can open (`peer_groups_for` over
the attributes of every organisation), for the validated part of all organisations
(`VALIDATED_GROUP`, the validated / self-assessed split), and for every *family* of figures:
the stage figures, and each focus area (over the organisations with a value for it).

`cut_release(number=, live=, history=, viewers=, k=)` computes release `number` from the live
rows (each organisation's latest counted result) and the earlier releases (`Published`: their
frozen populations and which groups each family showed). Rules (docs/benchmarks.md §4):

1. **One frozen population per release.** Every figure of a release is computed over the same
   rows: the previous release's rows with a *batch* of changes applied (organisations that
   entered, left, or changed their result or attributes). Changes that cannot be released
   safely are held back for a later release; their organisations keep their earlier rows.
2. **Safe against every earlier release.** Anyone may combine the figures of all releases, so
   the release is checked against each earlier one j: split the rows into those equal in j
   and now (U), their versions in j that changed (O), and their versions now (N). Any
   combination of figures of j and now is, on U, a combination of the groups of j and now; on
   O, of the groups of j; on N, of the groups of now. If none of these three families can
   isolate 1..k-1 organisations (`diam.stats.guard`), no combination of the two releases
   can. The batch is cut down until O and U pass with the groups of j; then groups are
   accepted (those shown before first, largest first) while U and N still pass. So a group's
   figures change only when at least k of its organisations changed (the O and N checks),
   and no group of this release combines with any earlier one to isolate fewer than k.
3. **One guard over the release.** Within the release, every shown group is checked together
   with all others (the same check, over all rows, for the first release; later releases
   are covered by U and N).

A group's figures unchanged since an earlier release carry that release's number (`since`),
shown as "unchanged since release N".
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from diam.stats.figures import Figure, Reason, SuppressionReason, too_few
from diam.stats.figuresets import (
    AreaFigures,
    Band,
    SplitPair,
    StageFigures,
    area_figures,
    area_from_json,
    area_to_json,
    hidden_area,
    hidden_pair,
    hidden_stage,
    own_band,
    pair_from_json,
    pair_to_json,
    split_figures,
    stage_figures,
    stage_from_json,
    stage_to_json,
)
from diam.stats.groups import (
    DEFAULT_BRANCHES,
    GLOBAL,
    VALIDATED_GROUP,
    Entry,
    PeerAttributes,
    PeerGroup,
    peer_groups_for,
)
from diam.stats.guard import NO, YES, AttrKey, family_leaks, release_guard
from diam.stats.summary import Aggregate

STAGE = "stage"
AREA_PREFIX = "area:"

Figures = StageFigures | AreaFigures | SplitPair


def area_family(code: str) -> str:
    return f"{AREA_PREFIX}{code}"


def families_of(focus_areas: Sequence[str]) -> list[str]:
    return [STAGE, *(area_family(code) for code in focus_areas)]


def attrs_of(org: PeerAttributes) -> AttrKey:
    validated = YES if getattr(org, "validated", False) else NO
    return (org.region, org.country, org.org_type, org.size_band, validated)


def contribution(family: str, e: Entry) -> Hashable | None:
    """What an organisation contributes to a family's figures (None: nothing)."""
    if family == STAGE:
        return (e.stage, e.core_stage, tuple(sorted(e.branches)), e.validated)
    value = e.focus_areas.get(family.removeprefix(AREA_PREFIX))
    return None if value is None else float(value)


def signature(e: Entry, focus_areas: Sequence[str]) -> Hashable:
    """Everything of a row that figures depend on (a change of it is a change to release)."""
    areas = tuple(contribution(area_family(code), e) for code in focus_areas)
    return (attrs_of(e), contribution(STAGE, e), areas)


def differencing_reason(k: int) -> SuppressionReason:
    return SuppressionReason(
        Reason.DIFFERENCING,
        "hidden because, combined with other figures published in this or an earlier "
        f"release, it would reveal figures about fewer than {k} organisations",
    )


# --- records -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Record:
    """One family of figures of one group in a release: shown (since which release) or why not."""

    figures: Figures
    since: int | None = None  # the release these same figures were first published in
    reason: SuppressionReason | None = None

    @property
    def shown(self) -> bool:
        return self.since is not None

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"since": self.since}
        if isinstance(self.figures, StageFigures):
            data["stage"] = stage_to_json(self.figures)
        elif isinstance(self.figures, AreaFigures):
            data["area"] = area_to_json(self.figures)
        else:
            data["split"] = pair_to_json(self.figures)
        if self.reason is not None:
            data["r"] = [self.reason.code.value, self.reason.message]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Record:
        figures: Figures
        if "stage" in data:
            figures = stage_from_json(data["stage"])  # type: ignore[arg-type]
        elif "area" in data:
            figures = area_from_json(data["area"])  # type: ignore[arg-type]
        else:
            figures = pair_from_json(data["split"])  # type: ignore[arg-type]
        reason = None
        raw = data.get("r")
        if isinstance(raw, list):
            reason = SuppressionReason(Reason(raw[0]), str(raw[1]))
        since = data.get("since")
        assert since is None or isinstance(since, int)
        return cls(figures, since, reason)


@dataclass(frozen=True, slots=True)
class GroupRecord:
    """Every family of one group in a release."""

    group: PeerGroup
    records: Mapping[str, Record]

    @property
    def stage(self) -> Record:
        return self.records[STAGE]

    def area(self, code: str) -> Record:
        return self.records[area_family(code)]

    def to_json(self) -> dict[str, object]:
        return {name: record.to_json() for name, record in self.records.items()}

    @classmethod
    def from_json(cls, key: str, data: Mapping[str, Mapping[str, object]]) -> GroupRecord:
        return cls(group_of_key(key), {name: Record.from_json(r) for name, r in data.items()})


def group_of_key(key: str) -> PeerGroup:
    """The group with this key (`global`, `country=NL&org_type=hospital`, `validated=yes`)."""
    if key == GLOBAL.key:
        return GLOBAL
    if key == VALIDATED_GROUP.key:
        return VALIDATED_GROUP
    fields: dict[str, str] = {}
    for part in key.split("&"):
        name, _, value = part.partition("=")
        if name not in ("region", "country", "org_type", "size_band") or not value:
            raise ValueError(f"not a peer group key: {key}")
        fields[name] = value
    return PeerGroup(
        region=fields.get("region"),
        country=fields.get("country"),
        org_type=fields.get("org_type"),
        size_band=fields.get("size_band"),
    )


def hidden_group(
    group: PeerGroup,
    reason: SuppressionReason,
    branches: Sequence[str],
    focus_areas: Sequence[str],
) -> GroupRecord:
    """A group with every figure hidden for `reason`."""
    if group == VALIDATED_GROUP:
        return GroupRecord(group, {STAGE: Record(hidden_pair(reason), None, reason)})
    records = {STAGE: Record(hidden_stage(reason, branches), None, reason)}
    for code in focus_areas:
        records[area_family(code)] = Record(hidden_area(_area_reason(reason, code)), None, reason)
    return GroupRecord(group, records)


def _area_reason(reason: SuppressionReason, code: str) -> SuppressionReason:
    if reason.code == Reason.TOO_FEW and reason.message.endswith(" organisations"):
        return SuppressionReason(Reason.TOO_FEW, f"{reason.message} with a value for {code}")
    return reason


@dataclass(frozen=True)
class Release:
    """A cut release: its frozen rows, and a record for every group it knows."""

    number: int
    k: int
    branches: tuple[str, ...]
    focus_areas: tuple[str, ...]
    population: tuple[Entry, ...]  # the frozen rows every figure is computed over
    groups: Mapping[str, GroupRecord] = field(default_factory=dict)
    held_back: int = 0  # live changes not released yet (for the programme's pages)

    @property
    def organisations(self) -> int:
        return len(self.population)

    def record(self, group: PeerGroup) -> GroupRecord:
        """The group's records; a group the release does not know is hidden as too small."""
        found = self.groups.get(group.key)
        if found is not None:
            return found
        return hidden_group(group, too_few(self.k), self.branches, self.focus_areas)

    @property
    def split(self) -> Record:
        """The validated / self-assessed split of all organisations."""
        return self.record(VALIDATED_GROUP).stage

    def shown(self, family: str) -> frozenset[str]:
        """The keys of the groups whose figures of `family` are shown."""
        return frozenset(
            key
            for key, grec in self.groups.items()
            if family in grec.records and grec.records[family].shown
        )

    def published(self) -> Published:
        families = families_of(self.focus_areas)
        return Published(self.number, self.population, {f: self.shown(f) for f in families})


@dataclass(frozen=True)
class Published:
    """What the cut needs of an earlier release: its frozen rows and the groups it showed."""

    number: int
    population: Sequence[Entry]
    shown: Mapping[str, frozenset[str]]  # family -> group keys


# --- the cut -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _AttrsView:
    region: str
    country: str
    org_type: str
    size_band: str
    validated: bool


def _view(key: AttrKey) -> _AttrsView:
    return _AttrsView(key[0], key[1], key[2], key[3], key[4] == YES)


class _Members:
    """Which known groups rows with some attributes are in (memoised)."""

    def __init__(self, groups: Iterable[PeerGroup]) -> None:
        self.groups = list(groups)
        self._memo: dict[AttrKey, tuple[str, ...]] = {}

    def of(self, key: AttrKey) -> tuple[str, ...]:
        found = self._memo.get(key)
        if found is None:
            view = _view(key)
            found = self._memo[key] = tuple(g.key for g in self.groups if g.contains(view))
        return found


def _atoms(rows: Iterable[Entry], family: str) -> Counter[AttrKey]:
    return Counter(attrs_of(e) for e in rows if contribution(family, e) is not None)


def _all_atoms(rows: Iterable[Entry], focus_areas: Sequence[str]) -> dict[str, Counter[AttrKey]]:
    """Every family's atoms in one pass over the rows."""
    out: dict[str, Counter[AttrKey]] = {STAGE: Counter()}
    areas = [(code, out.setdefault(area_family(code), Counter())) for code in focus_areas]
    stage = out[STAGE]
    for e in rows:
        key = attrs_of(e)
        stage[key] += 1
        values = e.focus_areas
        for code, counter in areas:
            if values.get(code) is not None:
                counter[key] += 1
    return out


@dataclass
class _Classes:
    """The rows of an earlier release j and now, split for one family (module docstring)."""

    same: Counter[AttrKey]  # U: equal in j and now
    old: Counter[AttrKey]  # O: their versions in j that changed or left
    new: Counter[AttrKey]  # N: their versions now that changed or entered


def _order(groups: Iterable[PeerGroup], size: Mapping[str, int]) -> list[PeerGroup]:
    """Largest first, so the smaller, more specific group is the one hidden; the split last."""
    return sorted(
        groups,
        key=lambda g: (g == VALIDATED_GROUP, -size.get(g.key, 0), len(g.dimensions), g.key),
    )


def viewable_groups(
    population: Iterable[PeerAttributes], viewers: Iterable[PeerAttributes] = ()
) -> list[PeerGroup]:
    """Every group any organisation can open (`peer_groups_for` over all their attributes),
    and the validated part of everyone."""
    seen: set[tuple[str, str, str, str]] = set()
    groups: dict[str, PeerGroup] = {GLOBAL.key: GLOBAL, VALIDATED_GROUP.key: VALIDATED_GROUP}
    for org in [*population, *viewers]:
        attrs = (org.region, org.country, org.org_type, org.size_band)
        if attrs in seen:
            continue
        seen.add(attrs)
        for g in peer_groups_for(org):
            groups.setdefault(g.key, g)
    return [groups[key] for key in sorted(groups)]


class _Earlier:
    """One earlier release as the cut compares with it: rows, atoms, and what differs."""

    def __init__(
        self,
        published: Published,
        families: Sequence[str],
        frozen: Mapping[int, Entry],
        focus_areas: Sequence[str],
    ) -> None:
        self.rows = {e.organisation_id: e for e in published.population}
        self.groups = {
            fam: [group_of_key(key) for key in sorted(published.shown.get(fam, ()))]
            for fam in families
        }
        self.atoms = _all_atoms(
            published.population, [f.removeprefix(AREA_PREFIX) for f in families if f != STAGE]
        )
        # Organisations whose row differs between this release and the previous one.
        self.differs = {
            org
            for org in self.rows.keys() | frozen.keys()
            if _differs(self.rows.get(org), frozen.get(org), focus_areas)
        }

    def classes(
        self, fam: str, pending: set[int], now: Mapping[int, Entry]
    ) -> tuple[Counter[AttrKey], Counter[AttrKey], Counter[AttrKey]]:
        """U, O, N between this release and `now` (module docstring) for one family."""
        same = Counter(self.atoms[fam])
        old: Counter[AttrKey] = Counter()
        new: Counter[AttrKey] = Counter()
        for org in self.differs | pending:
            before, after = self.rows.get(org), now.get(org)
            b = None if before is None else contribution(fam, before)
            a = None if after is None else contribution(fam, after)
            b_key = None if before is None or b is None else attrs_of(before)
            a_key = None if after is None or a is None else attrs_of(after)
            if (b_key, b) == (a_key, a):
                continue
            if b_key is not None:
                same[b_key] -= 1
                old[b_key] += 1
            if a_key is not None:
                new[a_key] += 1
        return +same, old, new


def _differs(before: Entry | None, after: Entry | None, focus_areas: Sequence[str]) -> bool:
    """Whether two rows of one organisation differ in anything a figure depends on."""
    if before is None or after is None:
        return before is not after
    if (
        before.stage != after.stage
        or before.core_stage != after.core_stage
        or before.branches != after.branches
        or before.validated != after.validated
        or before.region != after.region
        or before.country != after.country
        or before.org_type != after.org_type
        or before.size_band != after.size_band
    ):
        return True
    if before.focus_areas == after.focus_areas:
        return False
    return signature(before, focus_areas) != signature(after, focus_areas)


class _Cut:
    def __init__(
        self,
        history: Sequence[Published],
        families: Sequence[str],
        frozen: Mapping[int, Entry],
        focus_areas: Sequence[str],
        k: int,
    ) -> None:
        self.families = list(families)
        self.k = k
        self.earlier = [_Earlier(p, families, frozen, focus_areas) for p in history]

    def culprits(self, pending: set[int], now: Mapping[int, Entry]) -> list[PeerGroup]:
        """Earlier releases' groups that the changes in `now` expose: checks O and U, and N
        with the previous release's groups (so that a batch does not hide a shown group: its
        changes wait instead)."""
        last = self.earlier[-1].groups if self.earlier else {}
        for fam in self.families:
            for earlier in self.earlier:
                shown = earlier.groups[fam]
                if not shown:
                    continue
                same, old, new = earlier.classes(fam, pending, now)
                both = sorted({*shown, *last[fam]}, key=lambda g: g.key)
                for part, groups in ((old, shown), (same, both), (new, last[fam])):
                    if groups and family_leaks(part, groups, self.k):
                        shown = groups
                        size: Counter[str] = Counter()
                        members = _Members(shown)
                        for key, w in part.items():
                            for gk in members.of(key):
                                size[gk] += w
                        checked = release_guard(part, _order(shown, size), self.k)
                        return list(checked.rejected) or list(shown)
        return []

    def accept(
        self,
        now: Mapping[int, Entry],
        now_atoms: Counter[AttrKey],
        pending: set[int],
        fam: str,
        previous: Sequence[PeerGroup],
        new: Sequence[PeerGroup],
    ) -> list[PeerGroup]:
        """The candidates (previously shown first) that stay safe against every earlier release."""
        checks: list[tuple[Counter[AttrKey], list[PeerGroup]]] = []
        for earlier in self.earlier:
            same, _, changed = earlier.classes(fam, pending, now)
            checks.append((same, earlier.groups[fam]))
            checks.append((changed, []))
        if not self.earlier:
            checks.append((now_atoms, []))
        accepted: list[PeerGroup] = []
        pending_groups = [*previous, *new]
        i, step = 0, len(pending_groups)
        while i < len(pending_groups):
            chunk = pending_groups[i : i + step]
            if not any(
                family_leaks(atoms, [*base, *accepted, *chunk], self.k) for atoms, base in checks
            ):
                accepted.extend(chunk)
                i += len(chunk)
                step *= 2
            elif len(chunk) == 1:
                i += 1
                step = 1
            else:
                step = max(1, len(chunk) // 2)
        return accepted


def cut_release(
    *,
    number: int,
    live: Sequence[Entry],
    history: Sequence[Published] = (),
    viewers: Iterable[PeerAttributes] = (),
    k: int = 5,
    branches: Sequence[str] = DEFAULT_BRANCHES,
    focus_areas: Sequence[str] = (),
    previous: Release | None = None,
) -> Release:
    """Release `number` from the `live` rows (module docstring).

    `history` are the earlier releases to be safe against (oldest first, ideally all; the last
    one is the previous release, whose frozen rows the batch of changes is applied to).
    `previous` (optional) is that release itself, to carry `since` over for unchanged figures.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    if history and history[-1].number >= number:
        raise ValueError("a release number must be larger than the previous one")
    if len({e.organisation_id for e in live}) != len(live):
        raise ValueError("a release takes one row per organisation")
    families = families_of(focus_areas)
    live_rows = {e.organisation_id: e for e in live}
    frozen = {e.organisation_id: e for e in history[-1].population} if history else {}
    cut = _Cut(history, families, frozen, focus_areas, k)

    # 1. The batch: every change, cut down until no earlier release's groups are exposed.
    changes = {
        org
        for org in frozen.keys() | live_rows.keys()
        if _differs(frozen.get(org), live_rows.get(org), focus_areas)
    }
    pending = set(changes)
    while True:
        now = {org: e for org, e in frozen.items() if org not in pending}
        now.update({org: live_rows[org] for org in pending if org in live_rows})
        if not pending:
            break
        culprits = cut.culprits(pending, now)
        if not culprits:
            break
        # Hold back the changes of the organisations in those groups (before or after).
        in_culprits = _Members(culprits)
        touching = {
            org
            for org in pending
            for row in (frozen.get(org), live_rows.get(org))
            if row is not None and in_culprits.of(attrs_of(row))
        }
        pending -= touching or set(pending)
    rows = sorted(now.values(), key=lambda e: e.organisation_id)

    # 2. The groups, per family: those shown before first (so figures stay), largest first.
    groups = viewable_groups(rows, viewers)
    members = _Members(groups)
    member_rows: dict[str, list[Entry]] = defaultdict(list)
    for e in rows:
        for gk in members.of(attrs_of(e)):
            member_rows[gk].append(e)
    # One aggregate per group (counts per stage, branch and focus-area value), in C-level passes.
    aggregates = {g.key: Aggregate.of(member_rows[g.key]) for g in groups}
    everyone = aggregates[GLOBAL.key]
    before = history[-1].shown if history else {}
    now_atoms = _all_atoms(rows, focus_areas) if not history else {}
    shown: dict[str, set[str]] = {}
    for fam in families:
        code = fam.removeprefix(AREA_PREFIX)
        size: Counter[str] = Counter(
            {key: agg.n if fam == STAGE else agg.focus_n(code) for key, agg in aggregates.items()}
        )
        eligible = [
            g
            for g in groups
            if size[g.key] >= k
            and (fam == STAGE or (g != VALIDATED_GROUP and g.key in shown[STAGE]))
        ]
        was = before.get(fam, frozenset())
        accepted = cut.accept(
            now,
            now_atoms.get(fam, Counter()),
            pending,
            fam,
            _order([g for g in eligible if g.key in was], size),
            _order([g for g in eligible if g.key not in was], size),
        )
        shown[fam] = {g.key for g in accepted}

    # 3. Figures and records.
    records: dict[str, GroupRecord] = {}
    for g in groups:
        recs: dict[str, Record] = {}
        for fam in families:
            if fam != STAGE and g == VALIDATED_GROUP:
                continue
            if g.key in shown[fam]:
                figures = _figures(g, fam, aggregates[g.key], everyone, k, branches)
                since = number
                if previous is not None:
                    old = previous.groups.get(g.key)
                    old_rec = old.records.get(fam) if old is not None else None
                    if (
                        old_rec is not None
                        and old_rec.since is not None
                        and old_rec.figures == figures
                    ):
                        since = old_rec.since
                recs[fam] = Record(figures, since)
            else:
                agg = aggregates[g.key]
                contributors = agg.n if fam == STAGE else agg.focus_n(fam.removeprefix(AREA_PREFIX))
                if fam != STAGE and g.key not in shown[STAGE]:
                    reason = recs[STAGE].reason or too_few(k)
                elif contributors < k:
                    reason = too_few(k)
                else:
                    reason = differencing_reason(k)
                recs[fam] = _hidden(g, fam, reason, k, branches)
        records[g.key] = GroupRecord(g, recs)
    return Release(
        number=number,
        k=k,
        branches=tuple(branches),
        focus_areas=tuple(focus_areas),
        population=tuple(rows),
        groups=records,
        held_back=len(changes - pending),
    )


def _figures(
    g: PeerGroup,
    fam: str,
    agg: Aggregate,
    everyone: Aggregate,
    k: int,
    branches: Sequence[str],
) -> Figures:
    if g == VALIDATED_GROUP:
        return split_figures(everyone, k)
    if fam == STAGE:
        return stage_figures(agg, k=k, branches=branches)
    code = fam.removeprefix(AREA_PREFIX)
    return area_figures(agg.focus.get(code, {}), k=k, code=code)


def _hidden(
    g: PeerGroup, fam: str, reason: SuppressionReason, k: int, branches: Sequence[str]
) -> Record:
    if g == VALIDATED_GROUP:
        if reason.code == Reason.TOO_FEW:
            reason = too_few(k, "validated organisations, or fewer than that self-assessed")
        return Record(hidden_pair(reason), None, reason)
    if fam == STAGE:
        return Record(hidden_stage(reason, branches), None, reason)
    reason = _area_reason(reason, fam.removeprefix(AREA_PREFIX))
    return Record(hidden_area(reason), None, reason)


# --- what a viewer sees -------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupView:
    """One of a viewer's peer groups in a release, with the viewer's own bands."""

    group: PeerGroup
    record: GroupRecord
    stage: StageFigures
    stage_band: Figure[Band]
    areas: Mapping[str, AreaFigures]
    area_bands: Mapping[str, Figure[Band]]

    @property
    def shown(self) -> bool:
        return self.record.stage.shown

    @property
    def reason(self) -> SuppressionReason | None:
        return self.record.stage.reason


def view_for(release: Release, attrs: PeerAttributes, own: Entry | None) -> list[GroupView]:
    """A viewer's groups (`peer_groups_for(attrs)`) with its own live values as bands."""
    out = []
    for group in peer_groups_for(attrs):
        grec = release.record(group)
        figures = grec.stage.figures
        assert isinstance(figures, StageFigures)
        areas: dict[str, AreaFigures] = {}
        bands: dict[str, Figure[Band]] = {}
        for code in release.focus_areas:
            af = grec.area(code).figures
            assert isinstance(af, AreaFigures)
            areas[code] = af
            value = own.focus_areas.get(code) if own is not None else None
            bands[code] = own_band(value, af.p25, af.median, af.p75, release.k)
        stage_value = float(own.stage) if own is not None else None
        out.append(
            GroupView(
                group=group,
                record=grec,
                stage=figures,
                stage_band=own_band(
                    stage_value, figures.p25, figures.median, figures.p75, release.k
                ),
                areas=areas,
                area_bands=bands,
            )
        )
    return out
