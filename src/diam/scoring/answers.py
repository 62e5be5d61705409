"""Answers: the answers-file contract (design.md §3) parsed into values the engine scores.

`parse_answer_file` checks a whole document and reports every problem with the criterion it
concerns; `parse_value` checks one raw value and is shared by the web forms and the API.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from diam.model.schema import (
    BooleanAnswer,
    ChoiceAnswer,
    Criterion,
    Model,
    NumberAnswer,
    PercentAnswer,
)
from diam.scoring.context import NO_CONTEXT, Context
from diam.text import text_problem


@dataclass(frozen=True, slots=True)
class NotApplicable:
    """An N/A answer; only valid where the model allows it, and always justified."""

    justification: str


AnswerValue = bool | float | int | str | NotApplicable
"""bool for boolean criteria, a number for percent/number, an option id for choices, or N/A."""


@dataclass(frozen=True)
class AnswerSheet:
    """Validated answers to one model version: values for scoring plus respondents' comments."""

    model_id: str
    model_version: str
    values: Mapping[str, AnswerValue]
    comments: Mapping[str, str] = field(default_factory=dict)
    context: Context = NO_CONTEXT  # `meta.country` and the `services` profile of the file


class AnswerError(ValueError):
    """The answers cannot be scored; `problems` names each criterion (or key) that is wrong."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class InvalidValue(ValueError):
    """One answer value does not fit its criterion; the message says why, for the respondent."""


TOP_LEVEL_KEYS = {"model", "model_version", "answers", "meta", "services"}
# The bounds of the text that goes with an answer: the web form, the CLI and the API share them.
COMMENT_MAX_LENGTH = 5000
JUSTIFICATION_MAX_LENGTH = 2000
ANSWER_KEYS = {"value", "na", "justification", "comment"}


# Answers are percentages, counts and durations; an integer past this cannot be stored as a
# JSON number exactly by every database, nor meant.
_LARGEST_NUMBER = 10**15


def _is_number(raw: Any) -> bool:
    # JSON true/false are Python ints; a percent of `true` is a type error, not 1 %.
    return isinstance(raw, int | float) and not isinstance(raw, bool)


def _finite(number: float) -> bool:
    try:
        return math.isfinite(number)
    except OverflowError:  # an integer too large for a float (JSON allows any length)
        return False


def parse_value(criterion: Criterion, raw: Any) -> bool | float | int | str:
    """Check one answer value against its criterion's answer type; raise `InvalidValue`."""
    answer = criterion.answer
    if isinstance(answer, BooleanAnswer):
        if not isinstance(raw, bool):
            raise InvalidValue(f"expected yes/no (true or false), got {_show(raw)}")
        return raw
    if isinstance(answer, ChoiceAnswer):
        ids = [o.id for o in answer.options]
        if not isinstance(raw, str) or raw not in ids:
            raise InvalidValue(f"expected one of {', '.join(ids)}; got {_show(raw)}")
        return raw
    if isinstance(raw, int) and not isinstance(raw, bool) and abs(raw) > _LARGEST_NUMBER:
        raise InvalidValue("expected a number, got one with more than 15 digits")
    if not _is_number(raw) or not _finite(raw):
        raise InvalidValue(f"expected a number, got {_show(raw)}")
    number: float | int = raw
    if isinstance(answer, PercentAnswer):
        if not 0 <= number <= 100:
            raise InvalidValue(f"a percentage must be between 0 and 100, got {number:g}")
        return number
    assert isinstance(answer, NumberAnswer)
    if number < answer.minimum or (answer.maximum is not None and number > answer.maximum):
        upper = f"{answer.maximum:g}" if answer.maximum is not None else "no limit"
        raise InvalidValue(
            f"must be between {answer.minimum:g} and {upper} {answer.unit}, got {number:g}"
        )
    return number


def _show(raw: Any) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if raw is None:
        return "null"
    if isinstance(raw, str):
        return repr(raw[:40])
    if isinstance(raw, dict | list):
        return "an object" if isinstance(raw, dict) else "a list"
    return repr(raw)


