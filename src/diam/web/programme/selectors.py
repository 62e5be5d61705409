"""Reads of the programme console: organisations, one organisation's summary, certificates,
installed models, and the statistics export's rows.

Nothing here computes a benchmark figure. The statistics rows are the latest release's stored
figures (diam.stats, guarded when the release was cut), written out as they are shown; the
other counts are of rows a programme admin can list one by one anyway (organisations,
assessments, requests), so they disclose nothing new.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from diam.model.load import ModelError
from diam.paths import (
    UnknownModel,
    available_model_ids,
    model_versions,
    shipped_migration,
    shipped_model,
)
from diam.stats import Figure, over_time
from diam.web.accounts.models import Membership, Organisation, Role
from diam.web.assessments.models import Assessment, Status
from diam.web.assessments.selectors import assessment_rows
from diam.web.benchmarks import selectors as benchmarks
from diam.web.benchmarks.services import benchmarked_major
from diam.web.programme.forms import STAGE_NONE
from diam.web.validation import selectors as validation
from diam.web.validation.models import (
    OPEN_STATES,
    Recognition,
    RequestState,
    ValidationDecision,
    ValidationRequest,
)
from diam.web.verification.models import OrganisationVerification
from diam.web.verification.models import Status as VerificationStatus

EXPIRING_DAYS = 90  # certificates this close to their end are highlighted
COUNTED = (Status.SUBMITTED, Status.VALIDATED)


# --- organisations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationFilters:
    q: str = ""
    country: str = ""
    org_type: str = ""
    stage: str = ""  # "0".."7", STAGE_NONE, or "" for any
    validated: str = ""  # "yes", "no" or ""
    verified: str = ""

    @classmethod
    def from_cleaned(cls, data: dict[str, Any]) -> OrganisationFilters:
        return cls(**{name: str(data.get(name) or "").strip() for name in cls.__dataclass_fields__})

    @property
    def active(self) -> bool:
        return any(getattr(self, name) for name in self.__dataclass_fields__)


def _latest_counted() -> QuerySet[Assessment]:
    """The organisation's latest submitted or validated assessment (what benchmarks count)."""
    return Assessment.objects.filter(
        organisation=OuterRef("pk"), status__in=COUNTED, stage__isnull=False
    ).order_by(F("submitted_at").desc(nulls_last=True), "-pk")


def _currently_validated(today: dt.date) -> Exists:
    return Exists(
        ValidationDecision.objects.filter(
            organisation=OuterRef("pk"), revoked_at__isnull=True, valid_until__gte=today
        )
    )


def _verified() -> Exists:
    return Exists(
        OrganisationVerification.objects.filter(
            organisation=OuterRef("pk"), status=VerificationStatus.VERIFIED
        )
    )


def organisation_list(
    filters: OrganisationFilters, *, today: dt.date | None = None
) -> QuerySet[Organisation]:
    """Organisations by name, each with its latest counted assessment's stage, model version
    and status (`latest_stage`, `latest_version`, `latest_status`: None when nothing is
    submitted), `validated` (a decision neither expired nor revoked) and `verified`."""
    today = today or timezone.localdate()
    latest = _latest_counted()
    rows = Organisation.objects.annotate(
        latest_stage=Subquery(latest.values("stage")[:1]),
        latest_version=Subquery(latest.values("model_version")[:1]),
        latest_model=Subquery(latest.values("model_id")[:1]),
        latest_status=Subquery(latest.values("status")[:1]),
        validated=_currently_validated(today),
        verified=_verified(),
    )
    if filters.q:
        rows = rows.filter(name__icontains=filters.q)
    if filters.country:
        rows = rows.filter(country=filters.country)
    if filters.org_type:
        rows = rows.filter(org_type=filters.org_type)
    if filters.stage == STAGE_NONE:
        rows = rows.filter(latest_stage__isnull=True)
    elif filters.stage:
        rows = rows.filter(latest_stage=int(filters.stage))
    if filters.validated:
        rows = rows.filter(validated=filters.validated == "yes")
    if filters.verified:
        rows = rows.filter(verified=filters.verified == "yes")
    return rows.order_by("name", "pk")


# --- one organisation, read-only --------------------------------------------------------------


