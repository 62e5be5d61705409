"""The model as a FHIR Questionnaire, an assessment as a QuestionnaireResponse, and back.

Two FHIR versions are produced: R5 (5.0.0, the default) and R4B (4.3.0), the releases
`fhir.resources` ships. There is no plain R4 (4.0.1) module there; an R4 server reads R4B
Questionnaires as long as no R4B-only element is used, and none is here (only the `choice`
item type differs from R5's `coding`).

Shape (docs/data-exchange.md): one `group` item per focus area (linkId = its code), holding per
criterion
- the question, linkId = the criterion id: `boolean`, `decimal` (percent: 0-100 by the minValue
  / maxValue extensions and unit %; numbers: their range and unit) or `coding` / `choice` with
  the options as `answerOption`s (code = option id); its help child (`<id>.help`, a display
  item) says when it is met and how to answer, and the pass mark is also in an extension;
- `<id>.na` (boolean, only where N/A is allowed) and `<id>.justification` (text, enabled when
  N/A is true), and `<id>.comment` (text).
Skip logic (`relevant_when`) becomes `enableWhen` on all of them: the engine keeps a question
while its controlling answer is unanswered, so `in`/`equals`/`min`/`max` add an
`exists = false` condition with `enableBehavior = any`; `not_in` uses `!=`, which FHIR
defines as true when no answer equals the value, so unanswered is enabled there too.

`fhir.resources` validates structure and types but not coded values bound to value sets
(a status of "finished-ish" passes), so this module checks those itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from diam.exchange.safety import UploadProblem
from diam.exchange.text import rule_text, where_text
from diam.model.schema import (
    BooleanAnswer,
    ChoiceAnswer,
    Condition,
    Criterion,
    Model,
    NumberAnswer,
    PercentAnswer,
)
from diam.scoring.answers import AnswerError, AnswerSheet, NotApplicable, parse_answer_file

FhirVersion = Literal["R5", "R4B"]
FHIR_VERSIONS: dict[str, str] = {"R5": "5.0.0", "R4B": "4.3.0"}

EXT_MIN = "http://hl7.org/fhir/StructureDefinition/minValue"
EXT_MAX = "http://hl7.org/fhir/StructureDefinition/maxValue"
EXT_UNIT = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit"
EXT_ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"
UCUM = "http://unitsofmeasure.org"

# Coded values fhir.resources does not check (required bindings), per version.
ITEM_TYPES: dict[str, frozenset[str]] = {
    "R5": frozenset(
        "group display question boolean decimal integer date dateTime time string text url "
        "coding attachment reference quantity".split()
    ),
    "R4B": frozenset(
        "group display boolean decimal integer date dateTime time string text url choice "
        "open-choice attachment reference quantity".split()
    ),
}
ENABLE_OPERATORS = frozenset(("exists", "=", "!=", ">", "<", ">=", "<="))
ENABLE_BEHAVIORS = frozenset(("all", "any"))
PUBLICATION_STATUS = frozenset(("draft", "active", "retired", "unknown"))
RESPONSE_STATUS = frozenset(("in-progress", "completed", "amended", "entered-in-error", "stopped"))

NA_SUFFIX, JUSTIFICATION_SUFFIX, COMMENT_SUFFIX, HELP_SUFFIX = (
    ".na",
    ".justification",
    ".comment",
    ".help",
)
_CANONICAL = re.compile(r"/Questionnaire/([a-z][a-z0-9-]*)(?:\|([^|]+))?$")


def questionnaire_url(base: str, model_id: str) -> str:
    """The Questionnaire's canonical URL (without version) under `base`."""
    return f"{base.rstrip('/')}/Questionnaire/{model_id}"


def pass_mark_extension_url(base: str) -> str:
    return f"{base.rstrip('/')}/StructureDefinition/pass-mark"


def option_system(base: str, model_id: str, criterion_id: str) -> str:
    """The code system of one criterion's options (codes are the option ids)."""
    return f"{base.rstrip('/')}/CodeSystem/{model_id}-{criterion_id}"


