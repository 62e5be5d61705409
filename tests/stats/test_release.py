"""Releases (diam.stats.release): one frozen population, batches of changes, safe over time.

The property tests play sequences of what an attacker can cause (submit, resubmit, reopen to an
earlier result, opt out and back in, settings changes, validation, new organisations) and judge
every release against all earlier ones with the exact oracle: no combination of any shown
figures of any releases may isolate fewer than k organisations.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diam.stats import (
    GLOBAL,
    STAGE,
    VALIDATED_GROUP,
    Band,
    Entry,
    GroupRecord,
    PeerGroup,
    Reason,
    Record,
    Release,
    StageFigures,
    TimePoint,
    cut_release,
    families_of,
    over_time,
    programme_statistics,
    view_for,
)
from tests.stats.oracle import release_leak

CODES = ("AA",)
REGION_OF = {"A1": "North", "A2": "North", "B1": "South"}


def row(org: int, *, stage: int = 3, country: str = "A1", **extra) -> Entry:
    fields = {
        "organisation_id": org,
        "stage": stage,
        "core_stage": min(stage, 4),
        "branches": frozenset(),
        "focus_areas": {"AA": 12.5 * stage},
        "validated": False,
        "region": REGION_OF.get(country, "North"),
        "country": country,
        "org_type": "hospital",
        "size_band": "large",
        "assessed_on": date(2025, 1, 1),
    }
    fields.update(extra)
    return Entry(**fields)


def cut(releases: list[Release], live: list[Entry], k: int = 5) -> Release:
    release = cut_release(
        number=len(releases) + 1,
        live=live,
        history=[r.published() for r in releases],
        k=k,
        focus_areas=CODES,
        previous=releases[-1] if releases else None,
    )
    releases.append(release)
    return release


# --- one release ----------------------------------------------------------------------------------


def test_a_first_release_hides_small_groups_with_one_message_and_their_complements() -> None:
    live = [row(i, country="B1") for i in range(10)]
    live += [row(100 + i, country="A1") for i in range(8)]
    live += [row(200 + i, country="A2") for i in range(3)]
    release = cut([], live)
    assert release.record(GLOBAL).stage.shown
    assert release.record(PeerGroup(country="B1")).stage.shown
    a2 = release.record(PeerGroup(country="A2")).stage
    nowhere = release.record(PeerGroup(country="ZZ")).stage  # no organisation at all
    assert not a2.shown and a2.reason == nowhere.reason and a2.reason is not None
    assert a2.reason.message == "fewer than 5 organisations"
    # All minus B1 minus A1 would give A2's 3 back: A1 is hidden too.
    a1 = release.record(PeerGroup(country="A1")).stage
    assert not a1.shown and a1.reason is not None and a1.reason.code.value == "differencing"


def test_every_shown_figure_has_an_n_of_at_least_k() -> None:
    live = [row(i, stage=i % 6, country=("A1", "A2", "B1")[i % 3]) for i in range(40)]
    release = cut([], live)
    for grec in release.groups.values():
        for record in grec.records.values():
            for name, figure in record.figures.figures():
                if figure.shown:
                    assert figure.n is not None and figure.n >= 5, (grec.group.key, name)


def test_records_round_trip_through_json() -> None:
    live = [row(i, stage=i % 6, validated=i % 2 == 0) for i in range(20)]
    release = cut([], live)
    for key, grec in release.groups.items():
        assert GroupRecord.from_json(key, grec.to_json()) == grec


def test_the_split_is_for_all_organisations_only() -> None:
    live = [row(i, validated=i < 6) for i in range(20)]
    release = cut([], live)
    split = release.split
    assert split.shown and split.figures.validated.count.value == 6
    assert release.groups[VALIDATED_GROUP.key].group == VALIDATED_GROUP


# --- over time ------------------------------------------------------------------------------------


def test_a_change_of_fewer_than_k_organisations_is_held_back_and_figures_stay() -> None:
    releases: list[Release] = []
    live = [row(i, stage=2) for i in range(12)]
    first = cut(releases, live)
    live[0] = replace(live[0], stage=6, core_stage=4, branches=frozenset("AB"))
    second = cut(releases, live)
    assert second.held_back == 1
    assert second.population == first.population
    record = second.record(GLOBAL).stage
    assert record.since == 1 and record.figures == first.record(GLOBAL).stage.figures


def test_k_changes_are_released_together() -> None:
    releases: list[Release] = []
    live = [row(i, stage=2) for i in range(12)]
    cut(releases, live)
    for i in range(5):
        live[i] = replace(live[i], stage=3, focus_areas={"AA": 37.5})
    second = cut(releases, live)
    assert second.held_back == 0
    record = second.record(GLOBAL).stage
    assert record.since == 2 and isinstance(record.figures, StageFigures)
    assert record.figures.distribution[3].value == 5


def test_an_organisation_that_opts_out_leaves_once_it_can_leave_unseen() -> None:
    releases: list[Release] = []
    live = [row(i) for i in range(14)]
    cut(releases, live)
    gone = live.pop(0)  # opts out: its row stays frozen until it can leave safely
    second = cut(releases, live)
    assert gone in second.population and second.held_back == 1
    for i in range(4):
        live[i] = replace(live[i], stage=5, core_stage=4, branches=frozenset("A"))
        live[i] = replace(live[i], focus_areas={"AA": 62.5})
    third = cut(releases, live)  # five changed, but only four with a new row: 1..k-1
    assert gone in third.population and third.held_back == 5
    live[4] = replace(live[4], stage=6, core_stage=4, branches=frozenset("AB"))
    live[4] = replace(live[4], focus_areas={"AA": 75.0})
    fourth = cut(releases, live)  # five new rows and six changed: all go together
    assert gone not in fourth.population and fourth.held_back == 0


def test_organisations_leaving_together_leave_at_once() -> None:
    releases: list[Release] = []
    live = [row(i) for i in range(14)]
    cut(releases, live)
    second = cut(releases, live[5:])  # five opt out at once: no new row, five old ones
    assert second.held_back == 0 and len(second.population) == 9


def test_a_release_number_must_grow_and_rows_must_be_unique() -> None:
    releases: list[Release] = []
    cut(releases, [row(i) for i in range(6)])
    with pytest.raises(ValueError, match="larger"):
        cut_release(number=1, live=[], history=[releases[0].published()])
    with pytest.raises(ValueError, match="one row per organisation"):
        cut_release(number=1, live=[row(1), row(1)])


# --- what a viewer sees -------------------------------------------------------------------------


def test_a_viewer_gets_its_groups_and_bands_from_its_own_live_values() -> None:
    live = [row(i, stage=i % 8, focus_areas={"AA": 10.0 * (i % 10)}) for i in range(30)]
    release = cut([], live)
    own = replace(live[0], stage=7, focus_areas={"AA": 95.0})
    views = view_for(release, own, own)
    assert views[0].group == GLOBAL and views[0].shown
    assert views[0].stage_band.value == Band.HIGHEST
    assert views[0].area_bands["AA"].value == Band.HIGHEST
    nobody = view_for(release, own, None)
    assert not nobody[0].stage_band.shown


def test_programme_statistics_list_only_shown_places() -> None:
    live = [row(i, country="B1") for i in range(10)]
    live += [row(100 + i, country="A1") for i in range(8)]
    live += [row(200 + i, country="A2") for i in range(3)]
    stats = programme_statistics(cut([], live))
    assert [r.group.country for r in stats.by_country] == ["B1"]
    assert stats.overall.shown and stats.release == 1


def test_over_time_takes_the_last_release_of_each_period() -> None:
    record = Record(StageFigures.__new__(StageFigures), 1)
    points = [
        TimePoint(1, date(2025, 1, 31), record, 5),
        TimePoint(2, date(2025, 2, 28), record, 5),
        TimePoint(3, date(2025, 4, 30), record, 5),
        TimePoint(4, date(2026, 1, 31), record, 5),
    ]
    assert [(r.period, r.point.release) for r in over_time(points, "year")] == [
        ("2025", 3),
        ("2026", 4),
    ]
    assert [(r.period, r.point.release) for r in over_time(points, "quarter")] == [
        ("2025-Q1", 2),
        ("2025-Q2", 3),
        ("2026-Q1", 4),
    ]


def test_over_time_hides_whole_a_point_cut_under_a_smaller_k() -> None:
    small = [row(i, stage=i % 8) for i in range(4)]
    early = cut([], small, k=3)
    late = cut([early], [*small, *(row(100 + i, stage=i % 8) for i in range(10))], k=3)
    assert early.record(GLOBAL).stage.shown and late.record(GLOBAL).stage.shown
    points = [
        TimePoint(1, date(2024, 6, 1), early.record(GLOBAL).stage, 3),
        TimePoint(2, date(2025, 6, 1), late.record(GLOBAL).stage, 5),
    ]
    # Held to the k they were cut with, both show; held to 5, the one cut under 3 shows nothing
    # (its n of 4 is below 5) and keeps its k and release for the reader.
    assert [r.point.overall.shown for r in over_time(points, "year")] == [True, True]
    assert [r.point.overall.shown for r in over_time(points, "year", k=3)] == [True, True]
    held = over_time(points, "year", k=5)
    assert [r.point.overall.shown for r in held] == [False, True]
    first = held[0].point
    assert (first.release, first.k) == (1, 3) and held[1].point is points[1]
    figures = first.overall.figures
    assert isinstance(figures, StageFigures)
    assert all(not f.shown and f.n is None for _, f in figures.figures())
    assert first.overall.reason is not None and first.overall.reason.code == Reason.EARLIER_K


# --- the attacker's sequences, judged by the exact oracle ---------------------------------------


@st.composite
def sequences(draw: st.DrawFn) -> tuple[list[Entry], list[list[tuple[str, int, int]]]]:
    size = draw(st.integers(6, 11))
    start = [
        row(
            i,
            stage=draw(st.integers(0, 3)),
            country=draw(st.sampled_from(sorted(REGION_OF))),
            org_type=draw(st.sampled_from(["hospital", "centre"])),
            size_band=draw(st.sampled_from(["small", "large", "unknown"])),
            validated=draw(st.booleans()),
            focus_areas={"AA": draw(st.sampled_from([None, 10.0, 20.0, 30.0]))},
        )
        for i in range(size)
    ]
    steps = draw(st.integers(2, 6))
    events = st.tuples(
        st.sampled_from(["submit", "reopen", "optout", "optin", "move", "validate", "join"]),
        st.integers(0, 30),
        st.integers(0, 3),
    )
    return start, [draw(st.lists(events, min_size=1, max_size=4)) for _ in range(steps)]


def play(
    live: dict[int, Entry], history: dict[int, list[Entry]], events: list[tuple[str, int, int]]
) -> None:
    """Apply what the attacker causes (each organisation remembers its earlier rows)."""
    for action, who, value in events:
        ids = sorted(live)
        if action == "join" or not ids:
            new = max([*history, 99]) + 1
            live[new] = row(new, stage=value, country=sorted(REGION_OF)[who % 3])
            history[new] = [live[new]]
            continue
        org = ids[who % len(ids)]
        current = live[org]
        if action == "submit":
            live[org] = replace(
                current, stage=value, core_stage=value, focus_areas={"AA": 10.0 * value}
            )
        elif action == "reopen" and len(history[org]) > 1:
            live[org] = history[org][-2]  # back to the previous submission
        elif action == "reopen" or action == "optout":
            del live[org]
        elif action == "move":
            country = sorted(REGION_OF)[value % 3]
            live[org] = replace(current, country=country, region=REGION_OF[country])
        elif action == "validate":
            live[org] = replace(current, validated=not current.validated)
        if org in live:
            history.setdefault(org, []).append(live[org])
    for org, rows in history.items():
        if org not in live and rows and any(a == "optin" for a, w, _ in events if w % 7 == org % 7):
            live[org] = rows[-1]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(sequences())
def test_no_sequence_of_changes_lets_any_releases_isolate_fewer_than_k(case) -> None:
    start, steps = case
    k = 3  # small populations: k = 3 leaves figures to attack
    live = {e.organisation_id: e for e in start}
    history = {org: [e] for org, e in live.items()}
    releases: list[Release] = []
    for events in [[], *steps]:
        play(live, history, events)
        cut(releases, list(live.values()), k=k)
        for family in families_of(CODES):
            found = release_leak(releases, family, k)
            assert found is None, (len(releases), family, found)
        if len(releases) > 1:  # a group shown stays shown while it has k (changes wait)
            before, now = releases[-2], releases[-1]
            for key in before.shown(STAGE):
                members = [e for e in now.population if before.groups[key].group.contains(e)]
                if len(members) >= k:
                    assert key in now.shown(STAGE), key