@dataclass(frozen=True)
class AssessmentRow:
    assessment: Assessment
    requests: list[ValidationRequest]
    carried: int = 0  # a draft's carried answers still to confirm, as its organisation sees it
    # A draft's answered percent from its answers, as on the organisation's own dashboard: the
    # stored figure is set only when an assessment is scored on submission, so a draft half
    # answered read "not started".
    completeness: float | None = None

    @property
    def is_draft(self) -> bool:
        return self.assessment.status == Status.DRAFT


@dataclass(frozen=True)
class CertificateRow:
    decision: ValidationDecision
    status: str  # valid | expiring | expired | revoked | superseded
    days_left: int

    @property
    def label(self) -> str:
        if self.status == "expiring":
            return f"Expires in {self.days_left} day{'s' if self.days_left != 1 else ''}"
        return CERTIFICATE_LABELS[self.status]


CERTIFICATE_LABELS = {
    "valid": "Valid",
    "expiring": "Expiring",
    "expired": "Expired",
    "revoked": "Revoked",
    "superseded": "Superseded by a later decision",
}


@dataclass(frozen=True)
class OrganisationSummary:
    organisation: Organisation
    verification: OrganisationVerification | None
    admins: list[Membership]
    members: int
    assessments: list[AssessmentRow]
    certificates: list[CertificateRow]
    listed: bool  # in the public registry


def organisation_get(organisation_id: int) -> Organisation | None:
    return Organisation.objects.filter(pk=organisation_id).first()


def organisation_summary(
    organisation: Organisation, *, today: dt.date | None = None
) -> OrganisationSummary:
    """What the programme knows of one organisation: identity and verification, its admins
    (the contacts), every assessment with its state and validation requests, every decision."""
    today = today or timezone.localdate()
    memberships = list(Membership.objects.filter(organisation=organisation).select_related("user"))
    requests: dict[int, list[ValidationRequest]] = {}
    for r in (
        ValidationRequest.objects.filter(organisation=organisation)
        .select_related("decision")
        .prefetch_related("assignments__validator")
        .order_by("-requested_at", "-pk")
    ):
        requests.setdefault(r.assessment_id, []).append(r)
    # Each assessment as the organisation's own dashboard shows it (one selector: a draft's
    # answered figure and its carried answers waiting, the questions not asked left out).
    rows = sorted(
        assessment_rows(organisation=organisation),
        key=lambda row: (row.assessment.created_at, row.assessment.pk),
        reverse=True,
    )
    assessments = []
    for row in rows:
        row.assessment.organisation = organisation  # known already: no query per row
        draft = not row.final
        assessments.append(
            AssessmentRow(
                row.assessment,
                requests.get(row.assessment.pk, []),
                row.carried if draft else 0,
                row.completeness if draft else None,
            )
        )
    decisions = certificate_list(state="all", organisation=organisation, today=today)
    return OrganisationSummary(
        organisation=organisation,
        verification=OrganisationVerification.objects.filter(organisation=organisation)
        .select_related("decided_by")
        .first(),
        admins=[m for m in memberships if m.role == Role.ADMIN],
        members=len(memberships),
        assessments=assessments,
        certificates=[certificate_row(d, today=today) for d in decisions],
        listed=Recognition.objects.filter(organisation=organisation, listed=True).exists(),
    )


# --- certificates ------------------------------------------------------------------------------


def _superseded() -> Exists:
    later = ValidationDecision.objects.filter(organisation=OuterRef("organisation")).filter(
        Q(decided_on__gt=OuterRef("decided_on"))
        | Q(decided_on=OuterRef("decided_on"), pk__gt=OuterRef("pk"))
    )
    return Exists(later)


