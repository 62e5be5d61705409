"""Synthetic, clearly labelled demonstration data (pure: no database).

Used by `diam demo` to fill a demo population and by the benchmarks. Organisations are spread
over more than twenty countries in several regions; their answers are drawn so that stages
spread plausibly: a mean near 3 and few organisations at 6-7, as public DIAM reports describe
(a mean of about 3.0 over the first assessed hospitals).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from diam.model.schema import (
    CORE_STAGES,
    BooleanAnswer,
    ChoiceAnswer,
    Criterion,
    Model,
    NumberAnswer,
    PercentAnswer,
    Threshold,
)
from diam.scoring.answers import AnswerValue, NotApplicable

# (ISO code, relative weight): Europe-heavy like the programme's early population, plus the
# Middle East, Asia-Pacific and the Americas.
COUNTRIES: tuple[tuple[str, int], ...] = (
    ("DE", 9),
    ("FR", 7),
    ("NL", 6),
    ("GB", 7),
    ("IT", 6),
    ("ES", 6),
    ("AT", 4),
    ("CH", 4),
    ("BE", 4),
    ("SE", 3),
    ("DK", 3),
    ("NO", 3),
    ("FI", 2),
    ("PL", 4),
    ("CZ", 2),
    ("PT", 3),
    ("IE", 2),
    ("GR", 2),
    ("SA", 4),
    ("AE", 3),
    ("QA", 1),
    ("TR", 3),
    ("KR", 3),
    ("TW", 2),
    ("JP", 2),
    ("SG", 1),
    ("AU", 2),
    ("US", 4),
    ("CA", 2),
    ("BR", 2),
    ("ZA", 1),
)

# Target stage distribution (0-7): mean about 3, few at 6-7.
STAGE_WEIGHTS: tuple[int, ...] = (4, 9, 18, 30, 22, 10, 5, 2)

ORG_TYPES: tuple[tuple[str, int], ...] = (
    ("hospital", 60),
    ("imaging_centre", 25),
    ("network", 10),
    ("other", 5),
)

_NAME_PARTS = (
    (
        "St Mary's",
        "Riverside",
        "Northgate",
        "Lakeside",
        "Hillcrest",
        "Central",
        "Westfield",
        "Eastbrook",
        "Harbour",
        "Valley",
        "Parkview",
        "Kingsway",
        "Meadow",
        "Stonebridge",
        "Highland",
        "Bayview",
        "Oakwood",
        "Elmhurst",
        "Summit",
        "Greenfield",
    ),
    (
        "University Hospital",
        "General Hospital",
        "Medical Centre",
        "Imaging Centre",
        "Radiology Institute",
        "Clinic",
        "Health Network",
        "Diagnostic Centre",
    ),
)


@dataclass(frozen=True)
class SyntheticOrganisation:
    name: str
    country: str
    org_type: str
    beds: int | None
    annual_exams: int
    service_areas: tuple[str, ...]
    target_stage: int


def synthetic_organisation(rng: random.Random, index: int) -> SyntheticOrganisation:
    country = rng.choices([c for c, _ in COUNTRIES], [w for _, w in COUNTRIES])[0]
    org_type = rng.choices([t for t, _ in ORG_TYPES], [w for _, w in ORG_TYPES])[0]
    first, second = rng.choice(_NAME_PARTS[0]), rng.choice(_NAME_PARTS[1])
    if org_type == "imaging_centre":
        beds = None
        exams = rng.randint(15_000, 120_000)
        areas: tuple[str, ...] = ("radiology",)
    else:
        beds = int(rng.lognormvariate(6.0, 0.6))
        exams = beds * rng.randint(250, 450)
        extra = rng.sample(
            ["cardiology", "pathology", "endoscopy", "dermatology", "ophthalmology", "pocus"],
            k=rng.randint(1, 5),
        )
        areas = ("radiology", *sorted(extra))
    return SyntheticOrganisation(
        name=f"{first} {second} {index:04d} (demo)",
        country=country,
        org_type=org_type,
        beds=beds,
        annual_exams=exams,
        service_areas=areas,
        target_stage=draw_stage(rng),
    )


def draw_stage(rng: random.Random) -> int:
    return rng.choices(range(len(STAGE_WEIGHTS)), STAGE_WEIGHTS)[0]


def _value(c: Criterion, rng: random.Random, meets: bool) -> AnswerValue:
    answer, rule = c.answer, c.met_when
    if isinstance(answer, BooleanAnswer):
        return meets == bool(rule)
    if isinstance(answer, ChoiceAnswer):
        return rng.choice([o.id for o in answer.options if o.meets == meets])
    assert isinstance(rule, Threshold)
    low = answer.minimum if isinstance(answer, NumberAnswer) else 0.0
    high = (
        100.0
        if isinstance(answer, PercentAnswer)
        else (
            answer.maximum
            if isinstance(answer, NumberAnswer) and answer.maximum is not None
            else low + 1000
        )
    )
    bound = rule.min if rule.min is not None else rule.max
    assert bound is not None
    want_high = (rule.min is not None) == meets
    # Whole numbers read naturally in a demo; stay strictly on the failing side of a bound.
    if want_high:
        lo = bound if meets else bound + 1
        return float(round(rng.uniform(min(lo, high), high)))
    hi = bound if meets else bound - 1
    return float(round(rng.uniform(low, max(low, hi))))


def synthetic_answers(
    model: Model, rng: random.Random, target_stage: int, *, completeness: float = 1.0
) -> dict[str, AnswerValue]:
    """Answers whose stage is exactly `target_stage` (when `completeness` is 1).

    Core stages up to the target are fully met; the next core stage misses at least one
    criterion; above stage 4, `target_stage - 4` branches chosen at random are mastered and the
    others miss at least one criterion. Other criteria are met with a probability that falls
    with distance from the target. With `completeness` < 1 a share is left unanswered (a draft).
    """
    n_core = len(CORE_STAGES)
    core_target = min(target_stage, n_core)
    letters = [b.id for b in model.manifest.branches]
    mastered = set(rng.sample(letters, k=max(0, min(target_stage - n_core, len(letters)))))
    values: dict[str, AnswerValue] = {}
    must_fail: dict[str, str] = {}
    for group in [f"S{core_target + 1}"] if core_target < n_core else []:
        candidates = [c.id for c in model.criteria_of(group) if _plain(c)]
        must_fail[group] = rng.choice(candidates)
    for letter in letters:
        if letter not in mastered:
            candidates = [c.id for c in model.criteria_of(letter) if _plain(c)]
            must_fail[letter] = rng.choice(candidates)
    for c in model.criteria:
        group = c.group
        if c.stage is not None:
            certain = c.stage <= core_target
            p = 1.0 if certain else max(0.15, 0.75 - 0.2 * (c.stage - core_target))
        else:
            certain = group in mastered
            p = 1.0 if certain else (0.55 if core_target == n_core else 0.3)
        if must_fail.get(group) == c.id:
            meets = False
        else:
            meets = rng.random() < p
        if not certain and rng.random() > completeness:
            continue
        if c.na_allowed and rng.random() < 0.3:
            values[c.id] = NotApplicable("Not offered at this organisation (demo data).")
            continue
        values[c.id] = _value(c, rng, meets)
    return values


def _plain(c: Criterion) -> bool:
    """A criterion that always counts: no N/A and no skip logic can take it out."""
    return not c.na_allowed and c.relevant_when is None