def _computable_name(model: Model) -> str:
    words = re.split(r"[^A-Za-z0-9]+", f"diam {model.id}")
    return "".join(w[:1].upper() + w[1:] for w in words if w)


# --- Questionnaire ---------------------------------------------------------------------------


def _enable_when(cond: Condition, version: FhirVersion, base: str, model: Model) -> dict[str, Any]:
    """`enableWhen` + `enableBehavior` for a criterion's `relevant_when` (see module doc)."""
    controller = model.criteria_by_id.get(cond.criterion)

    def answer_key(value: bool | float | str) -> dict[str, Any]:
        if isinstance(value, bool):
            return {"answerBoolean": value}
        if isinstance(value, str):
            coding: dict[str, Any] = {"code": value}
            if controller is not None:
                coding["system"] = option_system(base, model.id, controller.id)
            return {"answerCoding": coding}
        return {"answerDecimal": value}

    unanswered = {"question": cond.criterion, "operator": "exists", "answerBoolean": False}
    q = cond.criterion
    if cond.not_in is not None:
        whens = [{"question": q, "operator": "!=", **answer_key(v)} for v in cond.not_in]
        return {"enableWhen": whens, "enableBehavior": "all"}
    if cond.in_ is not None:
        whens = [{"question": q, "operator": "=", **answer_key(v)} for v in cond.in_]
    elif cond.equals is not None:
        whens = [{"question": q, "operator": "=", **answer_key(cond.equals)}]
    elif cond.min is not None:
        whens = [{"question": q, "operator": ">=", "answerDecimal": cond.min}]
    elif cond.max is not None:
        whens = [{"question": q, "operator": "<=", "answerDecimal": cond.max}]
    else:
        return {}
    return {"enableWhen": [unanswered, *whens], "enableBehavior": "any"}


def _question(
    criterion: Criterion, model: Model, version: FhirVersion, base: str
) -> dict[str, Any]:
    answer = criterion.answer
    item: dict[str, Any] = {
        "linkId": criterion.id,
        "prefix": criterion.id,
        "text": " ".join(criterion.statement.split()),
    }
    extensions: list[dict[str, Any]] = [
        {"url": pass_mark_extension_url(base), "valueString": rule_text(criterion)}
    ]
    if isinstance(answer, BooleanAnswer):
        item["type"] = "boolean"
    elif isinstance(answer, ChoiceAnswer):
        item["type"] = "coding" if version == "R5" else "choice"
        if version == "R5":
            item["answerConstraint"] = "optionsOnly"
        system = option_system(base, model.id, criterion.id)
        item["answerOption"] = [
            {"valueCoding": {"system": system, "code": o.id, "display": o.label}}
            for o in answer.options
        ]
    elif isinstance(answer, PercentAnswer):
        item["type"] = "decimal"
        extensions += [
            {"url": EXT_MIN, "valueDecimal": 0},
            {"url": EXT_MAX, "valueDecimal": 100},
            {"url": EXT_UNIT, "valueCoding": {"system": UCUM, "code": "%", "display": "%"}},
        ]
    else:
        assert isinstance(answer, NumberAnswer)
        item["type"] = "decimal"
        extensions.append({"url": EXT_MIN, "valueDecimal": answer.minimum})
        if answer.maximum is not None:
            extensions.append({"url": EXT_MAX, "valueDecimal": answer.maximum})
        extensions.append({"url": EXT_UNIT, "valueCoding": {"display": answer.unit}})
    item["extension"] = extensions
    help_text = (
        f"{where_text(model, criterion)}. Met when: {rule_text(criterion)}. "
        f"How to answer: {' '.join(criterion.guidance.split())}"
    )
    item["item"] = [
        {
            "linkId": criterion.id + HELP_SUFFIX,
            "type": "display",
            "text": help_text,
            "extension": [
                {
                    "url": EXT_ITEM_CONTROL,
                    "valueCodeableConcept": {
                        "coding": [{"system": ITEM_CONTROL_SYSTEM, "code": "help"}]
                    },
                }
            ],
        }
    ]
    return item


