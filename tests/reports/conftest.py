"""Fixtures for the report tests: the shipped radiology model with its stage-3 example, and
small in-memory models whose effort, impact and systems each test controls."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import pytest

from diam.model import Model
from diam.model.schema import (
    BooleanAnswer,
    BranchInfo,
    Criterion,
    FocusAreaInfo,
    Manifest,
    Reference,
    StageInfo,
    StageRule,
    StageRuleMode,
    SystemInfo,
)
from diam.reports import Report, build_report
from diam.scoring import AnswerSheet, parse_answer_file

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "models" / "radiology" / "1.0.0" / "examples" / "stage-3-department.json"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "libreoffice: converts files with LibreOffice headless (slow; few tests)"
    )


@pytest.fixture(scope="session")
def example_sheet(radiology_model: Model) -> AnswerSheet:
    return parse_answer_file(radiology_model, json.loads(EXAMPLE.read_text("utf-8")))


@pytest.fixture(scope="session")
def example_report(radiology_model: Model, example_sheet: AnswerSheet) -> Report:
    return build_report(
        model=radiology_model,
        values=example_sheet.values,
        comments=example_sheet.comments,
        organisation="Klinikum <Beispiel> & Söhne",
        assessment_date=date(2025, 3, 31),
        status="self-assessed",
    )


# --- in-memory models ------------------------------------------------------------------------

SYSTEMS = ("pacs", "ris", "governance")


def spec_model(
    groups: Mapping[str, Sequence[tuple[int, int] | tuple[int, int, str]]],
    *,
    mode: StageRuleMode = StageRuleMode.STRICT,
    threshold: float | None = None,
    asks: Mapping[str, str] | None = None,
) -> Model:
    """A model of boolean criteria: `groups["S2"] = [(effort, impact[, system]), ...]`.

    Ids are `AA-01`, `AA-02`, … in the order given (groups in the mapping's order), so the
    model order is known to each test. `asks` overrides the `ask` text per id.
    """
    criteria = []
    n = 0
    for group, specs in groups.items():
        for spec in specs:
            n += 1
            cid = f"AA-{n:02d}"
            effort, impact = spec[0], spec[1]
            system = spec[2] if len(spec) > 2 else "pacs"  # type: ignore[misc]
            criteria.append(
                Criterion(
                    id=cid,
                    focus_area="AA",  # BB stays empty: a focus area with nothing to score
                    stage=int(group[1]) if group.startswith("S") else None,
                    branch=None if group.startswith("S") else group,
                    statement=f"Statement of {cid}.",
                    guidance="g",
                    answer=BooleanAnswer(type="boolean"),
                    met_when=True,
                    evidence=f"Evidence for {cid}.",
                    references=("R1", "R2"),
                    recommendation=f"Do {cid}.",
                    ask=(asks or {}).get(cid, f"Supports {cid}."),
                    system=system,
                    effort=effort,
                    impact=impact,
                )
            )
    manifest = Manifest(
        id="spec",
        version="1.2.3",
        name="Spec model",
        description="d",
        stage_rule=StageRule(mode=mode, threshold_percent=threshold),
        stages=tuple(
            StageInfo(number=i, name=f"Stage {i} name", description=f"Stage {i} means.")
            for i in range(8)
        ),
        branches=tuple(BranchInfo(id=b, name=f"Branch {b} name", description="d") for b in "ABC"),
        focus_areas=(
            FocusAreaInfo(code="AA", name="Area A", description="d"),
            FocusAreaInfo(code="BB", name="Area B", description="d"),
        ),
        systems=tuple(SystemInfo(id=s, name=f"System {s}") for s in SYSTEMS),
    )
    return Model(
        manifest=manifest,
        references=(
            Reference(tag="R1", title="Ref one", url="https://example.org/r1", kind="standard"),
            Reference(tag="R2", title="Ref two", url="https://example.org/r2", kind="dicom"),
        ),
        criteria=tuple(criteria),
        content_hash="spec",
    )


def ids(model: Model, group: str) -> list[str]:
    return [c.id for c in model.criteria if c.group == group]


def all_met(model: Model, *groups: str) -> dict[str, bool]:
    return {c.id: True for c in model.criteria if c.group in groups}
