"""Short texts about a criterion shared by the workbook, FHIR and CSV exports."""

from __future__ import annotations

from diam.docs import rule_text as _rule_text
from diam.model.schema import Criterion, Model

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def rule_text(criterion: Criterion) -> str:
    """When the criterion is met, in words ("At least 98%", "Yes", "Met by: …")."""
    return _rule_text(criterion)


def where_text(model: Model, criterion: Criterion) -> str:
    """ "Stage 2", "Branch A (Name)", or "Beyond the stage" for a criterion in no stage rule."""
    if criterion.stage is not None:
        return f"Stage {criterion.stage}"
    if criterion.branch is not None:
        return f"Branch {criterion.branch} ({model.branch(criterion.branch).name})"
    return "Beyond the stage"


def csv_safe(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading `'` (OWASP); numbers stay."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