def _criterion_items(
    criterion: Criterion, model: Model, version: FhirVersion, base: str
) -> list[dict[str, Any]]:
    skip = (
        _enable_when(criterion.relevant_when, version, base, model)
        if criterion.relevant_when is not None
        else {}
    )
    items = [{**_question(criterion, model, version, base), **skip}]
    if criterion.na_allowed:
        condition = criterion.na.condition if criterion.na is not None else ""
        items.append(
            {
                "linkId": criterion.id + NA_SUFFIX,
                "text": f"{criterion.id}: not applicable? ({condition})".replace(" ()", ""),
                "type": "boolean",
                **skip,
            }
        )
        items.append(
            {
                "linkId": criterion.id + JUSTIFICATION_SUFFIX,
                "text": f"{criterion.id}: why is it not applicable?",
                "type": "text",
                "enableWhen": [
                    {
                        "question": criterion.id + NA_SUFFIX,
                        "operator": "=",
                        "answerBoolean": True,
                    }
                ],
            }
        )
    items.append(
        {
            "linkId": criterion.id + COMMENT_SUFFIX,
            "text": f"{criterion.id}: comment (optional)",
            "type": "text",
            **skip,
        }
    )
    return items


def questionnaire(
    model: Model,
    *,
    base: str,
    fhir_version: FhirVersion = "R5",
    date: datetime | None = None,
) -> dict[str, Any]:
    """The model version as a FHIR Questionnaire (JSON-ready dict) of `fhir_version`."""
    if fhir_version not in FHIR_VERSIONS:
        raise ValueError(f"FHIR version must be one of {', '.join(FHIR_VERSIONS)}")
    m = model.manifest
    groups = []
    for fa in m.focus_areas:
        items: list[dict[str, Any]] = []
        for criterion in model.criteria:
            if criterion.focus_area == fa.code:
                items += _criterion_items(criterion, model, fhir_version, base)
        if items:
            groups.append(
                {
                    "linkId": fa.code,
                    "prefix": fa.code,
                    "text": fa.name,
                    "type": "group",
                    "item": items,
                }
            )
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": f"{model.id}-{model.version}",
        "url": questionnaire_url(base, model.id),
        "version": model.version,
        "name": _computable_name(model),
        "title": m.name,
        "status": "active",
        "experimental": False,
        "subjectType": ["Organization"],
        "publisher": "diam (an open model inspired by DIAM; not an official DIAM rating)",
        "description": " ".join(m.description.split()),
        "item": groups,
    }
    if date is not None:
        resource["date"] = date.isoformat(timespec="seconds")
    return resource


# --- QuestionnaireResponse -------------------------------------------------------------------


def _value(criterion: Criterion, value: bool | float | str, base: str, model: Model) -> Any:
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(criterion.answer, ChoiceAnswer):
        label = next((o.label for o in criterion.answer.options if o.id == value), str(value))
        return {
            "valueCoding": {
                "system": option_system(base, model.id, criterion.id),
                "code": value,
                "display": label,
            }
        }
    return {"valueDecimal": value}


