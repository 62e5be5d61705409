"""An organisation's benchmark: examples of each rule across groups (benchmark_for)."""

from __future__ import annotations

import pytest

from diam.stats import (
    GLOBAL,
    Aggregate,
    Entry,
    OrgProfile,
    PeerGroup,
    Reason,
    benchmark_for,
    benchmark_from_aggregates,
)
from tests.stats.population import make_entries, make_entry

ALAND = PeerGroup(country="Aland")
ALAND_HOSPITALS = PeerGroup(country="Aland", org_type="hospital")
GROUPS = [GLOBAL, ALAND, ALAND_HOSPITALS]


def test_the_default_groups_are_the_organisations_own() -> None:
    own = make_entry(region="North", country="Aland", org_type="hospital", size_band="large")
    benchmark = benchmark_for([own, *make_entries(10)], own)
    assert [g.group.key for g in benchmark.groups] == [
        "global",
        "region=North",
        "country=Aland",
        "org_type=hospital",
        "size_band=large",
        "country=Aland&org_type=hospital",
        "region=North&org_type=hospital",
    ]
    assert benchmark.organisation_id == own.organisation_id and benchmark.k == 5


def test_a_group_differing_from_a_shown_one_by_fewer_than_k_is_hidden() -> None:
    hospitals = make_entries(17, country="Aland", org_type="hospital")
    centres = make_entries(3, country="Aland", org_type="centre")
    others = make_entries(30, country="Borduria")
    own = hospitals[0]
    benchmark = benchmark_for([*hospitals, *centres, *others], own, groups=GROUPS)
    assert benchmark.group("global").shown and benchmark.group("country=Aland").shown
    hidden = benchmark.group(ALAND_HOSPITALS.key)
    assert hidden.suppressed is not None and hidden.suppressed.code == Reason.DIFFERENCING
    assert "Country: Aland" in hidden.suppressed.message
    assert "fewer than 5" in hidden.suppressed.message and "3" not in hidden.suppressed.message
    for _, figure in hidden.summary.figures():  # every figure is there, hidden, with the reason
        assert not figure.shown and figure.reason == hidden.suppressed.message


def test_a_too_small_group_is_hidden_as_too_small() -> None:
    own = make_entry(country="Aland", org_type="hospital")
    rows = [own, *make_entries(3, country="Aland", org_type="hospital")]
    rows += make_entries(20, country="Aland", org_type="centre")
    rows += make_entries(20, country="Borduria")
    benchmark = benchmark_for(rows, own, groups=GROUPS)
    group = benchmark.group(ALAND_HOSPITALS.key)
    assert group.suppressed is not None and group.suppressed.code == Reason.TOO_FEW


def test_a_focus_area_is_guarded_over_the_organisations_that_have_a_value() -> None:
    # Aland (20) and Aland hospitals (12) differ by 8, but only 2 of those 8 have a value for
    # BB: the two BB medians would differ by 2 organisations, so the more specific one goes.
    hospitals = make_entries(12, country="Aland", org_type="hospital")
    centres = make_entries(2, country="Aland", org_type="centre")
    centres += make_entries(6, country="Aland", org_type="centre", focus_areas={"AA": 1.0})
    others = make_entries(30, country="Borduria")
    own = hospitals[0]
    benchmark = benchmark_for([*hospitals, *centres, *others], own, groups=GROUPS)
    specific = benchmark.group(ALAND_HOSPITALS.key).summary
    assert benchmark.group(ALAND_HOSPITALS.key).shown
    bb = specific.focus_areas["BB"]
    assert bb.median.suppressed is not None and bb.median.suppressed.code == Reason.DIFFERENCING
    assert "BB in Country: Aland" in (bb.median.reason or "")
    assert not bb.own_percentile.shown
    assert specific.focus_areas["AA"].median.shown  # AA has 20 vs 12 values: fine
    assert benchmark.group(ALAND.key).summary.focus_areas["BB"].median.shown


def test_the_validated_split_is_guarded_across_groups() -> None:
    # Aland has 6 validated, Aland hospitals 5: their validated means would differ by one.
    hospitals = make_entries(5, country="Aland", org_type="hospital", validated=True, stage=5)
    hospitals += make_entries(7, country="Aland", org_type="hospital")
    centres = make_entries(1, country="Aland", org_type="centre", validated=True, stage=6)
    centres += make_entries(7, country="Aland", org_type="centre")
    others = make_entries(30, country="Borduria")
    benchmark = benchmark_for([*hospitals, *centres, *others], hospitals[0], groups=GROUPS)
    country = benchmark.group(ALAND.key).summary
    assert country.validated.mean_stage.shown and country.self_assessed.mean_stage.shown
    specific = benchmark.group(ALAND_HOSPITALS.key).summary
    assert specific.organisations.shown
    for split in (specific.validated, specific.self_assessed):  # both: one would give the other
        assert split.mean_stage.suppressed is not None
        assert split.mean_stage.suppressed.code == Reason.DIFFERENCING


def test_ranks_come_from_the_organisations_own_row() -> None:
    rows = [make_entry(stage=s) for s in (1, 2, 2, 3, 4, 4, 5, 6)]
    own = rows[3]
    benchmark = benchmark_for(rows, own, groups=[GLOBAL])
    rank = benchmark.group("global").summary.stage.own_percentile
    assert rank.value == round(100 * 3 / 7, 1) and rank.n == 7
    profile = OrgProfile(own.organisation_id, own.region, own.country, own.org_type, "small")
    assert benchmark_for(rows, profile, groups=[GLOBAL]) == benchmark
    stranger = OrgProfile(10_000, "North", "Aland", "hospital", "small")
    ranks = benchmark_for(rows, stranger, groups=[GLOBAL]).group("global").summary.stage
    assert ranks.own_percentile.suppressed is not None
    assert ranks.own_percentile.suppressed.code == Reason.NO_OWN_VALUE


def test_benchmark_from_aggregates_equals_benchmark_from_rows() -> None:
    rows = make_entries(9, country="Aland", org_type="hospital", validated=True)
    rows += make_entries(8, country="Aland", org_type="centre", stage=5)
    rows += make_entries(25, country="Borduria", focus_areas={"AA": 10.0, "CC": 20.0})
    rows += [make_entry(country="Carpania", stage=s % 8) for s in range(12)]
    own = rows[0]
    grouped: dict[tuple[str, str, str, str], list[Entry]] = {}
    for e in rows:
        grouped.setdefault((e.region, e.country, e.org_type, e.size_band), []).append(e)
    aggregates = {key: Aggregate.of(group) for key, group in grouped.items()}
    assert benchmark_from_aggregates(aggregates, own, own_entry=own) == benchmark_for(rows, own)


def test_one_row_per_organisation_and_a_positive_k_are_required() -> None:
    row = make_entry()
    with pytest.raises(ValueError, match="one row per organisation"):
        benchmark_for([row, row], row)
    with pytest.raises(ValueError, match="k must be at least 1"):
        benchmark_for([row], row, k=0)
