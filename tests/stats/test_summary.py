"""One group's figures and the per-figure rules (summarise)."""

from __future__ import annotations

import statistics

import pytest

from diam.stats import Reason, summarise
from tests.stats.population import make_entries, make_entry


def test_every_figure_of_a_large_enough_group_is_shown_with_its_n() -> None:
    entries = [make_entry(stage=s % 5, focus_areas={"AA": 10.0 * s}) for s in range(20)]
    summary = summarise(entries)
    assert summary.organisations.value == 20 and summary.organisations.n == 20
    stages = [e.stage for e in entries]
    assert summary.stage.mean.value == round(statistics.mean(stages), 2)
    assert summary.stage.median.value == statistics.median(stages)
    aa = summary.focus_areas["AA"]
    values = [e.focus_areas["AA"] for e in entries]
    p25, p50, p75 = statistics.quantiles(values, n=4, method="inclusive")
    assert (aa.p25.value, aa.median.value, aa.p75.value) == (p25, p50, p75)
    assert (aa.minimum.value, aa.maximum.value, aa.mean.value) == (0.0, 190.0, 95.0)
    assert all(f.n == 20 for _, f in summary.figures() if f.shown and f is not aa.own_percentile)


def test_a_group_of_fewer_than_k_hides_every_figure_and_not_its_size() -> None:
    summary = summarise(make_entries(4))
    for path, figure in summary.figures():
        assert not figure.shown, path
        assert figure.n is None and figure.value is None
        assert figure.suppressed is not None and figure.suppressed.code == Reason.TOO_FEW
        assert figure.reason == "fewer than 5 organisations"


def test_an_empty_group_says_there_are_no_organisations() -> None:
    summary = summarise([])
    assert summary.organisations.reason == "no organisations"
    assert summary.organisations.n == 0


def test_a_focus_area_with_fewer_than_k_values_is_hidden_even_in_a_large_group() -> None:
    entries = make_entries(16, focus_areas={"AA": 40.0, "CC": None})
    entries += make_entries(4, focus_areas={"AA": 60.0, "CC": 75.0})
    summary = summarise(entries)
    assert summary.organisations.value == 20
    cc = summary.focus_areas["CC"]
    for name in ("count", "mean", "p25", "median", "p75", "minimum", "maximum"):
        figure = getattr(cc, name)
        assert not figure.shown and figure.n is None
        assert figure.reason == "fewer than 5 organisations with a value for CC"
    assert summary.focus_areas["AA"].median.shown
    assert summary.focus_areas["AA"].count.value == 20


def test_a_focus_area_counts_only_organisations_with_a_value() -> None:
    entries = make_entries(14, focus_areas={"AA": None}) + [
        make_entry(focus_areas={"AA": v}) for v in (10.0, 20.0, 30.0, 40.0, 50.0, 60.0)
    ]
    aa = summarise(entries).focus_areas["AA"]
    assert aa.count.value == 6 and aa.mean.n == 6 and aa.mean.value == 35.0


def test_a_focus_area_nobody_answered_says_so() -> None:
    cc = summarise(make_entries(8, focus_areas={"CC": None})).focus_areas["CC"]
    assert cc.mean.suppressed is not None and cc.mean.suppressed.code == Reason.NO_DATA


def test_the_validated_split_is_hidden_on_both_sides_when_one_side_is_small() -> None:
    entries = make_entries(3, validated=True, stage=5) + make_entries(17, stage=2)
    summary = summarise(entries)
    assert summary.validated.count.reason == "fewer than 5 validated organisations"
    assert not summary.validated.mean_stage.shown
    # 17 self-assessed would give the 3 validated back by subtraction from the 20.
    for figure in (summary.self_assessed.count, summary.self_assessed.mean_stage):
        assert figure.suppressed is not None and figure.suppressed.code == Reason.SMALL_CELL
        assert figure.n is None and "17" not in (figure.reason or "")


def test_the_validated_split_shows_both_sides_when_both_are_large_enough() -> None:
    entries = make_entries(5, validated=True, stage=5) + make_entries(15, stage=2)
    summary = summarise(entries)
    assert (summary.validated.count.value, summary.validated.mean_stage.value) == (5, 5.0)
    assert (summary.self_assessed.count.value, summary.self_assessed.mean_stage.value) == (15, 2.0)
    assert summary.validated.mean_stage.n == 5 and summary.self_assessed.mean_stage.n == 15