def questionnaire_response(
    model: Model,
    sheet: AnswerSheet,
    *,
    base: str,
    status: str,
    authored: datetime,
    subject: str | None = None,
    fhir_version: FhirVersion = "R5",
) -> dict[str, Any]:
    """An assessment's answers as a QuestionnaireResponse to the model's Questionnaire.

    `status` is a FHIR QuestionnaireResponse status (`in-progress` for a draft, `completed`
    once submitted); `subject` the organisation's name (a display-only reference).
    """
    if status not in RESPONSE_STATUS:
        raise ValueError(f"status must be one of {', '.join(sorted(RESPONSE_STATUS))}")
    if fhir_version not in FHIR_VERSIONS:
        raise ValueError(f"FHIR version must be one of {', '.join(FHIR_VERSIONS)}")
    groups = []
    for fa in model.manifest.focus_areas:
        items: list[dict[str, Any]] = []
        for criterion in model.criteria:
            if criterion.focus_area != fa.code:
                continue
            cid = criterion.id
            value = sheet.values.get(cid)
            if isinstance(value, NotApplicable):
                items.append({"linkId": cid + NA_SUFFIX, "answer": [{"valueBoolean": True}]})
                items.append(
                    {
                        "linkId": cid + JUSTIFICATION_SUFFIX,
                        "answer": [{"valueString": value.justification}],
                    }
                )
            elif value is not None:
                items.append(
                    {
                        "linkId": cid,
                        "text": " ".join(criterion.statement.split()),
                        "answer": [_value(criterion, value, base, model)],
                    }
                )
            comment = sheet.comments.get(cid)
            if comment:
                items.append({"linkId": cid + COMMENT_SUFFIX, "answer": [{"valueString": comment}]})
        if items:
            groups.append({"linkId": fa.code, "text": fa.name, "item": items})
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{questionnaire_url(base, model.id)}|{model.version}",
        "status": status,
        "authored": authored.isoformat(timespec="seconds"),
        "item": groups,
    }
    if subject:
        resource["subject"] = {"display": subject}
    return resource


# --- validation ------------------------------------------------------------------------------


def _resource_class(resource_type: str, version: str) -> Any:
    if resource_type == "Questionnaire":
        if version == "R4B":
            from fhir.resources.R4B.questionnaire import Questionnaire as Q4B

            return Q4B
        from fhir.resources.questionnaire import Questionnaire

        return Questionnaire
    if version == "R4B":
        from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse as QR4B

        return QR4B
    from fhir.resources.questionnaireresponse import QuestionnaireResponse

    return QuestionnaireResponse


def structure_problems(resource: Mapping[str, Any], fhir_version: str) -> list[str]:
    """What fhir.resources finds wrong with the resource's structure and types (empty: fine)."""
    from pydantic import ValidationError

    cls = _resource_class(str(resource.get("resourceType")), fhir_version)
    try:
        cls.model_validate(dict(resource))
    except ValidationError as exc:
        return [
            f"{'.'.join(str(p) for p in error['loc']) or 'resource'}: {error['msg']}"
            for error in exc.errors()[:20]
        ]
    except (ValueError, TypeError) as exc:
        return [str(exc)[:300]]
    return []


def _walk(items: Any) -> Iterator[dict[str, Any]]:
    """Every item of a (Questionnaire or Response) item tree, depth first."""
    if not isinstance(items, list):
        return
    for item in items:
        if not isinstance(item, dict):
            continue
        yield item
        yield from _walk(item.get("item"))
        for answer in item.get("answer") or []:
            if isinstance(answer, dict):
                yield from _walk(answer.get("item"))


def coded_value_problems(resource: Mapping[str, Any], fhir_version: str) -> list[str]:
    """Coded values with required bindings that fhir.resources lets through, plus linkId
    uniqueness and enableWhen targets (empty: fine)."""
    problems: list[str] = []
    kind = resource.get("resourceType")
    if kind == "Questionnaire":
        if resource.get("status") not in PUBLICATION_STATUS:
            problems.append(f"status {resource.get('status')!r} is not a publication status")
        seen: set[str] = set()
        for item in _walk(resource.get("item")):
            link = item.get("linkId")
            if link in seen:
                problems.append(f"linkId {link!r} is used twice")
            seen.add(str(link))
            if item.get("type") not in ITEM_TYPES[fhir_version]:
                problems.append(f"{link}: item type {item.get('type')!r} is not {fhir_version}")
            if item.get("enableBehavior") not in (None, *ENABLE_BEHAVIORS):
                problems.append(f"{link}: enableBehavior {item.get('enableBehavior')!r}")
            codes = [o.get("valueCoding", {}).get("code") for o in item.get("answerOption") or []]
            if len(codes) != len(set(codes)):
                problems.append(f"{link}: answer option codes repeat")
        for item in _walk(resource.get("item")):
            for when in item.get("enableWhen") or []:
                if when.get("operator") not in ENABLE_OPERATORS:
                    problems.append(f"{item.get('linkId')}: operator {when.get('operator')!r}")
                if when.get("question") not in seen:
                    problems.append(
                        f"{item.get('linkId')}: enableWhen names unknown item "
                        f"{when.get('question')!r}"
                    )
    elif kind == "QuestionnaireResponse":
        if resource.get("status") not in RESPONSE_STATUS:
            problems.append(
                f"status {resource.get('status')!r} is not a QuestionnaireResponse status "
                f"({', '.join(sorted(RESPONSE_STATUS))})"
            )
    return problems


