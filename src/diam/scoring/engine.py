"""The scoring engine: (model, answers, context) -> Result, exactly as docs/scoring.md states.

- A criterion is met, not met, unanswered, or not applicable (N/A answer, hidden by the
  model's skip logic, outside the organisation's jurisdiction, or about a service its service
  profile lacks). Not-applicable criteria leave the counts; unanswered ones count as not met
  for reaching a stage but are reported apart.
- Non-gating criteria count in focus-area scores only, never in a stage or branch rule.
- Core stage n (1-4) is reached when stage n's criteria pass the model's rule (`strict`: all
  applicable met; `threshold`: at least p % met) and stage n-1 is reached.
- A branch is mastered when its criteria pass the same rule. Branches count only once core
  stage 4 is reached: stage = core stage below 4, else 4 + mastered branches.

The model is compiled once into flat tuples (cached on the model), so scoring is a single
pass over the answers with no parsing and no per-criterion objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from diam.model.schema import (
    CORE_STAGES,
    BooleanAnswer,
    ChoiceAnswer,
    Condition,
    Model,
    StageRuleMode,
    Threshold,
)
from diam.scoring.answers import AnswerValue, NotApplicable
from diam.scoring.context import JURISDICTION, NO_CONTEXT, SERVICE, Context
from diam.scoring.result import (
    MET,
    NOT_APPLICABLE,
    NOT_MET,
    UNANSWERED,
    Result,
)

_N_CORE = len(CORE_STAGES)
_HIDDEN = NotApplicable("hidden by the model's skip logic")


# Rule kinds in the compiled plan.
_BOOL, _MIN, _MAX, _CHOICE, _ABOVE, _BELOW = 0, 1, 2, 3, 4, 5


@dataclass(frozen=True, slots=True)
class _Plan:
    ids: tuple[str, ...]
    # Per criterion: (id, kind, argument, group index, focus-area index).
    rules: tuple[tuple[str, int, object, int, int], ...]
    # Skip logic, in dependency order: (criterion index, controlling id, controlling index, cond).
    conditions: tuple[tuple[int, str, int, Condition], ...]
    groups: tuple[str, ...]  # "S1".."S4" then branch letters
    focus_areas: tuple[str, ...]
    group_members: tuple[tuple[int, ...], ...]
    threshold: float | None  # None = strict
    # Criteria that only apply somewhere or for some services:
    # (id, countries or None, services needed (all), services needed (any)).
    scoped: tuple[tuple[str, frozenset[str] | None, tuple[str, ...], tuple[str, ...]], ...]
    # Context key -> out-of-scope criteria: a handful of countries x profiles, computed once.
    scope_cache: dict[object, dict[str, str]]
    # Criteria per group (and the non-gating slot) and per focus area: the applicable counts
    # before any N/A answer, so the hot loop only counts down for the rare N/A.
    group_totals: tuple[int, ...]
    fa_totals: tuple[int, ...]


def _compile(model: Model) -> _Plan:
    groups = tuple(f"S{n}" for n in CORE_STAGES) + tuple(b.id for b in model.manifest.branches)
    group_index = {g: i for i, g in enumerate(groups)}
    # Non-gating criteria are counted into one extra slot after the real groups, which no rule
    # reads: the hot loop stays free of a test per criterion.
    beyond = len(groups)
    fa_codes = tuple(f.code for f in model.manifest.focus_areas)
    fa_index = {c: i for i, c in enumerate(fa_codes)}
    rules: list[tuple[str, int, object, int, int]] = []
    members: list[list[int]] = [[] for _ in groups]
    for i, crit in enumerate(model.criteria):
        answer, rule = crit.answer, crit.met_when
        kind: int
        arg: object
        if isinstance(answer, BooleanAnswer):
            kind, arg = _BOOL, bool(rule)
        elif isinstance(answer, ChoiceAnswer):
            kind, arg = _CHOICE, frozenset(o.id for o in answer.options if o.meets)
        else:
            assert isinstance(rule, Threshold)
            if rule.min is not None:
                kind, arg = (_ABOVE if rule.exclusive else _MIN), rule.min
            else:
                kind, arg = (_BELOW if rule.exclusive else _MAX), rule.max
        g = group_index[crit.group] if crit.gating else beyond
        rules.append((crit.id, kind, arg, g, fa_index[crit.focus_area]))
        if crit.gating:
            members[g].append(i)
    countries = {j.id: frozenset(j.countries) for j in model.manifest.jurisdictions}
    scoped = tuple(
        (
            c.id,
            frozenset().union(*(countries.get(j, frozenset()) for j in c.applies_in))
            if c.applies_in
            else None,
            c.services,
            c.services_any,
        )
        for c in model.criteria
        if c.applies_in or c.services or c.services_any
    )
    position = {c.id: i for i, c in enumerate(model.criteria)}
    conditional = {c.id: c.relevant_when for c in model.criteria if c.relevant_when is not None}
    ordered: list[tuple[int, str, int, Condition]] = []
    placed: set[str] = set()

    def place(cid: str) -> None:
        # Controllers first, so a criterion hidden by skip logic also hides its dependants.
        if cid in placed or cid not in conditional:
            return
        placed.add(cid)
        cond = conditional[cid]
        place(cond.criterion)
        ordered.append((position[cid], cond.criterion, position[cond.criterion], cond))

    for cid in conditional:
        place(cid)
    rule_mode = model.manifest.stage_rule
    threshold = rule_mode.threshold_percent if rule_mode.mode is StageRuleMode.THRESHOLD else None
    return _Plan(
        ids=tuple(c.id for c in model.criteria),
        rules=tuple(rules),
        conditions=tuple(ordered),
        groups=groups,
        focus_areas=fa_codes,
        group_members=tuple(tuple(m) for m in members),
        threshold=threshold,
        scoped=scoped,
        scope_cache={},
        group_totals=_totals([r[3] for r in rules], len(groups) + 1),
        fa_totals=_totals([r[4] for r in rules], len(fa_codes)),
    )


def _totals(indices: list[int], size: int) -> tuple[int, ...]:
    counts = [0] * size
    for i in indices:
        counts[i] += 1
    return tuple(counts)


def plan_for(model: Model) -> _Plan:
    plan = model._cache.get("plan")
    if plan is None:
        plan = _compile(model)
        model._cache["plan"] = plan
    return plan


def _relevant(cond: Condition, value: AnswerValue | None) -> bool:
    if value is None or isinstance(value, NotApplicable):
        return True  # undecided: keep the question rather than hide it on a guess
    if cond.equals is not None:
        return value == cond.equals
    if cond.in_ is not None:
        return value in cond.in_
    if cond.not_in is not None:
        return value not in cond.not_in
    if isinstance(value, bool | str):
        return True
    if cond.min is not None:
        return value >= cond.min
    if cond.max is not None:
        return value <= cond.max
    return True


def out_of_scope(model: Model, context: Context | None) -> dict[str, str]:
    """Criteria that do not apply to this organisation, with why (`jurisdiction`/`service`).

    A criterion bound to jurisdictions is out of scope when the country is known and lies in
    none of them; one needing services is out of scope when the service profile says the
    organisation does not run a needed service (any of `services`, or all of `services_any`).
    Empty for no context: nothing is excluded on a guess. The mapping is shared: do not change it.
    """
    return _scope(plan_for(model), context)


def _scope(plan: _Plan, context: Context | None) -> dict[str, str]:
    if not plan.scoped or context is None or (context.country is None and not context.services):
        return {}
    cache = plan.scope_cache
    key = context.key()
    found = cache.get(key)
    if found is not None:
        return found
    country = context.country.upper() if context.country else None
    runs = context.services
    found = {}
    for cid, countries, needs_all, needs_any in plan.scoped:
        if countries is not None and country is not None and country not in countries:
            found[cid] = JURISDICTION
        elif any(runs.get(s) is False for s in needs_all) or (
            needs_any and all(runs.get(s) is False for s in needs_any)
        ):
            found[cid] = SERVICE
    if len(cache) < 256:  # a handful of countries x profiles; never grows without bound
        cache[key] = found
    return found


def hidden_criteria(
    model: Model, values: Mapping[str, AnswerValue], context: Context | None = None
) -> frozenset[str]:
    """Ids not asked for these answers and this context; empty when nothing is hidden.

    Hidden are the criteria the model's skip logic hides, and those outside the organisation's
    jurisdiction or about a service it does not run (`out_of_scope`). A criterion whose
    controlling criterion is hidden is hidden too.
    """
    plan = plan_for(model)
    return _hidden(plan, values, _scope(plan, context))


def _hidden(
    plan: _Plan, values: Mapping[str, AnswerValue], excluded: Mapping[str, str]
) -> frozenset[str]:
    hidden: set[str] = set(excluded)
    for index, controller, _, cond in plan.conditions:
        if controller in hidden or not _relevant(cond, values.get(controller)):
            hidden.add(plan.ids[index])
    return frozenset(hidden)


def score(
    model: Model, values: Mapping[str, AnswerValue], context: Context | None = None
) -> Result:
    """Score validated answer values against `model` for an organisation (`context`).

    `values` maps criterion ids to values already checked by `parse_answer_file` or
    `parse_value`; a missing id is unanswered. `context` gives the country and the service
    profile (None: neither known). The result is a pure function of the three.
    """
    plan = plan_for(model)
    n_groups = len(plan.groups)
    # One extra slot collects the non-gating criteria (see _compile).
    met = [0] * (n_groups + 1)
    applicable = list(plan.group_totals)
    unanswered = [0] * (n_groups + 1)
    fa_met = [0] * len(plan.focus_areas)
    fa_applicable = list(plan.fa_totals)
    statuses: list[int] = []
    append = statuses.append
    given = values
    scope = _scope(plan, context)
    hidden = _hidden(plan, values, scope) if plan.conditions or scope else frozenset()
    if hidden:
        # Hidden criteria score as not applicable whatever was answered; mapping them to an
        # N/A marker keeps the hot loop free of a second membership test.
        values = {**values, **dict.fromkeys(hidden, _HIDDEN)}
    get = values.get
    for cid, kind, arg, g, fa in plan.rules:
        value = get(cid)
        if value is None:
            append(UNANSWERED)
            unanswered[g] += 1
            continue
        if value.__class__ is NotApplicable:
            append(NOT_APPLICABLE)
            applicable[g] -= 1
            fa_applicable[fa] -= 1
            continue
        if kind == _MIN:
            ok = value >= arg  # type: ignore[operator]
        elif kind == _BOOL:
            ok = value is arg
        elif kind == _CHOICE:
            ok = value in arg  # type: ignore[operator]
        elif kind == _MAX:
            ok = value <= arg  # type: ignore[operator]
        elif kind == _ABOVE:
            ok = value > arg  # type: ignore[operator]
        else:
            ok = value < arg  # type: ignore[operator]
        if ok:
            met[g] += 1
            fa_met[fa] += 1
            append(MET)
        else:
            append(NOT_MET)

    del met[n_groups], applicable[n_groups], unanswered[n_groups]
    threshold = plan.threshold
    if threshold is None:
        passed = [a == 0 or m == a for m, a in zip(met, applicable)]  # noqa: B905
    else:
        passed = [a == 0 or m * 100 >= threshold * a for m, a in zip(met, applicable)]  # noqa: B905
    core = 0
    while core < _N_CORE and passed[core]:
        core += 1
    stage = core if core < _N_CORE else _N_CORE + sum(passed[_N_CORE:])
    return Result(
        model,
        stage,
        core,
        statuses,
        met,
        applicable,
        unanswered,
        passed,
        fa_met,
        fa_applicable,
        hidden,
        context or NO_CONTEXT,
        scope,
        given,
    )
