"""The maturity model's structure: what may appear in the YAML files under ``models/<id>/``.

These pydantic types are both the file schema (unknown keys are rejected, every field is
described for ``docs/model-authoring.md``) and the in-memory domain types the engine reads.
They are frozen: a loaded model never changes.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

CRITERION_ID = re.compile(r"^[A-Z]{2}-\d{2}$")
"""Criterion ids are two capital letters (the focus-area code), a hyphen and two digits."""

CORE_STAGES = (1, 2, 3, 4)


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StageRuleMode(StrEnum):
    STRICT = "strict"
    THRESHOLD = "threshold"


class AnswerType(StrEnum):
    BOOLEAN = "boolean"
    PERCENT = "percent"
    NUMBER = "number"
    CHOICE = "choice"


class ReferenceKind(StrEnum):
    IHE = "ihe-profile"
    DICOM = "dicom"
    FHIR = "fhir"
    REGULATION = "regulation"
    STANDARD = "standard"
    GUIDELINE = "guideline"
    LITERATURE = "literature"


class ReferenceStatus(StrEnum):
    """Publication status of a cited document (see docs/model.md, "Reference status").

    `final`: a published, balloted release (IHE Final Text, DICOM, a FHIR release, a law, a
    society guideline); `trial-implementation`: published for trial use (IHE Trial
    Implementation, HL7 STU); `draft`: a ballot or work item; `ci-build`: only a
    continuous-integration build exists, which changes without notice.
    """

    FINAL = "final"
    TRIAL = "trial-implementation"
    DRAFT = "draft"
    CI_BUILD = "ci-build"


class StageRule(_Frozen):
    mode: StageRuleMode = Field(
        description="`strict`: every applicable criterion of a stage or branch must be met. "
        "`threshold`: at least `threshold_percent` of them."
    )
    threshold_percent: float | None = Field(
        default=None,
        gt=0,
        le=100,
        description="Share of applicable criteria that must be met in `threshold` mode.",
    )


class StageInfo(_Frozen):
    number: int = Field(ge=0, le=7, description="Stage number, 0-7.")
    name: str = Field(min_length=1, description="Short name, e.g. 'Departmental digital workflow'.")
    description: str = Field(min_length=1, description="What an organisation at this stage has.")


class BranchInfo(_Frozen):
    id: str = Field(pattern=r"^[A-Z]$", description="Branch letter, e.g. `A`.")
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)


class FocusAreaInfo(_Frozen):
    code: str = Field(
        pattern=r"^[A-Z]{2}$", description="Two-letter code, the criterion id prefix."
    )
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)


class ServiceInfo(_Frozen):
    """One entry of the service profile: a modality or service an organisation may not run."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$", description="Short id used by criteria.")
    name: str = Field(min_length=1, description="Short name, e.g. 'Nuclear medicine'.")
    question: str = Field(
        min_length=1, description="The profile question, e.g. 'Do you perform CT examinations?'"
    )
    guidance: str | None = Field(default=None, description="What counts, if unclear.")


class JurisdictionInfo(_Frozen):
    """Where a law applies: a named set of countries (ISO 3166-1 alpha-2 codes)."""

    id: str = Field(pattern=r"^[A-Z][A-Z0-9-]*$", description="Short id, e.g. `EU`.")
    name: str = Field(min_length=1, description="e.g. 'European Union member states'.")
    countries: tuple[str, ...] = Field(
        min_length=1, description="ISO 3166-1 alpha-2 codes of the countries it covers."
    )


