"""Scoring against a floor loop, in the same process (a ratio holds on any machine).

Target (design.md §5): `score` takes at most 2.5x the time of a floor loop that reads each
answer once and compares it with its criterion's rule, over the same 100,000 generated
assessments (~80 criteria each) on one core. The floor is the least any scoring must do; what
`score` spends beyond it is skip logic, the per-stage, per-branch and per-focus-area counts,
the stage rule and the Result. The two run in alternating rounds of 20,000 and each keeps its
fastest round (CPU time of this process), so a machine shared with other programs slows both
alike and the ratio holds. Absolute figures are printed for information.
"""

from __future__ import annotations

import random
import time

from diam.model.schema import BooleanAnswer, ChoiceAnswer, NumberAnswer, PercentAnswer
from diam.paths import shipped_model
from diam.scoring import NotApplicable, score

N = 20_000  # assessments per round
POOL = 1_000  # distinct answer sets, cycled, so generation does not dominate memory


LEVEL = {"S1": 1, "S2": 2, "S3": 3, "S4": 4, "A": 5, "B": 5, "C": 5}


def generate(rng: random.Random, model):  # type: ignore[no-untyped-def]
    # Each synthetic organisation has a maturity; criteria at or below it are mostly met, so
    # the stages spread as in a real population instead of all landing on 0.
    maturity = rng.uniform(0, 6)
    values = {}
    for c in model.criteria:
        meets = rng.random() < (0.995 if LEVEL[c.group] <= maturity else 0.4)
        r = rng.random()
        if r < 0.05:
            continue  # unanswered
        if r < 0.07 and c.na_allowed:
            values[c.id] = NotApplicable("not offered")
            continue
        a = c.answer
        if isinstance(a, BooleanAnswer):
            values[c.id] = meets == c.met_when
        elif isinstance(a, ChoiceAnswer):
            values[c.id] = rng.choice([o.id for o in a.options if o.meets == meets])
        else:
            rule = c.met_when
            top = 100.0 if isinstance(a, PercentAnswer) else (a.maximum or a.minimum + 100)
            low = a.minimum if isinstance(a, NumberAnswer) else 0.0
            bound = rule.min if rule.min is not None else rule.max
            above = rng.uniform(bound, top)
            below = rng.uniform(low, bound - 1e-6) if bound > low else low
            wants_high = rule.min is not None
            values[c.id] = above if meets == wants_high else below
    return values


TARGET_RATIO = 2.5
ROUNDS = 15


def floor_rules(model):  # type: ignore[no-untyped-def]
    """(id, kind, argument) per criterion: the rule as plain values, compiled once."""
    rules = []
    for c in model.criteria:
        a, rule = c.answer, c.met_when
        if isinstance(a, BooleanAnswer):
            rules.append((c.id, 0, bool(rule)))
        elif isinstance(a, ChoiceAnswer):
            rules.append((c.id, 1, frozenset(o.id for o in a.options if o.meets)))
        elif rule.min is not None:
            rules.append((c.id, 2, rule.min))
        else:
            rules.append((c.id, 3, rule.max))
    return tuple(rules)


def floor(rules, values) -> int:  # type: ignore[no-untyped-def]
    """Read each answer once and compare it with its rule; count the criteria met."""
    met = 0
    get = values.get
    for cid, kind, arg in rules:
        value = get(cid)
        if value is None or value.__class__ is NotApplicable:
            continue
        if kind == 0:
            met += value is arg
        elif kind == 1:
            met += value in arg
        elif kind == 2:
            met += value >= arg
        else:
            met += value <= arg
    return met


def timed(fn, pool) -> float:  # type: ignore[no-untyped-def]
    start = time.process_time()
    for i in range(N):
        fn(pool[i % POOL])
    return time.process_time() - start


def main() -> None:
    model = shipped_model()
    rng = random.Random(42)
    pool = [generate(rng, model) for _ in range(POOL)]
    rules = floor_rules(model)
    score(model, pool[0])  # compile the plan outside the timing
    engine, bare = [], []
    for _ in range(ROUNDS):
        engine.append(timed(lambda v: score(model, v), pool))
        bare.append(timed(lambda v: floor(rules, v), pool))
    best_engine, best_floor = min(engine), min(bare)
    ratio = best_engine / best_floor
    stages = [score(model, v).stage for v in pool]
    print(f"model {model.id} {model.version}: {len(model.criteria)} criteria")
    pairs = sorted(e / f for e, f in zip(engine, bare, strict=True))
    print(
        f"scoring: {N / best_engine:,.0f} assessments/s; floor loop {N / best_floor:,.0f}/s "
        f"(fastest of {ROUNDS} alternating rounds of {N:,}; one core, CPU time)"
    )
    print(
        f"ratio score/floor: {ratio:.2f}x (round by round {pairs[0]:.2f}-{pairs[-1]:.2f}x); "
        f"target <= {TARGET_RATIO}x: {'met' if ratio <= TARGET_RATIO else 'NOT met'}"
    )
    spread = {s: stages.count(s) for s in range(8)}
    print(f"sanity: stage distribution over the pool {spread}")


if __name__ == "__main__":
    main()