def parse_answer(criterion: Criterion, raw: Any) -> tuple[AnswerValue | None, str | None]:
    """One entry of the `answers` object: `(value or None if unanswered, comment)`."""
    if not isinstance(raw, dict):
        return (None if raw is None else parse_value(criterion, raw)), None
    unknown = sorted(set(raw) - ANSWER_KEYS)
    if unknown:
        raise InvalidValue(
            f"unknown key(s) {', '.join(unknown)} (allowed: value, na, justification, comment)"
        )
    comment = raw.get("comment")
    if comment is not None:
        if not isinstance(comment, str):
            raise InvalidValue("comment must be text")
        problem = text_problem(comment, max_length=COMMENT_MAX_LENGTH)
        if problem:
            raise InvalidValue(f"the comment {problem}")
    justification = raw.get("justification")
    if isinstance(justification, str):
        problem = text_problem(justification, max_length=JUSTIFICATION_MAX_LENGTH)
        if problem:
            raise InvalidValue(f"the justification {problem}")
    if raw.get("na") is True:
        if not criterion.na_allowed:
            raise InvalidValue("N/A is not allowed for this criterion")
        if not isinstance(justification, str) or not justification.strip():
            raise InvalidValue("N/A needs a justification")
        if raw.get("value") is not None:
            raise InvalidValue("give either a value or N/A, not both")
        return NotApplicable(justification.strip()), comment
    if "na" in raw and raw["na"] is not False:
        raise InvalidValue("na must be true or false")
    value = raw.get("value")
    return (None if value is None else parse_value(criterion, value)), comment


def parse_answer_file(model: Model, data: Any) -> AnswerSheet:
    """Validate an answers document for `model`; raise `AnswerError` listing every problem."""
    if not isinstance(data, dict):
        raise AnswerError(["the answers file must be a JSON object"])
    problems: list[str] = []
    unknown = sorted(set(data) - TOP_LEVEL_KEYS)
    if unknown:
        problems.append(f"unknown top-level key(s): {', '.join(unknown)}")
    model_id = data.get("model")
    if model_id != model.id:
        problems.append(f"`model` must be {model.id!r}, got {_show(model_id)}")
    version = data.get("model_version", model.version)
    if version != model.version:
        problems.append(
            f"answers are for model version {_show(version)} but the model is {model.version}"
        )
    answers = data.get("answers")
    if not isinstance(answers, dict):
        problems.append("`answers` must be an object mapping criterion ids to answers")
        raise AnswerError(problems)
    values: dict[str, AnswerValue] = {}
    comments: dict[str, str] = {}
    by_id = model.criteria_by_id
    for cid, raw in answers.items():
        criterion = by_id.get(cid)
        if criterion is None:
            problems.append(f"{cid}: unknown criterion id")
            continue
        try:
            value, comment = parse_answer(criterion, raw)
        except InvalidValue as exc:
            problems.append(f"{cid}: {exc}")
            continue
        if value is not None:
            values[cid] = value
        if comment:
            comments[cid] = comment
    context = _parse_context(model, data, problems)
    if problems:
        raise AnswerError(problems)
    return AnswerSheet(model.id, model.version, values, comments, context)


def _parse_context(model: Model, data: dict[str, Any], problems: list[str]) -> Context:
    """`meta.country` (ISO code) and `services` (service id -> true/false/null) of a file."""
    country: str | None = None
    meta = data.get("meta")
    if meta is not None and not isinstance(meta, dict):
        problems.append("`meta` must be an object")
    elif isinstance(meta, dict) and meta.get("country") is not None:
        raw = meta["country"]
        if not isinstance(raw, str) or len(raw) != 2 or not raw.isascii() or not raw.isalpha():
            problems.append(
                f'meta.country must be a two-letter ISO 3166-1 code such as "DE", got {_show(raw)}'
            )
        else:
            country = raw.upper()
    services: dict[str, bool] = {}
    raw_services = data.get("services")
    if raw_services is not None:
        known = [s.id for s in model.manifest.services]
        if not isinstance(raw_services, dict):
            problems.append("`services` must be an object mapping service ids to true or false")
        else:
            for sid, runs in raw_services.items():
                if sid not in known:
                    listing = ", ".join(known) or "none in this model"
                    problems.append(f"services.{sid}: unknown service (known: {listing})")
                elif runs is not None and not isinstance(runs, bool):
                    problems.append(
                        f"services.{sid}: expected true, false or null, got {_show(runs)}"
                    )
                elif runs is not None:
                    services[sid] = runs
    if country is None and not services:
        return NO_CONTEXT
    return Context(country=country, services=services)


def answer_sheet_to_dict(sheet: AnswerSheet) -> dict[str, Any]:
    """The answers-file document for a sheet (the inverse of `parse_answer_file`)."""
    answers: dict[str, Any] = {}
    for cid in sorted(set(sheet.values) | set(sheet.comments)):
        value = sheet.values.get(cid)
        comment = sheet.comments.get(cid)
        if isinstance(value, NotApplicable):
            entry: dict[str, Any] = {"na": True, "justification": value.justification}
            if comment:
                entry["comment"] = comment
            answers[cid] = entry
        elif comment:
            answers[cid] = {"value": value, "comment": comment}
        else:
            answers[cid] = value
    doc: dict[str, Any] = {
        "model": sheet.model_id,
        "model_version": sheet.model_version,
        "answers": answers,
    }
    if sheet.context.services:
        doc["services"] = dict(sorted(sheet.context.services.items()))
    if sheet.context.country:
        doc["meta"] = {"country": sheet.context.country}
    return doc
