"""Calibration cases: answer profiles of real or archetypal organisations that must score their
published stage (pure; reads files only in `load_cases`).

A model version's `calibration/*.yaml` files each describe one organisation from public
sources: its country, service profile and answers, every one with its basis (`fact`: a public
source states it; `assumption`: plausible from the public facts; `unknown`: not public, so the
conservative answer is given), and the stage it must get (`expect: {stage: 6}`, or
`{at_most: 4}`). `diam model calibrate` and a test score them; a model change that breaks a
case is a defect of the change (design.md §2).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from diam.model.schema import Model, StageRule, StageRuleMode
from diam.scoring.answers import AnswerValue, InvalidValue, NotApplicable, parse_value
from diam.scoring.context import Context
from diam.scoring.engine import score
from diam.scoring.explain import why_stage
from diam.scoring.result import Result

CALIBRATION_DIR = "calibration"


class Basis(StrEnum):
    FACT = "fact"
    ASSUMPTION = "assumption"
    UNKNOWN = "unknown"


BASIS_WORDS = {
    Basis.FACT: "public fact",
    Basis.ASSUMPTION: "plausible assumption",
    Basis.UNKNOWN: "conservative unknown",
}


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CaseAnswer(_Frozen):
    """One answer of a case, with where it comes from."""

    value: Any = None  # checked by parse_value against the criterion, as any answer is
    na: bool = False
    justification: str | None = None
    basis: Basis
    note: str | None = None


class ServiceAnswer(_Frozen):
    value: bool
    basis: Basis
    note: str | None = None


class Expectation(_Frozen):
    stage: int | None = Field(default=None, ge=0, le=7)
    at_most: int | None = Field(default=None, ge=0, le=7)


class CaseFile(_Frozen):
    """`calibration/<slug>.yaml`."""

    name: str = Field(min_length=1)
    published: str = Field(min_length=1, description="What the public record says.")
    expect: Expectation
    branches: str | None = Field(default=None, description="Which branches, and why.")
    sources: tuple[str, ...] = Field(min_length=1)
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    services: dict[str, ServiceAnswer] = Field(default_factory=dict)
    answers: dict[str, CaseAnswer]


@dataclass(frozen=True)
class CalibrationCase:
    slug: str
    file: CaseFile
    values: dict[str, AnswerValue]
    context: Context

    @property
    def name(self) -> str:
        return self.file.name

    def bases(self) -> Counter[Basis]:
        """How many answers (service profile included) rest on each kind of basis."""
        found: Counter[Basis] = Counter(a.basis for a in self.file.answers.values())
        found.update(s.basis for s in self.file.services.values())
        return found


@dataclass(frozen=True)
class CaseResult:
    case: CalibrationCase
    result: Result
    passed: bool
    expected: str  # "6", "≤ 4", "3 (≤ 4)"

    @property
    def why(self) -> str:
        return why_stage(self.result)


class CalibrationError(ValueError):
    """A case file cannot be read; `problems` name the file and what is wrong."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def case_files(version_dir: str | Path) -> list[Path]:
    """The calibration files of a model version directory, in name order (empty if none)."""
    folder = Path(version_dir) / CALIBRATION_DIR
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def load_cases(model: Model, version_dir: str | Path) -> list[CalibrationCase]:
    """Read and check every case of a version; raise `CalibrationError` listing all problems."""
    cases: list[CalibrationCase] = []
    problems: list[str] = []
    for path in case_files(version_dir):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            problems.append(f"{path.name}: cannot read it ({exc})")
            continue
        try:
            cases.append(parse_case(model, path.stem, data))
        except CalibrationError as exc:
            problems += [f"{path.name}: {p}" for p in exc.problems]
    if problems:
        raise CalibrationError(problems)
    return cases


def parse_case(model: Model, slug: str, data: Any) -> CalibrationCase:
    """One case from its parsed YAML; answers are checked against the model like any answers."""
    try:
        file = CaseFile.model_validate(data)
    except ValidationError as exc:
        raise CalibrationError(
            [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        ) from None
    problems: list[str] = []
    values: dict[str, AnswerValue] = {}
    for cid, answer in file.answers.items():
        criterion = model.criteria_by_id.get(cid)
        if criterion is None:
            problems.append(f"answers.{cid}: not a criterion of {model.id} {model.version}")
            continue
        if answer.na:
            if not criterion.na_allowed or not answer.justification:
                problems.append(f"answers.{cid}: N/A is not allowed here, or has no justification")
                continue
            values[cid] = NotApplicable(answer.justification)
            continue
        try:
            values[cid] = parse_value(criterion, answer.value)
        except InvalidValue as exc:
            problems.append(f"answers.{cid}: {exc}")
    known = {s.id for s in model.manifest.services}
    for sid in file.services:
        if sid not in known:
            problems.append(f"services.{sid}: not a service of the model")
    if file.expect.stage is None and file.expect.at_most is None:
        problems.append("expect: give `stage`, `at_most` or both")
    if problems:
        raise CalibrationError(problems)
    context = Context(country=file.country, services={k: v.value for k, v in file.services.items()})
    return CalibrationCase(slug, file, values, context)


def run_case(model: Model, case: CalibrationCase) -> CaseResult:
    """Score one case and compare its stage with the expectation."""
    result = score(model, case.values, case.context)
    expect = case.file.expect
    passed = (expect.stage is None or result.stage == expect.stage) and (
        expect.at_most is None or result.stage <= expect.at_most
    )
    parts = []
    if expect.stage is not None:
        parts.append(str(expect.stage))
    if expect.at_most is not None:
        parts.append(f"≤ {expect.at_most}" if not parts else f"(≤ {expect.at_most})")
    return CaseResult(case, result, passed, " ".join(parts))


def run_cases(model: Model, cases: Iterable[CalibrationCase]) -> list[CaseResult]:
    return [run_case(model, c) for c in cases]


def with_stage_rule(model: Model, mode: StageRuleMode, percent: float | None = None) -> Model:
    """The same model under another stage rule: to show what a rule choice would do."""
    manifest = model.manifest.model_copy(
        update={"stage_rule": StageRule(mode=mode, threshold_percent=percent)}
    )
    copied = model.model_copy(update={"manifest": manifest})
    copied._cache = {}  # the compiled plan holds the rule: never share it with the original
    return copied


def basis_summary(cases: Sequence[CalibrationCase]) -> str:
    """`123 public facts, 240 plausible assumptions, 12 conservative unknowns`."""
    total: Counter[Basis] = Counter()
    for case in cases:
        total.update(case.bases())
    return ", ".join(f"{total[b]} {BASIS_WORDS[b]}s" for b in Basis)
