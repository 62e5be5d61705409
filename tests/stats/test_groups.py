"""Size bands, peer groups and selecting a group's members."""

from __future__ import annotations

import pytest

from diam.stats import (
    GLOBAL,
    SIZE_BAND_LABELS,
    SIZE_BANDS,
    SIZE_UNKNOWN,
    OrgProfile,
    PeerGroup,
    peer_groups_for,
    select_members,
    size_band,
)
from diam.stats import groups as groups_module
from tests.stats.population import make_entry


@pytest.mark.parametrize(
    ("beds", "exams", "band"),
    [
        (0, None, "small"),
        (99, None, "small"),
        (100, None, "medium"),
        (299, None, "medium"),
        (300, None, "large"),
        (599, None, "large"),
        (600, None, "very-large"),
        (2500, None, "very-large"),
        (None, 29_999, "small"),
        (None, 30_000, "medium"),
        (None, 99_999, "medium"),
        (None, 100_000, "large"),
        (None, 199_999, "large"),
        (None, 200_000, "very-large"),
        (None, None, "unknown"),
    ],
)
def test_size_band_follows_the_documented_bounds(
    beds: int | None, exams: int | None, band: str
) -> None:
    assert size_band(beds, exams) == band


def test_beds_win_over_exams_when_both_are_given() -> None:
    assert size_band(50, 500_000) == "small"
    assert size_band(700, 1_000) == "very-large"


def test_a_negative_size_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        size_band(-1, None)


def test_every_band_has_a_label_and_the_docstring_lists_them() -> None:
    doc = groups_module.__doc__ or ""
    for band in (*SIZE_BANDS, SIZE_UNKNOWN):
        assert band in SIZE_BAND_LABELS
        assert f"``{band}``" in doc


def test_peer_groups_for_lists_the_own_groups_most_general_first() -> None:
    org = OrgProfile(1, region="North", country="Aland", org_type="hospital", size_band="large")
    assert [g.key for g in peer_groups_for(org)] == [
        "global",
        "region=North",
        "country=Aland",
        "org_type=hospital",
        "size_band=large",
        "country=Aland&org_type=hospital",
        "region=North&org_type=hospital",
    ]


def test_peer_groups_skip_unknown_dimensions() -> None:
    org = OrgProfile(1, region="", country="Aland", org_type="hospital", size_band="unknown")
    assert [g.key for g in peer_groups_for(org)] == [
        "global",
        "country=Aland",
        "org_type=hospital",
        "country=Aland&org_type=hospital",
    ]


def test_group_keys_and_labels_are_readable() -> None:
    group = PeerGroup(country="Aland", org_type="hospital")
    assert group.key == "country=Aland&org_type=hospital"
    assert group.label == "Country: Aland · Type: hospital"
    assert group.dimensions == ("country", "org_type")
    assert GLOBAL.key == "global" and GLOBAL.label == "Global" and GLOBAL.dimensions == ()


def test_select_members_filters_on_every_given_attribute() -> None:
    a = make_entry(country="Aland", org_type="hospital")
    b = make_entry(country="Aland", org_type="centre")
    c = make_entry(country="Borduria", org_type="hospital")
    assert select_members([a, b, c], GLOBAL) == [a, b, c]
    assert select_members([a, b, c], PeerGroup(country="Aland")) == [a, b]
    assert select_members([a, b, c], PeerGroup(country="Aland", org_type="hospital")) == [a]
    assert select_members([a, b, c], PeerGroup(region="South")) == []


def test_an_entry_refuses_a_stage_outside_0_to_7() -> None:
    with pytest.raises(ValueError, match="0-7"):
        make_entry(stage=8)
    with pytest.raises(ValueError, match="not a number"):
        make_entry(focus_areas={"AA": float("nan")})
