"""Words for a result: why each criterion has its status, and why the stage is what it is.

One place for the wording, used by every format (survey, results page, gap report in HTML,
PDF, DOCX, XLSX and CSV, its appendix, `diam score`), so that a status is always shown with
its pass mark and the answer beside it: "met at ≥ 95 %; answered 97 %", "not met: needs
≥ 95 %; answered 92 % (3 points short)".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
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
from diam.scoring.result import Completeness, Result, Status

CountryName = Callable[[str], str]
"""Turns an ISO country code into the name shown to people (the web passes its own)."""


def _number(value: float) -> str:
    return f"{value:g}"


def _quoted(label: str) -> str:
    return f"“{label}”"


def completeness_figure(completeness: Completeness) -> str:
    """The completeness percentage as every format prints it: `87.5 %`, `100 %`."""
    return f"{completeness.percent:g} %"


def completeness_detail(completeness: Completeness) -> str:
    """The counts behind the figure: `35 of 40 criteria answered, 3 of them as not applicable`."""
    c = completeness
    noun = "criterion" if c.relevant == 1 else "criteria"
    text = f"{c.answered} of {c.relevant} {noun} answered"
    if c.not_applicable:
        text += f", {c.not_applicable} of them as not applicable"
    return text


def completeness_text(completeness: Completeness) -> str:
    """Completeness with its counts, the same words in every format (docs/scoring.md §5):
    `87.5 % (35 of 40 criteria answered, 3 of them as not applicable)`."""
    return f"{completeness_figure(completeness)} ({completeness_detail(completeness)})"


def pass_mark(criterion: Criterion) -> str:
    """What meets the criterion: `≥ 95 %`, `> 50 %`, `≤ 30 days`, `yes`, `“X” or better`."""
    answer, rule = criterion.answer, criterion.met_when
    if isinstance(answer, BooleanAnswer):
        return "yes" if rule is not False else "no"
    if isinstance(answer, ChoiceAnswer):
        options = answer.options
        meeting = [o for o in options if o.meets]
        first = options.index(meeting[0])
        # Options run from least to most mature: a meeting tail reads "X or better".
        if len(meeting) > 1 and all(o.meets for o in options[first:]):
            return f"{_quoted(meeting[0].label)} or better"
        return " or ".join(_quoted(o.label) for o in meeting)
    assert isinstance(rule, Threshold)
    unit = " %" if isinstance(answer, PercentAnswer) else f" {_unit(criterion)}"
    if rule.min is not None:
        return f"{'>' if rule.exclusive else '≥'} {_number(rule.min)}{unit}"
    assert rule.max is not None
    return f"{'<' if rule.exclusive else '≤'} {_number(rule.max)}{unit}"


def _unit(criterion: Criterion) -> str:
    answer = criterion.answer
    return answer.unit if isinstance(answer, NumberAnswer) else "%"


def answer_text(criterion: Criterion, value: AnswerValue | None) -> str:
    """An answer in words: `97 %`, `yes`, `45 days`, `“Option”`, `N/A`; `—` when unanswered."""
    if value is None:
        return "—"
    if isinstance(value, NotApplicable):
        return "N/A"
    answer = criterion.answer
    if isinstance(answer, BooleanAnswer):
        return "yes" if value is True else "no"
    if isinstance(answer, ChoiceAnswer):
        label = next((o.label for o in answer.options if o.id == value), str(value))
        return _quoted(label)
    if isinstance(value, bool | str):
        return str(value)
    if isinstance(answer, PercentAnswer):
        return f"{_number(value)} %"
    return f"{_number(value)} {_unit(criterion)}"


def shortfall(criterion: Criterion, value: AnswerValue | None) -> str:
    """How far a number misses its pass mark (`3 points short`, `15 days over`); else ''."""
    rule = criterion.met_when
    if (
        not isinstance(rule, Threshold)
        or value is None
        or isinstance(value, bool | str | NotApplicable)
    ):
        return ""
    percent = isinstance(criterion.answer, PercentAnswer)
    bound = rule.min if rule.min is not None else rule.max
    assert bound is not None
    gap = round(bound - value if rule.min is not None else value - bound, 2)
    if gap < 0 or (gap == 0 and not rule.exclusive):
        return ""
    if gap == 0:
        limit = f"{_number(bound)} %" if percent else f"{_number(bound)} {_unit(criterion)}"
        return f"exactly {limit}, not {'more' if rule.min is not None else 'less'}"
    unit = ("point" if gap == 1 else "points") if percent else _unit(criterion)
    return f"{_number(gap)} {unit} {'short' if rule.min is not None else 'over'}"


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why one criterion has its status, in parts and as one phrase (`text`)."""

    criterion_id: str
    status: Status
    pass_mark: str
    answer: str
    gap: str  # how far a number misses; '' otherwise
    text: str  # e.g. "met at ≥ 95 %; answered 97 %"

    @property
    def sentence(self) -> str:
        """`text` with a capital first letter, for use on its own."""
        return self.text[:1].upper() + self.text[1:]


