"""Synthetic, clearly labelled demonstration data (pure: no database).

Used by `diam demo` to fill a demo population and by the benchmarks. Organisations are spread
over more than twenty countries in several regions, each with a plausible service profile;
their answers come from capability profiles (a maturity level and strengths per focus area)
pinned to a target stage drawn so that stages spread as public DIAM reports describe: a mean
near 3 and few organisations at 6-7 (a mean of about 3.0 over the first assessed hospitals).
"""

from __future__ import annotations

import math
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
from diam.scoring.context import Context
from diam.scoring.engine import out_of_scope

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


def synthetic_services(
    model: Model, rng: random.Random, spec: SyntheticOrganisation
) -> dict[str, bool]:
    """A plausible service profile for the organisation: what a centre or hospital runs.

    Imaging centres rarely run nuclear medicine, interventions or paediatrics and have no
    imaging outside radiology; hospitals run most services, larger ones more. Services the
    model does not ask about are left out; AI use grows with the target stage.
    """
    centre = spec.org_type == "imaging_centre"
    large = (spec.beds or 0) >= 500
    chance = {
        "ct": 1.0,
        "mr": 0.95 if not centre else 0.9,
        "mammography": 0.85 if not centre else 0.7,
        "nuclear-medicine": 0.15 if centre else (0.85 if large else 0.45),
        "radionuclide-therapy": 0.0 if centre else (0.5 if large else 0.1),
        "interventional": 0.05 if centre else (0.95 if large else 0.6),
        "paediatrics": 0.1 if centre else (0.9 if large else 0.6),
        "other-image-areas": 0.0 if centre else 1.0,
        "external-referrers": 1.0 if centre else 0.8,
        "ai": min(0.9, 0.1 + 0.12 * spec.target_stage),
    }
    return {svc.id: rng.random() < chance.get(svc.id, 0.8) for svc in model.manifest.services}


def _logistic(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _difficulty(c: Criterion, n_core: int) -> float:
    """Where a capability usually comes in a maturing organisation: its stage, branches after
    stage 4, good practice beyond the stage a little later than the stage itself."""
    base = float(c.stage) if c.stage is not None else n_core + 0.8
    return base if c.gating else base + 0.7


def _value(c: Criterion, rng: random.Random, meets: bool) -> AnswerValue:
    """A realistic answer on the right side of the pass mark: near misses are common, and
    met percentages sit between the pass mark and 100 rather than anywhere."""
    answer, rule = c.answer, c.met_when
    if isinstance(answer, BooleanAnswer):
        return meets == bool(rule)
    if isinstance(answer, ChoiceAnswer):
        options = [o for o in answer.options if o.meets == meets]
        # Met: mostly the first option that meets; not met: mostly the best that does not.
        weights = [1 / (i + 1) for i in range(len(options))]
        if not meets:
            weights.reverse()
        return rng.choices([o.id for o in options], weights)[0]
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
    step = 1.0 if rule.exclusive else 0.0  # whole numbers: "more than 50" starts at 51
    spread = max(1.0, (high - low) / 12)

    def clamp(value: float, lo: float, hi: float) -> float:
        return float(round(min(hi, max(lo, value))))

    if rule.min is not None:
        if meets:
            return clamp(
                bound + step + abs(rng.gauss(0, max(1.0, (high - bound) / 2))), bound + step, high
            )
        return clamp(bound - 1 - rng.expovariate(1 / spread), low, bound - 1 + step)
    if meets:
        return clamp(
            bound - step - abs(rng.gauss(0, max(1.0, (bound - low) / 2))), low, bound - step
        )
    return clamp(bound + 1 + rng.expovariate(1 / spread), bound + 1 - step, high)


def synthetic_answers(
    model: Model,
    rng: random.Random,
    target_stage: int,
    *,
    context: Context | None = None,
    completeness: float = 1.0,
) -> dict[str, AnswerValue]:
    """Answers whose stage is exactly `target_stage` (when `completeness` is 1), for `context`.

    Drawn from a capability profile: the organisation has a maturity level near its target and
    strengths and weaknesses per focus area, and each capability is met with a probability that
    grows with how far the organisation's level (plus its strength in that area) lies beyond
    where the capability usually comes. Then the stage is pinned: core stages up to the target
    are fully met, the next core stage misses at least one gating criterion (one the profile
    finds hard), and above stage 4 `target_stage - 4` branches are mastered and the others miss
    one. Criteria out of scope for `context` (jurisdiction, services) are not answered. With
    `completeness` < 1 a share of the uncertain ones is left unanswered (a draft).
    """
    n_core = len(CORE_STAGES)
    core_target = min(target_stage, n_core)
    letters = [b.id for b in model.manifest.branches]
    mastered = set(rng.sample(letters, k=max(0, min(target_stage - n_core, len(letters)))))
    scope = out_of_scope(model, context)
    level = target_stage + rng.uniform(-0.4, 0.5)
    strength = {fa.code: rng.gauss(0, 0.6) for fa in model.manifest.focus_areas}

    def chance(c: Criterion) -> float:
        return _logistic(1.7 * (level + strength[c.focus_area] - _difficulty(c, n_core)))

    must_fail: dict[str, str] = {}
    groups = [f"S{core_target + 1}"] if core_target < n_core else []
    groups += [letter for letter in letters if letter not in mastered]
    for group in groups:
        candidates = [c for c in model.criteria_of(group) if _plain(c) and c.id not in scope]
        # The profile's hardest capability of the group is the likeliest miss.
        weights = [1.05 - chance(c) for c in candidates]
        must_fail[group] = rng.choices(candidates, weights)[0].id
    values: dict[str, AnswerValue] = {}
    for c in model.criteria:
        if c.id in scope:
            continue
        certain = c.gating and (
            (c.stage is not None and c.stage <= core_target) or c.group in mastered
        )
        if must_fail.get(c.group) == c.id:
            meets = False
        else:
            meets = certain or rng.random() < chance(c)
        if not certain and must_fail.get(c.group) != c.id and rng.random() > completeness:
            continue
        if c.na_allowed and not certain and rng.random() < (0.3 if c.gating else 0.05):
            values[c.id] = NotApplicable("Not offered at this organisation (demo data).")
            continue
        values[c.id] = _value(c, rng, meets)
    return values


def _plain(c: Criterion) -> bool:
    """A criterion that always counts: no N/A and no skip logic can take it out."""
    return not c.na_allowed and c.relevant_when is None
