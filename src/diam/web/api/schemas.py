"""Request and response shapes of the JSON API (they are its OpenAPI document)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Field, Schema
from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic_core import PydanticCustomError

from diam.paths import DEFAULT_MODEL_ID, available_model_ids, model_versions
from diam.text import text_problem
from diam.web.core.validators import EMAIL_MAX_LENGTH
from diam.web.validation.forms import ReasonForm, RequestForm

# Text fields refuse NUL bytes (PostgreSQL cannot store them) and stay short.
NO_NUL = r"^[^\x00]*$"
MAX_ID = 2**53  # ids beyond this are no row's (and beyond what JSON numbers keep exact)


class ErrorItem(Schema):
    message: str = Field(description="What is wrong, for a person.")
    field: str | None = Field(None, description="The request field concerned, if any.")
    criterion: str | None = Field(None, description="The criterion concerned, if any.")


class Error(Schema):
    """Every error response: a message, and the fields or criteria concerned."""

    message: str
    errors: list[ErrorItem] = Field(default_factory=list)


class ModelVersions(Schema):
    id: str
    name: str
    latest: str
    versions: list[str] = Field(description="Installed versions, oldest first.")


class TokenInfo(Schema):
    name: str
    prefix: str
    organisation_id: int
    role: str = Field(
        description="The role the token acts with (the lesser of its own and its owner's)."
    )
    can_write: bool
    expires_at: datetime
    user: str


class OrganisationOut(Schema):
    id: int
    name: str
    type: str
    country: str
    region: str
    beds: int | None
    annual_exams: int | None
    service_areas: list[str]
    benchmarking_consent: bool


class AssessmentOut(Schema):
    id: int
    organisation_id: int
    title: str
    model_id: str
    model_version: str
    status: str = Field(description="draft, submitted or validated.")
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    stage: int | None = Field(description="Stored stage (set when submitted); see /result.")
    completeness: float | None = Field(
        description="Stored with the stage (docs/scoring.md §5); /result gives the current one."
    )
    services: dict[str, bool] = Field(
        description="The service profile: service id -> whether the organisation runs it "
        "(services not stated are left out)."
    )


class AssessmentPage(Schema):
    items: list[AssessmentOut]
    count: int
    page: int
    per_page: int
    pages: int


class OrganisationPage(Schema):
    items: list[OrganisationOut]
    count: int
    page: int
    per_page: int
    pages: int


def _services(model_id: str, version: str) -> Any:
    from diam.paths import shipped_model

    return shipped_model(model_id, version).manifest.services


# The installed models and versions, read once at start-up (installing one needs a restart).
MODEL_IDS = tuple(available_model_ids()) or (DEFAULT_MODEL_ID,)
MODEL_VERSIONS = tuple(sorted({v for m in MODEL_IDS for v in model_versions(m)})) or ("1.0.0",)
ModelIdField = Literal[MODEL_IDS]  # type: ignore[valid-type]
ModelVersionField = Literal[MODEL_VERSIONS]  # type: ignore[valid-type]
# Service ids of every installed model version (each version asks about its own subset).
SERVICE_IDS = tuple(
    sorted({s.id for m in MODEL_IDS for v in model_versions(m) for s in _services(m, v)})
) or ("none",)
ServiceIdField = Literal[SERVICE_IDS]  # type: ignore[valid-type]


class AssessmentCreate(Schema):
    model_config = ConfigDict(extra="forbid")

    title: str = Field("", max_length=120, pattern=NO_NUL)
    model_id: ModelIdField = Field(DEFAULT_MODEL_ID)
    model_version: ModelVersionField | None = Field(None, description="Default: the latest.")
    services: dict[ServiceIdField, bool] | None = Field(  # type: ignore[valid-type]
        None,
        description="The service profile: service id (the model version's `services`) -> "
        "whether the organisation runs it. Services left out are not stated; a service the "
        "chosen version does not ask about is refused (422).",
    )


class AnswersFile(BaseModel):
    """The answers file (design.md §3): criterion id -> value, or an object with `value`,
    `na`, `justification`, `comment`. In a PATCH, `null` clears an answer."""

    model_config = ConfigDict(extra="allow")

    model: str
    model_version: str | None = None
    answers: dict[str, Any]


class AnswersUpdated(Schema):
    changed: list[str] = Field(description="Criteria whose answer changed.")
    unchanged: int = Field(description="Criteria sent whose answer was already so.")
    answers: dict[str, Any] = Field(description="The assessment's whole answers file now.")


class ImportIn(BaseModel):
    """An answers file or a FHIR QuestionnaireResponse (told apart by `resourceType`)."""

    model_config = ConfigDict(extra="allow")


class ResultOut(BaseModel):
    """The result contract (design.md §3)."""

    model_config = ConfigDict(extra="allow")

    model: str
    model_version: str
    stage: int
    core_stage: int
    completeness: float = Field(
        description="Percent of the asked criteria answered, N/A answers included "
        "(docs/scoring.md §5)."
    )
    completeness_counts: dict[str, Any] = Field(
        description="The counts behind `completeness`: percent, answered, relevant (asked), "
        "not_applicable (N/A answers, part of answered), unanswered."
    )
    branches: dict[str, Any]
    stages: dict[str, Any]
    focus_areas: dict[str, Any]
    criteria: dict[str, Any]
    blockers: list[str]


class GapOut(Schema):
    criterion: str
    statement: str
    focus_area: str
    status: str = Field(description="not_met or unanswered")
    effort: int
    impact: int
    recommendation: str


class GapGroupOut(Schema):
    target: str
    label: str
    kind: str
    met: int
    total: int
    gaps: list[GapOut]
    unanswered: list[GapOut]


class RoadmapStepOut(Schema):
    number: int
    phase: int
    criterion: str
    action: str


class ReportOut(Schema):
    organisation: str
    model_id: str
    model_version: str
    status: str
    stage: int
    stage_name: str
    next_target: str | None
    target_stage: int | None
    groups: list[GapGroupOut]
    roadmap: list[RoadmapStepOut]
    not_applicable: list[dict[str, Any]]
    disclaimer: str


class FhirResource(BaseModel):
    """A FHIR resource (JSON); see the FHIR specification for its shape."""

    model_config = ConfigDict(extra="allow")

    resourceType: str  # noqa: N815 - FHIR's own field name


class FigureOut(Schema):
    value: Any = Field(description="The figure, or null when suppressed.")
    n: int | None = Field(description="Organisations behind the figure; null when suppressed.")
    suppressed: str | None = Field(description="Why the figure is hidden, or null.")


class PeerGroupOut(Schema):
    key: str
    label: str
    shown: bool
    suppressed: str | None
    figures: dict[str, FigureOut] = Field(
        description="Every figure by path, e.g. `stage.median`, `focus_areas.SI.median`."
    )


class BenchmarksOut(Schema):
    model_id: str
    model_version: str
    k: int = Field(description="No figure is shown from fewer organisations than this.")
    source: str = Field(
        description="The release the figures come from (e.g. `radiology-1-real-12`); empty "
        "when there is none for this organisation (see `unavailable`)."
    )
    release_date: datetime | None = Field(description="When that release was cut.")
    unavailable: str = Field(description="Why no peer figures are shown, or empty.")
    own_counted: bool = Field(description="The organisation's row is in the release.")
    opted_out: bool
    includes_demo: bool = Field(description="Synthetic demo figures (demo mode only).")
    groups: list[PeerGroupOut]


class ValidationProgressOut(Schema):
    total: int = Field(description="Criteria under review.")
    done: int = Field(description="Criteria with a verdict (accepted or rejected).")
    accepted: int
    rejected: int
    waiting_for_organisation: int = Field(description="Evidence requested, not yet answered.")
    to_review: int


class ValidationRequestOut(Schema):
    id: int
    state: Literal["requested", "in_review", "decided", "withdrawn"]
    state_label: str
    requested_at: datetime
    self_assessed_stage: int
    closed_at: datetime | None
    progress: ValidationProgressOut


class ValidationDecisionOut(Schema):
    stage: int = Field(description="The validated stage (from the accepted criteria only).")
    core_stage: int
    branches: list[str] = Field(description="Branches mastered in the validated result.")
    self_assessed_stage: int
    accepted: int
    rejected: int
    decided_on: date
    valid_until: date
    revalidation_due: date
    validators: list[str]
    status: Literal["valid", "expired", "revoked"]
    revoked_on: date | None
    code: str = Field(description="The certificate code; anyone can check it at verify_url.")
    verify_url: str


class ValidationHistoryOut(Schema):
    id: int
    state: Literal["requested", "in_review", "decided", "withdrawn"]
    requested_at: datetime
    closed_at: datetime | None


class ValidationStatusOut(Schema):
    assessment_id: int
    state: Literal["none", "requested", "in_review", "decided"]
    request: ValidationRequestOut | None
    decision: ValidationDecisionOut | None
    history: list[ValidationHistoryOut]


class RegistryEntryOut(Schema):
    organisation: str
    country: str = Field(description="ISO 3166-1 alpha-2 code.")
    country_name: str
    stage: int = Field(description="The validated stage of the latest decision.")
    decided_on: date
    valid_until: date
    status: Literal["valid", "expired", "revoked"]
    revoked_on: date | None
    code: str
    verify_url: str


class RegistryPage(Schema):
    items: list[RegistryEntryOut]
    count: int
    page: int
    per_page: int
    pages: int


# --- validation requests (the web form's fields and limits: diam.web.validation.forms) ----------

# The refused characters of diam.text, as a JSON Schema pattern (for the document and for
# generated clients); `_plain` below enforces the same rule with a message naming the field.
# Lone surrogates are left out of the pattern (a JSON string cannot carry them as UTF-8, and
# pydantic refuses them as invalid text before any pattern); with them in, schemathesis could
# not use the pattern at all.
_ALLOWED = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]"
PLAIN_TEXT = f"^{_ALLOWED}*$"
# ...and at least one character that is neither refused nor white space (the form strips text).
REQUIRED_TEXT = rf"^{_ALLOWED}*[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]{_ALLOWED}*$"


def _plain(value: str) -> str:
    """Stripped as the web form strips it; control characters refused by the one text rule."""
    problem = text_problem(value)
    if problem:
        raise PydanticCustomError("plain_text", "This text {problem}.", {"problem": problem})
    return value.strip()


def _required(value: str) -> str:
    if not value:
        raise PydanticCustomError("required", "This field is required; it cannot be blank.")
    return value


def _email(value: str) -> str:
    try:
        validate_email(value)
    except DjangoValidationError:
        raise PydanticCustomError(
            "email", "Enter a valid e-mail address, such as name@hospital.example."
        ) from None
    return value


def _limit(form: type[Any], field: str) -> int:
    """The web form's length limit: the API takes what the page takes, never a copy of it."""
    return int(form.base_fields[field].max_length)