# --- reading a QuestionnaireResponse ---------------------------------------------------------

Resolve = Callable[[str, str | None], Model]
"""Finds the model a response is for (version None: the latest); raises `UploadProblem`."""


@dataclass(frozen=True)
class FhirAnswers:
    """A QuestionnaireResponse read back: its model, answers document and checked answers."""

    model: Model
    document: dict[str, Any]
    sheet: AnswerSheet
    fhir_version: str


def _raw_value(answer: Mapping[str, Any]) -> Any:
    """An answer's value[x] as an answers-file value (option codes for codings)."""
    for key, value in answer.items():
        if not key.startswith("value"):
            continue
        if key == "valueCoding":
            return value.get("code") if isinstance(value, dict) else value
        if key in ("valueBoolean", "valueDecimal", "valueInteger", "valueString"):
            return value
        return f"a {key[5:]} value"  # valueDate, valueQuantity…: the parser names the type
    return None


def read_questionnaire_response(data: Any, *, resolve: Resolve) -> FhirAnswers:
    """Read a QuestionnaireResponse (R5 or R4B JSON) into checked answers.

    Raises `UploadProblem`: the structure problems fhir.resources finds, a wrong status, an
    unknown questionnaire, then exactly the answers file's problems (one per criterion).
    """
    if not isinstance(data, dict) or data.get("resourceType") != "QuestionnaireResponse":
        raise UploadProblem(
            "The file is not a FHIR QuestionnaireResponse (resourceType must be "
            '"QuestionnaireResponse").'
        )
    version = "R5"
    problems = structure_problems(data, "R5")
    if problems and not structure_problems(data, "R4B"):
        version, problems = "R4B", []
    if problems:
        raise UploadProblem([f"QuestionnaireResponse.{p}" for p in problems])
    problems = coded_value_problems(data, version)
    if problems:
        raise UploadProblem(problems)
    canonical = data.get("questionnaire")
    match = _CANONICAL.search(canonical) if isinstance(canonical, str) else None
    if match is None:
        raise UploadProblem(
            "QuestionnaireResponse.questionnaire must name a diam Questionnaire "
            "(…/Questionnaire/<model>|<version>), got "
            f"{str(canonical)[:80]!r}."
        )
    model = resolve(match.group(1), match.group(2))
    entries: dict[str, dict[str, Any]] = {}
    problems = []
    for item in _walk(data.get("item")):
        link = item.get("linkId")
        answers = item.get("answer")
        if not isinstance(link, str) or not answers:
            continue  # groups, and questions left unanswered
        if len(answers) > 1:
            problems.append(f"{link}: more than one answer")
            continue
        raw = _raw_value(answers[0])
        cid, dot, part = link.partition(".")
        entry = entries.setdefault(cid if dot else link, {})
        if not dot:
            entry["value"] = raw
        elif part in ("na", "justification", "comment"):
            entry[part] = raw
        else:
            problems.append(f"{link}: not an item of the diam Questionnaire")
    if problems:
        raise UploadProblem(problems)
    document = {"model": model.id, "model_version": model.version, "answers": entries}
    try:
        sheet = parse_answer_file(model, document)
    except AnswerError as exc:
        raise UploadProblem(exc.problems) from None
    return FhirAnswers(model=model, document=document, sheet=sheet, fhir_version=version)
