"""The model as one JSON document (design.md §3, "Model export")."""

from __future__ import annotations

from typing import Any

from diam.model.schema import ChoiceAnswer, Criterion, Model, NumberAnswer, PercentAnswer, Threshold


def _rule(criterion: Criterion) -> Any:
    rule = criterion.met_when
    if isinstance(rule, Threshold):
        # "exclusive" only when set, so consumers that read min/max alone stay right but for
        # the bound itself ("more than 50 %" reads as 50).
        found: dict[str, Any] = {"min": rule.min} if rule.min is not None else {"max": rule.max}
        if rule.exclusive:
            found["exclusive"] = True
        return found
    return rule  # booleans: true/false; choices: None (see the options' `meets`)


def criterion_to_dict(c: Criterion) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": c.id,
        "focus_area": c.focus_area,
        **({"stage": c.stage} if c.stage is not None else {"branch": c.branch}),
        "gating": c.gating,
        **({"title": c.title} if c.title else {}),
        "statement": c.statement,
        "guidance": c.guidance,
        "answer_type": c.answer.type.value,
        "na_allowed": c.na_allowed,
    }
    if c.na is not None:
        out["na_condition"] = c.na.condition
    answer = c.answer
    if isinstance(answer, ChoiceAnswer):
        out["options"] = [{"id": o.id, "label": o.label, "meets": o.meets} for o in answer.options]
    else:
        out["met_when"] = _rule(c)
    if isinstance(answer, NumberAnswer):
        out["unit"] = answer.unit
        out["minimum"] = answer.minimum
        out["maximum"] = answer.maximum
    if isinstance(answer, PercentAnswer) and answer.denominator:
        out["denominator"] = answer.denominator
    if c.relevant_when is not None:
        out["relevant_when"] = c.relevant_when.model_dump(by_alias=True, exclude_none=True)
    if c.applies_in:
        out["applies_in"] = list(c.applies_in)
    if c.services:
        out["services"] = list(c.services)
    if c.services_any:
        out["services_any"] = list(c.services_any)
    out.update(
        evidence=c.evidence,
        references=list(c.references),
        recommendation=c.recommendation,
        ask=c.ask,
        system=c.system,
        effort=c.effort,
        impact=c.impact,
    )
    return out


def model_to_dict(model: Model) -> dict[str, Any]:
    """Everything a consumer needs to present and score the model, as plain JSON values."""
    m = model.manifest
    return {
        "id": m.id,
        "version": m.version,
        "name": m.name,
        "description": m.description,
        "content_hash": model.content_hash,
        "stage_rule": m.stage_rule.model_dump(exclude_none=True, mode="json"),
        "stages": [s.model_dump() for s in m.stages],
        "branches": [b.model_dump() for b in m.branches],
        "focus_areas": [f.model_dump() for f in m.focus_areas],
        "systems": [s.model_dump() for s in m.systems],
        "services": [s.model_dump(exclude_none=True) for s in m.services],
        "jurisdictions": [j.model_dump() for j in m.jurisdictions],
        "references": [r.model_dump(exclude_none=True, mode="json") for r in model.references],
        "criteria": [criterion_to_dict(c) for c in model.criteria],
    }