def test_no_validated_organisations_is_said_and_the_self_assessed_side_is_everyone() -> None:
    summary = summarise(make_entries(9))
    assert summary.validated.count.reason == "no validated organisations"
    assert summary.validated.count.n == 0
    assert summary.self_assessed.count.value == 9


def test_the_stage_distribution_hides_small_stages_and_their_complement() -> None:
    stages = [1] * 6 + [2] * 12 + [3] * 9 + [4] * 8 + [5] * 2
    summary = summarise([make_entry(stage=s) for s in stages])
    shown = {s: f.value for s, f in enumerate(summary.stage.distribution) if f.shown}
    assert shown == {0: 0, 1: 6, 2: 12, 3: 9, 6: 0, 7: 0}
    hidden = [summary.stage.distribution[s] for s in (4, 5)]
    assert all(f.suppressed and f.suppressed.code == Reason.SMALL_CELL for f in hidden)
    assert hidden[0].reason == hidden[1].reason  # one wording: which was small is not told
    assert summary.stage.count.value == 37  # the total stays; the pair cannot be split


def test_branch_shares_follow_the_small_cell_rule_both_ways() -> None:
    entries = [make_entry(stage=5, branches=frozenset("A")) for _ in range(2)] + make_entries(
        18, stage=4
    )
    summary = summarise(entries)
    assert not summary.branches["A"].shown  # 2 of 20
    assert (
        summary.branches["A"].reason is not None and "fewer than 5" in summary.branches["A"].reason
    )
    assert summary.branches["B"].value == 0.0 and summary.branches["B"].n == 20
    everyone = summarise([make_entry(stage=5, branches=frozenset("A")) for _ in range(20)])
    assert everyone.branches["A"].value == 100.0
    most = summarise([make_entry(branches=frozenset("A")) for _ in range(17)] + make_entries(3))
    assert not most.branches["A"].shown  # 3 of 20 have not: also a small cell
    enough = summarise([make_entry(branches=frozenset("A")) for _ in range(6)] + make_entries(14))
    assert enough.branches["A"].value == 30.0


def test_own_percentile_rank_excludes_the_organisation_itself() -> None:
    own = make_entry(stage=3, focus_areas={"AA": 50.0})
    peers = [
        make_entry(stage=s, focus_areas={"AA": v})
        for s, v in [(1, 10.0), (2, 20.0), (3, 50.0), (3, 90.0), (5, 95.0)]
    ]
    summary = summarise([own, *peers], own=own)
    # Stage: 2 peers below, 2 equal -> (2 + 1) / 5.
    assert summary.stage.own_percentile.value == 60.0
    assert summary.stage.own_percentile.n == 5
    # AA: 2 below, 1 equal -> (2 + 0.5) / 5.
    assert summary.focus_areas["AA"].own_percentile.value == 50.0


def test_own_rank_needs_k_peers_besides_the_organisation() -> None:
    own = make_entry()
    summary = summarise([own, *make_entries(4)], own=own)
    assert summary.organisations.shown  # the group has 5
    rank = summary.stage.own_percentile
    assert not rank.shown and rank.reason == "fewer than 5 peers besides your organisation"
    # An organisation outside the rows (e.g. not taking part) has all 5 as peers.
    outsider = make_entry()
    assert summarise(make_entries(5), own=outsider).stage.own_percentile.shown


def test_own_rank_is_hidden_with_a_reason_when_there_is_nothing_to_rank() -> None:
    own = make_entry(focus_areas={"AA": None})
    summary = summarise([own, *make_entries(9)], own=own)
    assert summary.focus_areas["AA"].own_percentile.suppressed is not None
    assert summary.focus_areas["AA"].own_percentile.suppressed.code == Reason.NO_OWN_VALUE
    assert summarise(make_entries(9)).stage.own_percentile.suppressed is not None


def test_k_1_shows_every_figure_that_has_data() -> None:
    entries = [make_entry(stage=s, validated=s == 2, branches=frozenset("A")) for s in (0, 2, 7)]
    summary = summarise(entries, k=1, own=entries[0])
    for path, figure in summary.figures():
        assert figure.shown or (
            figure.suppressed is not None
            and figure.suppressed.code in (Reason.NO_DATA, Reason.NO_OWN_VALUE)
        ), path


def test_k_must_be_positive() -> None:
    with pytest.raises(ValueError, match="k must be at least 1"):
        summarise(make_entries(5), k=0)