def certificate_list(
    *,
    state: str = "all",
    organisation: Organisation | None = None,
    today: dt.date | None = None,
) -> QuerySet[ValidationDecision]:
    """Validation decisions (each is a certificate) with `superseded` annotated, the soonest
    to expire first. `state`: all, valid (including expiring), expiring (within 90 days),
    expired, revoked, superseded (a later decision for the same organisation replaces it;
    revoked ones stay revoked)."""
    today = today or timezone.localdate()
    rows = (
        validation.decisions(organisation=organisation)
        .annotate(superseded=_superseded())
        .select_related("organisation", "request")
    )
    live = Q(revoked_at__isnull=True, superseded=False)
    if state == "valid":
        rows = rows.filter(live, valid_until__gte=today)
    elif state == "expiring":
        rows = rows.filter(
            live,
            valid_until__gte=today,
            valid_until__lte=today + dt.timedelta(days=EXPIRING_DAYS),
        )
    elif state == "expired":
        rows = rows.filter(live, valid_until__lt=today)
    elif state == "revoked":
        rows = rows.filter(revoked_at__isnull=False)
    elif state == "superseded":
        rows = rows.filter(revoked_at__isnull=True, superseded=True)
    return rows.order_by("valid_until", "organisation__name", "pk")


def certificate_row(decision: ValidationDecision, *, today: dt.date) -> CertificateRow:
    days_left = (decision.valid_until - today).days
    if decision.revoked_at is not None:
        status = "revoked"
    elif getattr(decision, "superseded", False):
        status = "superseded"
    elif days_left < 0:
        status = "expired"
    elif days_left <= EXPIRING_DAYS:
        status = "expiring"
    else:
        status = "valid"
    return CertificateRow(decision, status, days_left)


# --- what needs attention (the console's home) ----------------------------------------------------


@dataclass(frozen=True)
class Attention:
    open_validations: list[ValidationRequest]  # the first few, oldest first
    to_assign: int
    in_review: int
    verification_pending: int
    expiring: int
    expired: int


def attention(*, today: dt.date | None = None, show: int = 5) -> Attention:
    """What waits for the programme: open validations (from the validation app's queue),
    organisations waiting for verification, certificates expiring within 90 days or expired."""
    today = today or timezone.localdate()
    queue = validation.validation_queue(states=OPEN_STATES)
    states = Counter(
        ValidationRequest.objects.filter(state__in=OPEN_STATES).values_list("state", flat=True)
    )
    # Both certificate counts in one query, with the same filters as certificate_list's
    # "expiring" and "expired" (the console's links list exactly what is counted here).
    live = certificate_list(today=today).filter(revoked_at__isnull=True, superseded=False)
    certificates = live.aggregate(
        expiring=Count(
            "pk",
            filter=Q(
                valid_until__gte=today,
                valid_until__lte=today + dt.timedelta(days=EXPIRING_DAYS),
            ),
        ),
        expired=Count("pk", filter=Q(valid_until__lt=today)),
    )
    # The queue's read (its joins and counts) only when the counts say something is open.
    waiting = list(queue.order_by("requested_at", "pk")[:show]) if states else []
    return Attention(
        open_validations=waiting,
        to_assign=states[RequestState.REQUESTED],
        in_review=states[RequestState.IN_REVIEW],
        verification_pending=OrganisationVerification.objects.filter(
            status=VerificationStatus.PENDING
        ).count(),
        expiring=certificates["expiring"],
        expired=certificates["expired"],
    )


# --- installed models -------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelVersionRow:
    model_id: str
    version: str
    name: str = ""
    rule: str = ""
    focus_areas: int = 0
    criteria: int = 0
    per_stage: tuple[tuple[int, int], ...] = ()  # (core stage, gating criteria)
    per_branch: tuple[tuple[str, str, int], ...] = ()  # (letter, name, criteria)
    non_gating: int = 0
    latest: bool = False
    benchmarked: bool = False
    migration: bool = False  # declares how answers of the previous version carry over
    assessments: dict[str, int] = field(default_factory=dict)  # status -> count
    problem: str = ""  # the version could not be loaded

    @property
    def major(self) -> str:
        return self.version.split(".", 1)[0]

    @property
    def assessments_total(self) -> int:
        return sum(self.assessments.values())


