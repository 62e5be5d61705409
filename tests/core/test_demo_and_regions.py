"""Synthetic demo answers land exactly on their target stage; regions cover the countries."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from diam.demo import (
    COUNTRIES,
    draw_stage,
    synthetic_answers,
    synthetic_organisation,
    synthetic_services,
)
from diam.regions import COUNTRY_REGION, REGIONS, region_for
from diam.scoring import score
from diam.scoring.context import Context


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=7), st.integers(min_value=0, max_value=10_000))
def test_synthetic_answers_reach_exactly_the_target_stage(radiology_model, target, seed) -> None:
    values = synthetic_answers(radiology_model, random.Random(seed), target)
    assert score(radiology_model, values).stage == target


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=7), st.integers(min_value=0, max_value=10_000))
def test_on_2_0_0_they_reach_it_for_any_country_and_service_profile(
    radiology_v2, target, seed
) -> None:
    rng = random.Random(seed)
    spec = synthetic_organisation(rng, 1)
    context = Context(country=spec.country, services=synthetic_services(radiology_v2, rng, spec))
    values = synthetic_answers(radiology_v2, rng, target, context=context)
    result = score(radiology_v2, values, context)
    assert result.stage == target
    assert not set(values) & set(result.out_of_scope)  # nobody answers what does not apply


def test_the_demo_population_lands_near_stage_3_with_few_at_6_and_7(radiology_v2) -> None:
    rng = random.Random(2026)
    stages = []
    for i in range(400):
        spec = synthetic_organisation(rng, i)
        context = Context(
            country=spec.country, services=synthetic_services(radiology_v2, rng, spec)
        )
        values = synthetic_answers(radiology_v2, rng, spec.target_stage, context=context)
        stages.append(score(radiology_v2, values, context).stage)
    mean = sum(stages) / len(stages)
    assert 2.6 <= mean <= 3.4
    assert sum(1 for s in stages if s >= 6) / len(stages) <= 0.12
    assert draw_stage(random.Random(1)) in range(8)


def test_synthetic_percentages_sit_near_their_pass_marks(radiology_v2) -> None:
    """Capability profiles, not coin flips: met archiving is 95-100 %, misses are near misses."""
    rng = random.Random(5)
    archived = [synthetic_answers(radiology_v2, rng, 3)["SI-01"] for _ in range(60)]
    assert all(95 <= v <= 100 for v in archived)
    misses = [synthetic_answers(radiology_v2, rng, 0)["SI-01"] for _ in range(60)]
    below = [v for v in misses if v < 95]
    assert below and sum(below) / len(below) > 70


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
