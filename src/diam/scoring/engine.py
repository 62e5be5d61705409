"""The scoring engine: (model, answers) -> Result, exactly as docs/scoring.md states.

- A criterion is met, not met, unanswered, or not applicable (N/A answer, or hidden by the
  model's skip logic). Not-applicable criteria leave the counts; unanswered ones count as not
  met for reaching a stage but are reported apart.
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
from diam.scoring.result import (
    MET,
    NOT_APPLICABLE,
    NOT_MET,
    UNANSWERED,
    Result,
)

_N_CORE = len(CORE_STAGES)

# Rule kinds in the compiled plan.
_BOOL, _MIN, _MAX, _CHOICE = 0, 1, 2, 3


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
    # Criteria per group and per focus area: the applicable counts before any N/A answer.
    group_totals: tuple[int, ...]
    fa_totals: tuple[int, ...]


def _compile(model: Model) -> _Plan:
    groups = tuple(f"S{n}" for n in CORE_STAGES) + tuple(b.id for b in model.manifest.branches)
    group_index = {g: i for i, g in enumerate(groups)}
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
            kind, arg = (_MIN, rule.min) if rule.min is not None else (_MAX, rule.max)
        g = group_index[crit.group]
        rules.append((crit.id, kind, arg, g, fa_index[crit.focus_area]))
        members[g].append(i)
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
    fa_totals = [0] * len(fa_codes)
    for compiled in rules:
        fa_totals[compiled[4]] += 1
    return _Plan(
        ids=tuple(c.id for c in model.criteria),
        rules=tuple(rules),
        conditions=tuple(ordered),
        groups=groups,
        focus_areas=fa_codes,
        group_members=tuple(tuple(m) for m in members),
        threshold=threshold,
        group_totals=tuple(len(m) for m in members),
        fa_totals=tuple(fa_totals),
    )


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


_NOTHING_HIDDEN: frozenset[str] = frozenset()


def _hidden_indices(plan: _Plan, values: Mapping[str, AnswerValue]) -> list[int]:
    """Positions of the criteria the skip logic hides, controllers before their dependants."""
    hidden: list[int] = []
    for index, controller, controller_index, cond in plan.conditions:
        if controller_index in hidden or not _relevant(cond, values.get(controller)):
            hidden.append(index)
    return hidden


def hidden_criteria(model: Model, values: Mapping[str, AnswerValue]) -> frozenset[str]:
    """Ids that the model's skip logic hides for these answers; empty when nothing is hidden."""
    plan = plan_for(model)
    if not plan.conditions:
        return _NOTHING_HIDDEN
    ids = plan.ids
    return frozenset(ids[i] for i in _hidden_indices(plan, values)) or _NOTHING_HIDDEN


def score(model: Model, values: Mapping[str, AnswerValue]) -> Result:
    """Score validated answer values against `model`.

    `values` maps criterion ids to values already checked by `parse_answer_file` or
    `parse_value`; a missing id is unanswered. The result is a pure function of the two.
    """
    plan = model._cache.get("plan") or plan_for(model)
    n_groups = len(plan.groups)
    met = [0] * n_groups
    # Every criterion counts as applicable until an N/A answer says otherwise (the rare case),
    # so the hot loop adds nothing for an answer that is not met or not given.
    applicable = list(plan.group_totals)
    unanswered = [0] * n_groups
    fa_met = [0] * len(plan.focus_areas)
    fa_applicable = list(plan.fa_totals)
    statuses: list[int] = []
    append = statuses.append
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
        else:
            ok = value <= arg  # type: ignore[operator]
        if ok:
            met[g] += 1
            fa_met[fa] += 1
            append(MET)
        else:
            append(NOT_MET)

    hidden = _NOTHING_HIDDEN
    if plan.conditions:
        hidden_at = _hidden_indices(plan, values)
        if hidden_at:
            # Hidden criteria score as not applicable whatever was answered: take back what
            # the loop counted for them (a few criteria) rather than test every criterion.
            rules = plan.rules
            for i in hidden_at:
                status = statuses[i]
                if status == NOT_APPLICABLE:
                    continue
                g, fa = rules[i][3], rules[i][4]
                applicable[g] -= 1
                fa_applicable[fa] -= 1
                if status == MET:
                    met[g] -= 1
                    fa_met[fa] -= 1
                elif status == UNANSWERED:
                    unanswered[g] -= 1
                statuses[i] = NOT_APPLICABLE
            hidden = frozenset(plan.ids[i] for i in hidden_at)

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
    )