def explain_answer(criterion: Criterion, value: AnswerValue | None) -> Explanation:
    """Why an answer meets its criterion or not, from the criterion's own rule.

    What the survey shows beside an answer; the result (`explain_criterion`) adds what only
    scoring knows: skip logic, jurisdiction and the service profile.
    """
    mark = pass_mark(criterion)
    said = answer_text(criterion, value)
    gap = ""
    if value is None:
        status, text = Status.UNANSWERED, f"unanswered: needs {mark}"
    elif isinstance(value, NotApplicable):
        status, text = Status.NOT_APPLICABLE, f"not applicable: {value.justification}"
    elif _meets(criterion, value):
        status = Status.MET
        if isinstance(criterion.answer, BooleanAnswer):
            text = f"met: answered {said}"
        else:
            text = f"met at {mark}; answered {said}"
    else:
        status = Status.NOT_MET
        gap = shortfall(criterion, value)
        text = f"not met: needs {mark}; answered {said}" + (f" ({gap})" if gap else "")
    if not criterion.gating and status is not Status.NOT_APPLICABLE:
        text += " (beyond the stages: good practice that does not change the stage)"
    return Explanation(criterion.id, status, mark, said, gap, text)


def _meets(criterion: Criterion, value: AnswerValue) -> bool:
    answer, rule = criterion.answer, criterion.met_when
    if isinstance(answer, ChoiceAnswer):
        return any(o.id == value and o.meets for o in answer.options)
    if isinstance(rule, Threshold):
        if isinstance(value, bool | str | NotApplicable):
            return False
        if rule.min is not None:
            return value > rule.min if rule.exclusive else value >= rule.min
        assert rule.max is not None
        return value < rule.max if rule.exclusive else value <= rule.max
    return value is rule


def scope_reason(
    model: Model,
    criterion: Criterion,
    context: Context,
    *,
    country_name: CountryName | None = None,
) -> str:
    """Why a criterion is out of scope for an organisation ('' when it is in scope)."""
    if criterion.applies_in and context.country:
        countries = {c for j in criterion.applies_in for c in model.jurisdiction(j).countries}
        if context.country.upper() not in countries:
            name = country_name(context.country) if country_name else context.country
            where = " or ".join(model.jurisdiction(j).name for j in criterion.applies_in)
            return f"not applicable in {name} (applies in {where})"
    runs = context.services
    missing = [s for s in criterion.services if runs.get(s) is False]
    if (
        not missing
        and criterion.services_any
        and all(runs.get(s) is False for s in criterion.services_any)
    ):
        missing = list(criterion.services_any)
    if missing:
        names = " or ".join(model.service(s).name.lower() for s in missing)
        return f"not applicable: the service profile has no {names}"
    return ""


def explain_criterion(
    result: Result, criterion_id: str, *, country_name: CountryName | None = None
) -> Explanation:
    """Why `criterion_id` has its status in `result`, with its pass mark and the answer."""
    model = result.model
    criterion = model.criteria_by_id[criterion_id]
    status = result.status(criterion_id)
    value = result.values.get(criterion_id)
    if (
        status is not Status.NOT_APPLICABLE
        or isinstance(value, NotApplicable)
        and (criterion_id not in result.hidden)
    ):
        found = explain_answer(criterion, value)
        assert found.status is status, (criterion_id, found.status, status)
        return found
    text = _not_applicable(result, criterion, value, country_name)
    return Explanation(
        criterion_id, status, pass_mark(criterion), answer_text(criterion, value), "", text
    )


def _not_applicable(
    result: Result,
    criterion: Criterion,
    value: AnswerValue | None,
    country_name: CountryName | None,
) -> str:
    model = result.model
    if criterion.id in result.out_of_scope:
        return scope_reason(model, criterion, result.context, country_name=country_name)
    if criterion.id in result.hidden and criterion.relevant_when is not None:
        controller = model.criteria_by_id[criterion.relevant_when.criterion]
        if controller.id in result.hidden:
            return f"not asked: it depends on {controller.id}, which is not asked"
        answered = answer_text(controller, result.values.get(controller.id))
        return f"not asked: {controller.id} is answered {answered}"
    if isinstance(value, NotApplicable):
        return f"not applicable: {value.justification}"
    return "not applicable"


# --- why the stage ------------------------------------------------------------------------------