def installed_models() -> list[ModelVersionRow]:
    """Every installed model version, newest first within a model, with its criteria counts,
    whether it is the latest, whether benchmarks compare it (`benchmarked_major`) and how many
    assessments of each status are pinned to it."""
    usage: dict[tuple[str, str], Counter[str]] = {}
    for model_id, version, status in Assessment.objects.order_by().values_list(
        "model_id", "model_version", "status"
    ):
        usage.setdefault((model_id, version), Counter())[status] += 1
    rows = []
    for model_id in available_model_ids():
        versions = model_versions(model_id)
        major = benchmarked_major(model_id)
        for version in reversed(versions):
            counts = dict(usage.get((model_id, version), Counter()))
            base = {
                "model_id": model_id,
                "version": version,
                "latest": version == versions[-1],
                "benchmarked": bool(major) and version.split(".", 1)[0] == major,
                "assessments": counts,
            }
            try:
                model = shipped_model(model_id, version)
                migration = shipped_migration(model_id, version) is not None
            except (ModelError, UnknownModel) as exc:
                rows.append(ModelVersionRow(**base, problem=str(exc)))
                continue
            rule = model.manifest.stage_rule
            gating = [c for c in model.criteria if c.gating]
            rows.append(
                ModelVersionRow(
                    **base,
                    name=model.manifest.name,
                    # The mode's name alone ("strict") told a newcomer nothing.
                    rule=(
                        f"threshold: a stage or branch needs at least "
                        f"{rule.threshold_percent:g} % of its applicable criteria met"
                        if rule.threshold_percent is not None
                        else f"{rule.mode.value}: a stage or branch needs every one of its "
                        "applicable criteria met"
                    ),
                    focus_areas=len(model.manifest.focus_areas),
                    criteria=len(model.criteria),
                    per_stage=tuple(
                        (s, sum(1 for c in gating if c.stage == s)) for s in (1, 2, 3, 4)
                    ),
                    per_branch=tuple(
                        (b.id, b.name, sum(1 for c in gating if c.branch == b.id))
                        for b in model.manifest.branches
                    ),
                    non_gating=len(model.criteria) - len(gating),
                    migration=migration,
                )
            )
    return rows


# --- the statistics export ---------------------------------------------------------------------

CSV_HEADER = (
    "Release",
    "Cut on",
    "k",
    "Section",
    "Group",
    "Figure",
    "Value",
    "n",
    "Shown",
    "Why hidden",
)


def _figure_cells(name: str, figure: Figure[Any]) -> tuple[Any, ...]:
    if figure.shown:
        value = figure.value
        return (name, round(value, 2) if isinstance(value, float) else value, figure.n, "yes", "")
    return (name, "", "", "no", figure.reason or "")


def statistics_rows(
    view: benchmarks.ProgrammeView, *, period: str = "year"
) -> Iterator[tuple[Any, ...]]:
    """The rows of the statistics CSV: exactly the figures the programme statistics page shows
    from the latest release (all organisations, the validated / self-assessed split, each
    shown region and country) and the over-time table, each with its n or why it is hidden.

    A group the release withholds is one row saying why; regions and countries whose figures
    are hidden are not named, as on the page. Empty when no release has been cut.
    """
    stats, release = view.statistics, view.release
    if stats is None or release is None:
        return
    head = (release.number, release.cut_at.date().isoformat(), release.k)

    def record_rows(section: str, group: str, record: Any) -> Iterator[tuple[Any, ...]]:
        if not record.shown:
            reason = record.reason.message if record.reason is not None else ""
            yield (*head, section, group, "all figures", "", "", "no", reason)
            return
        for name, figure in record.figures.figures():
            yield (*head, section, group, *_figure_cells(name, figure))

    yield from record_rows("all organisations", "All organisations", stats.overall)
    yield from record_rows("self-assessed and validated", "All organisations", stats.split)
    for row in stats.by_region:
        yield from record_rows("region", row.group.region or "", row.record)
    for row in stats.by_country:
        label = benchmarks.country_name(row.group.country or "")
        yield from record_rows("country", label, row.record)
    history = over_time(view.history, "quarter" if period == "quarter" else "year", k=stats.k)
    for prow in history:
        point = prow.point
        point_head = (point.release, point.cut_on.isoformat(), point.k)
        section = f"over time (by {period})"
        if not point.overall.shown:
            reason = point.overall.reason.message if point.overall.reason is not None else ""
            yield (*point_head, section, prow.period, "all figures", "", "", "no", reason)
            continue
        for name, figure in point.overall.figures.figures():
            yield (*point_head, section, prow.period, *_figure_cells(name, figure))