def _text(max_length: int, *, required: bool, description: str) -> Any:
    pattern = REQUIRED_TEXT if required else PLAIN_TEXT
    checks = [AfterValidator(_plain), *([AfterValidator(_required)] if required else [])]
    return Annotated[
        str,
        Field(
            max_length=max_length,
            description=description,
            json_schema_extra={"pattern": pattern},
        ),
        *checks,
    ]


ContactName = _text(
    _limit(RequestForm, "contact_name"),
    required=True,
    description="The contact person for the programme.",
)
ContactPhone = _text(
    _limit(RequestForm, "contact_phone"),
    required=False,
    description="The contact's telephone (optional).",
)
ProposedDates = _text(
    _limit(RequestForm, "proposed_dates"),
    required=True,
    description="Proposed dates for a site visit: two or three periods that suit you, e.g. "
    "“10–12 March or 24–26 March”.",
)
Note = _text(
    _limit(RequestForm, "note"), required=False, description="A note for the programme (optional)."
)
Reason = _text(
    _limit(ReasonForm, "reason"),
    required=True,
    description="Why the request is withdrawn; kept in the history.",
)
ContactEmail = Annotated[
    str,
    Field(
        max_length=EMAIL_MAX_LENGTH,
        description="The contact's e-mail address; the programme writes to it.",
        json_schema_extra={"format": "email"},
    ),
    AfterValidator(_plain),
    AfterValidator(_email),
]


class ValidationRequestIn(Schema):
    """What the web form asks for when an organisation admin requests a validation."""

    model_config = ConfigDict(extra="forbid")

    contact_name: ContactName  # type: ignore[valid-type]
    contact_email: ContactEmail
    contact_phone: ContactPhone = ""  # type: ignore[valid-type]
    proposed_dates: ProposedDates  # type: ignore[valid-type]
    note: Note = ""  # type: ignore[valid-type]


class ValidationWithdrawIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: Reason  # type: ignore[valid-type]
