"""Synthetic demo answers land exactly on their target stage; regions cover the countries."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from diam.demo import COUNTRIES, synthetic_answers, synthetic_organisation
from diam.regions import COUNTRY_REGION, REGIONS, region_for
from diam.scoring import score


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=7), st.integers(min_value=0, max_value=10_000))
def test_synthetic_answers_reach_exactly_the_target_stage(radiology_model, target, seed) -> None:
    values = synthetic_answers(radiology_model, random.Random(seed), target)
    assert score(radiology_model, values).stage == target


def test_demo_population_is_deterministic_and_spans_twenty_countries_in_several_regions() -> None:
    first = [synthetic_organisation(random.Random(7), i) for i in range(3)]
    again = [synthetic_organisation(random.Random(7), i) for i in range(3)]
    assert first == again
    assert len(COUNTRIES) >= 20
    assert len({region_for(code) for code, _ in COUNTRIES}) >= 5
    assert all(o.name.endswith("(demo)") for o in first)


def test_every_country_maps_to_one_known_region() -> None:
    assert set(COUNTRY_REGION.values()) <= set(REGIONS)
    assert region_for("nl") == "Western Europe"
    assert region_for("SA") == "Middle East and North Africa"
    assert region_for("ZZ") == "Other"
    assert len(COUNTRY_REGION) > 230