class SystemInfo(_Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$", description="Short id used by criteria.")
    name: str = Field(min_length=1, description="Heading in the procurement checklist.")


class Manifest(_Frozen):
    """`manifest.yaml`: the model's identity and its frame."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$", description="Model id, e.g. `radiology`.")
    version: str = Field(
        pattern=r"^\d+\.\d+\.\d+$", description="SemVer of the model content, e.g. `1.0.0`."
    )
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    stage_rule: StageRule
    stages: tuple[StageInfo, ...] = Field(description="Stages 0-7 with names and meanings.")
    branches: tuple[BranchInfo, ...]
    focus_areas: tuple[FocusAreaInfo, ...]
    systems: tuple[SystemInfo, ...] = Field(
        description="Kinds of system criteria concern, for procurement lists."
    )
    retired_ids: tuple[str, ...] = Field(
        default=(), description="Criterion ids used by earlier versions; never reused."
    )
    services: tuple[ServiceInfo, ...] = Field(
        default=(),
        description="The service profile asked at the start of the survey; criteria naming a "
        "service the organisation does not run are not applicable.",
    )
    jurisdictions: tuple[JurisdictionInfo, ...] = Field(
        default=(),
        description="Jurisdictions that law-bound criteria (`applies_in`) and references name.",
    )


class Reference(_Frozen):
    tag: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9.\-]*$", description="Catalogue tag.")
    title: str = Field(min_length=1)
    url: str = Field(pattern=r"^https?://", description="Public URL of the source.")
    kind: ReferenceKind
    note: str | None = Field(default=None, description="Which part applies (article, actor).")
    status: ReferenceStatus | None = Field(
        default=None,
        description="Publication status: final, trial-implementation, draft or ci-build.",
    )
    jurisdiction: str | None = Field(
        default=None, description="For a law: the jurisdiction (manifest id) where it applies."
    )

    @property
    def is_final(self) -> bool:
        """Final, or of unknown status (models written before statuses were recorded)."""
        return self.status is None or self.status is ReferenceStatus.FINAL


class ReferenceCatalogue(_Frozen):
    """`references.yaml`: every public source criteria may cite."""

    references: tuple[Reference, ...]


class Option(_Frozen):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="Stable option id.")
    label: str = Field(min_length=1)
    meets: bool = Field(description="Whether choosing this option meets the criterion.")


class BooleanAnswer(_Frozen):
    type: Literal[AnswerType.BOOLEAN]


class PercentAnswer(_Frozen):
    type: Literal[AnswerType.PERCENT]
    denominator: str | None = Field(
        default=None, description="What the percentage is of, e.g. 'final reports'."
    )


class NumberAnswer(_Frozen):
    type: Literal[AnswerType.NUMBER]
    unit: str = Field(min_length=1, description="Unit shown next to the input, e.g. 'hours'.")
    minimum: float = Field(default=0, description="Smallest value a respondent may enter.")
    maximum: float | None = Field(default=None, description="Largest value, if bounded.")


class ChoiceAnswer(_Frozen):
    type: Literal[AnswerType.CHOICE]
    options: tuple[Option, ...] = Field(
        min_length=2, description="Ordered from least to most mature."
    )


AnswerSpec = Annotated[
    BooleanAnswer | PercentAnswer | NumberAnswer | ChoiceAnswer, Field(discriminator="type")
]


class Threshold(_Frozen):
    """When a number or percent answer is met: at least `min`, or at most `max`.

    With `exclusive: true` the bound itself does not meet the criterion: `{min: 50,
    exclusive: true}` is "more than 50 %", the wording of "the majority".
    """

    min: float | None = None
    max: float | None = None
    exclusive: bool = Field(
        default=False, description="The bound itself does not meet (more than / less than)."
    )


class NotApplicable(_Frozen):
    allowed: bool = True
    condition: str = Field(min_length=1, description="When N/A is acceptable, in words.")


class Condition(_Frozen):
    """Skip logic: the criterion is relevant only when another criterion's answer fits.

    Exactly one of `equals`, `in`, `not_in`, `min`, `max` is given. While the other criterion
    is unanswered the criterion stays relevant, so nothing is hidden on a guess.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    criterion: str = Field(description="Id of the criterion whose answer decides.")
    equals: bool | float | str | None = None
    in_: tuple[str, ...] | None = Field(default=None, alias="in")
    not_in: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None


class Criterion(_Frozen):
    id: str = Field(description="Stable id, e.g. `SI-03`; never reused once published.")
    focus_area: str = Field(
        description="Focus-area code; taken from the file, so criteria need not repeat it."
    )
    stage: int | None = Field(default=None, description="Core stage 1-4 (or give `branch`).")
    branch: str | None = Field(default=None, description="Branch letter (or give `stage`).")
    title: str | None = Field(
        default=None, min_length=1, description="A short name, e.g. 'DICOM archiving'."
    )
    statement: str = Field(min_length=1, description="The capability, as a statement.")
    guidance: str = Field(min_length=1, description="Help for respondents: how to answer.")
    answer: AnswerSpec
    met_when: bool | Threshold | None = Field(
        default=None,
        description="`true` for booleans, `{min: …}` / `{max: …}` for numbers and percents; "
        "choices say `meets` on each option instead.",
    )
    na: NotApplicable | None = Field(default=None, description="Whether N/A may be answered.")
    relevant_when: Condition | None = Field(default=None, description="Optional skip logic.")
    gating: bool = Field(
        default=True,
        description="`false`: counts in focus-area scores and the gap report ('beyond the "
        "stage') but in no stage or branch rule.",
    )
    applies_in: tuple[str, ...] = Field(
        default=(),
        description="Jurisdiction ids (manifest) where the criterion applies; empty: everywhere. "
        "Elsewhere it is not applicable.",
    )
    services: tuple[str, ...] = Field(
        default=(),
        description="Service-profile ids the organisation must run (all of them); when the "
        "profile says one is not run, the criterion is not applicable.",
    )
    services_any: tuple[str, ...] = Field(
        default=(),
        description="Service-profile ids of which the organisation must run at least one.",
    )
    nonfinal_reason: str | None = Field(
        default=None,
        min_length=1,
        description="Why a gating criterion may rest only on standards that are not final "
        "(silences the checker's warning, and says why in the model's docs).",
    )
    evidence: str = Field(min_length=1, description="What would prove the answer.")
    references: tuple[str, ...] = Field(min_length=1, description="Reference tags.")
    recommendation: str = Field(min_length=1, description="Gap-report text when not met.")
    ask: str = Field(
        min_length=1, description="Vendor-neutral procurement requirement that closes the gap."
    )
    system: str = Field(description="Id of the system kind this concerns (see manifest).")
    effort: int = Field(ge=1, le=3, description="1 low - 3 high effort to close the gap.")
    impact: int = Field(ge=1, le=3, description="1 low - 3 high benefit when met.")

    @property
    def label(self) -> str:
        """`SI-01 DICOM archiving`, or the id alone when the model gives no title."""
        return f"{self.id} {self.title}" if self.title else self.id

    @property
    def na_allowed(self) -> bool:
        return self.na is not None and self.na.allowed

    @property
    def group(self) -> str:
        """`S1`…`S4` for core criteria, the branch letter for branch criteria.

        A non-gating criterion keeps the group it belongs to (for display: "beyond stage 3");
        the engine leaves it out of that group's rule.
        """
        return f"S{self.stage}" if self.stage is not None else str(self.branch)


class FocusAreaFile(_Frozen):
    """`criteria/<CODE>.yaml`: the criteria of one focus area."""

    focus_area: str
    criteria: tuple[Criterion, ...]


class Model(_Frozen):
    """A whole, checked maturity model. Build it with `diam.model.load.load_model`."""

    manifest: Manifest
    references: tuple[Reference, ...]
    criteria: tuple[Criterion, ...]
    content_hash: str = Field(description="sha256 of the model files; pins answers to content.")

    _cache: dict[str, Any] = PrivateAttr(default_factory=dict)

    @property
    def id(self) -> str:
        return self.manifest.id

    @property
    def version(self) -> str:
        return self.manifest.version

    def _memo(self) -> dict[str, Any]:
        """The same dict as `self._cache`, read without pydantic's `__getattr__` (about 4 µs
        a read): the gap report looks criteria up by id a few hundred times per page."""
        private = self.__pydantic_private__
        assert private is not None  # a PrivateAttr makes pydantic set it on every instance
        cache: dict[str, Any] = private["_cache"]
        return cache

    @property
    def criteria_by_id(self) -> dict[str, Criterion]:
        cache = self._memo()
        found: dict[str, Criterion] | None = cache.get("by_id")
        if found is None:
            found = {c.id: c for c in self.criteria}
            cache["by_id"] = found
        return found

    @property
    def references_by_tag(self) -> dict[str, Reference]:
        cache = self._memo()
        found: dict[str, Reference] | None = cache.get("refs")
        if found is None:
            found = {r.tag: r for r in self.references}
            cache["refs"] = found
        return found

    def focus_area(self, code: str) -> FocusAreaInfo:
        return next(f for f in self.manifest.focus_areas if f.code == code)

    def branch(self, letter: str) -> BranchInfo:
        return next(b for b in self.manifest.branches if b.id == letter)

    def stage_info(self, number: int) -> StageInfo:
        return next(s for s in self.manifest.stages if s.number == number)

    def system(self, system_id: str) -> SystemInfo:
        return next(s for s in self.manifest.systems if s.id == system_id)

    def service(self, service_id: str) -> ServiceInfo:
        return next(s for s in self.manifest.services if s.id == service_id)

    def jurisdiction(self, jurisdiction_id: str) -> JurisdictionInfo:
        return next(j for j in self.manifest.jurisdictions if j.id == jurisdiction_id)

    def criteria_of(self, group: str) -> tuple[Criterion, ...]:
        """Gating criteria of a core stage (`S1`…`S4`) or a branch (`A`…); empty if none."""
        return tuple(c for c in self.criteria if c.group == group and c.gating)

    def beyond(self, group: str) -> tuple[Criterion, ...]:
        """Non-gating criteria attached to a core stage or branch ("beyond the stage")."""
        return tuple(c for c in self.criteria if c.group == group and not c.gating)

    @property
    def max_stage(self) -> int:
        return len(CORE_STAGES) + len(self.manifest.branches)