def _closeness(criterion: Criterion, value: AnswerValue | None) -> float:
    """0 (just missed) .. 1 (far off): how near a not-met answer is to its pass mark."""
    rule, answer = criterion.met_when, criterion.answer
    if (
        isinstance(rule, Threshold)
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        low = 0.0 if isinstance(answer, PercentAnswer) else getattr(answer, "minimum", 0.0)
        high = 100.0 if isinstance(answer, PercentAnswer) else getattr(answer, "maximum", None)
        bound = rule.min if rule.min is not None else rule.max
        assert bound is not None
        span = (high - low) if high is not None and high > low else max(abs(bound), 1.0)
        return min(1.0, abs(bound - value) / span)
    if isinstance(answer, ChoiceAnswer) and isinstance(value, str):
        ids = [o.id for o in answer.options]
        first_meeting = next(i for i, o in enumerate(answer.options) if o.meets)
        if value in ids:
            steps = abs(first_meeting - ids.index(value))
            return min(1.0, steps / max(1, len(ids) - 1))
    return 1.0


def nearest_misses(result: Result, target: str | None = None) -> list[Explanation]:
    """The not-met gating criteria of the next target (or `target`), nearest first."""
    target = target or result.next_target
    if target is None:
        return []
    model = result.model
    missed = [c for c in model.criteria_of(target) if result.status(c.id) is Status.NOT_MET]
    order = {c.id: i for i, c in enumerate(model.criteria)}
    missed.sort(key=lambda c: (_closeness(c, result.values.get(c.id)), order[c.id]))
    return [explain_criterion(result, c.id) for c in missed]


def _named(items: Iterable[Explanation], limit: int) -> tuple[list[str], int]:
    listed = list(items)
    shown = [
        f"{e.criterion_id} (needs {e.pass_mark}, answered {e.answer}"
        + (f", {e.gap})" if e.gap else ")")
        for e in listed[:limit]
    ]
    return shown, max(0, len(listed) - limit)


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _branches_words(letters: Sequence[str]) -> str:
    """`branch A`, `branches A and C`, `branches A, B and C`."""
    if len(letters) == 1:
        return f"branch {letters[0]}"
    return "branches " + _join(list(letters))


def _target_words(model: Model, target: str) -> str:
    if target.startswith("S"):
        return f"stage {target[1:]}"
    return f"branch {target} ({model.branch(target).name})"


def why_stage(result: Result, *, limit: int = 3) -> str:
    """One sentence: why the stage is what it is, naming the nearest misses.

    "Stage 2: stages 1 and 2 are reached; stage 3 is not, nearest misses WS-02 (needs ≥ 80 %;
    answered 75 %, 5 points short) and QS-05 (…); 2 more criteria are unanswered."
    """
    model = result.model
    n_core = len(CORE_STAGES)
    core, stage = result.core_stage, result.stage
    mastered = result.mastered_branches
    if core < n_core:
        if core == 0:
            reached = "no core stage is reached yet"
        elif core == 1:
            reached = "stage 1 is reached"
        elif core == 2:
            reached = "stages 1 and 2 are reached"
        else:
            reached = f"stages 1 to {core} are reached"
        head = f"Stage {stage}: {reached}; stage {core + 1} is not"
        if mastered:
            verb = "is" if len(mastered) == 1 else "are"
            head += (
                f" ({_branches_words(mastered)} {verb} mastered but count only from core stage 4)"
            )
    else:
        if not mastered:
            head = f"Stage {stage}: core stages 1 to 4 are reached and no branch is mastered yet"
        else:
            verb = "is" if len(mastered) == 1 else "are"
            head = (
                f"Stage {stage}: core stages 1 to 4 are reached and "
                f"{_branches_words(mastered)} {verb} mastered"
            )
        target = result.next_target
        if target is None:
            return head + "."
        head += f"; the nearest next step is {_target_words(model, target)}"
    misses = nearest_misses(result)
    shown, more = _named(misses, limit)
    unanswered = sum(
        1
        for c in model.criteria_of(result.next_target or "")
        if result.status(c.id) is Status.UNANSWERED
    )
    tail: list[str] = []
    if shown:
        label = "nearest miss" if len(misses) == 1 else "nearest misses"
        tail.append(f"{label} {_join(shown)}")
    if more:
        tail.append(f"{more} more not met")
    if unanswered:
        noun = "criterion is" if unanswered == 1 else "criteria are"
        tail.append(f"{unanswered} {noun} unanswered")
    if not tail:
        return head + "."
    return f"{head}: " + "; ".join(tail) + "."


def stage_meaning(result: Result) -> str:
    """What the stage reached means, never contradicting the answers.

    The model's description of a stage above 0 says what was reached; stage 0 only means that
    stage 1 is not reached yet, whatever the model's text for stage 0 claims.
    """
    model = result.model
    if result.stage == 0:
        first = model.stage_info(1).name
        return f"Stage 1 ({first}) is not reached yet."
    return " ".join(model.stage_info(result.stage).description.split())
