"""Reads for the gap report: the core `Report` built from the database, and its options.

`report_for_assessment` feeds the same `build_report` the CLI uses, so the page, the PDF,
the DOCX, the XLSX and `diam report` on an exported answers file say the same thing.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from itertools import permutations
from typing import Any

from django.apps import apps
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.text import slugify

from diam.model.schema import CORE_STAGES, Model
from diam.reports import PeerSection, Report, build_report
from diam.scoring.answers import AnswerValue
from diam.web.assessments.models import Answer, Assessment, Status
from diam.web.assessments.selectors import country_name
from diam.web.assessments.services import assessment_context, model_for

# Assessment.status -> the status `build_report` expects (its cover and summary label).
# A draft is provisional: the report says "Draft: answers may still change".
REPORT_STATUS: dict[str, str] = {
    Status.DRAFT: "draft",
    Status.SUBMITTED: "submitted",
    Status.VALIDATED: "validated",
}

# Longest accepted query values; anything longer is refused before it reaches the core.
MAX_TARGET_CHARS = 3
MAX_BRANCH_ORDER_CHARS = 12


class ReportOptionsError(ValueError):
    """A target stage or branch order from the query string that cannot be used."""


def load_answers(assessment: Assessment) -> list[Answer]:
    """The assessment's answers with their authors, in one query, cached on the instance.

    `assessment.to_core()` then reads the prefetched rows instead of querying again.
    """
    prefetch_related_objects(
        [assessment],
        Prefetch("answers", queryset=Answer.objects.select_related("updated_by")),
    )
    return list(assessment.answers.all())


def _answer_rows(assessment: Assessment) -> Any:
    """Each answer's criterion id, value, N/A, justification, comment, time and author's name
    and e-mail, as plain tuples: the report reads every answer once, and an Answer and a User
    instance per row cost the page more than building the whole report (about 200 instances
    for a complete assessment)."""
    return Answer.objects.filter(assessment=assessment).values_list(
        "criterion_id",
        "value",
        "na",
        "justification",
        "comment",
        "updated_at",
        "updated_by__name",
        "updated_by__email",
    )


def assessment_date(assessment: Assessment) -> datetime:
    """The date a report is "as of": submission, else creation."""
    return assessment.submitted_at or assessment.created_at


def report_for_assessment(
    *,
    assessment: Assessment,
    target_stage: int | None = None,
    branch_order: Sequence[str] | str | None = None,
    peer_medians: Mapping[str, float | None] | None = None,
) -> Report:
    """The core `Report` for an assessment, as `diam report` would build it from its answers.

    Raises `ValueError` (from the core, with a message for the user) for a target stage that
    does not exist or is not above the current stage, or for a bad branch order.
    """
    model = model_for(assessment)
    values: dict[str, AnswerValue] = {}
    comments: dict[str, str] = {}
    answered_by: dict[str, tuple[str, datetime]] = {}
    for row in _answer_rows(assessment):
        cid, value, na, justification, comment, updated_at, name, email = row
        if comment:
            comments[cid] = comment
        if (core := Answer.core_value(value, na, justification)) is not None:
            values[cid] = core
            # As str(User): the name, else the e-mail; a deleted author leaves both empty.
            answered_by[cid] = (name or email or "", timezone.localtime(updated_at))
    report = build_report(
        model=model,
        values=values,
        comments=comments,
        answered_by=answered_by,
        organisation=assessment.organisation.name,
        assessment_date=timezone.localdate(assessment_date(assessment)),
        status=REPORT_STATUS.get(assessment.status, "draft"),
        target_stage=target_stage,
        branch_order=branch_order,
        peer_medians=peer_medians,
        benchmark=peer_section(assessment),
        context=assessment_context(assessment),
        country_name=country_name,
    )
    if assessment.status == Status.VALIDATED:
        report = _with_validation_label(report, assessment)
    return report


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _with_validation_label(report: Report, assessment: Assessment) -> Report:
    """Name the validators, the date and the validated stage on the cover (the core only
    knows "validated"); the figures stay the organisation's answers."""
    from diam.web.validation.selectors import decision_for_assessment

    decision = decision_for_assessment(assessment)
    if decision is None or decision.revoked_at is not None:
        return report
    label = (
        f"Validated by {decision.validators_text} on {_day(decision.decided_on)}: "
        f"validated stage {decision.stage}, valid until {_day(decision.valid_until)}"
    )
    if decision.stage != report.cover.stage:
        label += f" (this report shows the self-assessment, stage {report.cover.stage})"
    return replace(report, cover=replace(report.cover, status_label=label))


def check_options(*, assessment: Assessment, options: ReportOptions) -> None:
    """Raise `ValueError` (the core's message) when the report cannot be built with `options`:
    a target stage not above the current stage, an unknown or repeated branch. The same rules
    as `report_for_assessment`, without the peer figures (a download checks before queueing)."""
    build_report(
        model=model_for(assessment),
        values=assessment.to_core(),
        organisation=assessment.organisation.name,
        assessment_date=timezone.localdate(assessment_date(assessment)),
        target_stage=options.target_stage,
        branch_order=options.branch_order,
    )


# --- peer medians (the benchmarks app's hook) -------------------------------------------------

BENCHMARKS_APP = "diam.web.benchmarks"
BENCHMARKS_SELECTORS = "diam.web.benchmarks.selectors"


def _benchmarks_hook(name: str) -> Any:
    """A function of the benchmarks app's selectors, or None when the app or it is missing."""
    if not apps.is_installed(BENCHMARKS_APP):
        return None
    try:
        module = importlib.import_module(BENCHMARKS_SELECTORS)
    except ModuleNotFoundError as exc:
        if exc.name in (BENCHMARKS_APP, BENCHMARKS_SELECTORS):
            return None
        raise
    return getattr(module, name, None)


def peer_medians(assessment: Assessment) -> Mapping[str, float | None] | None:
    """Focus-area code -> peer median percent, from the benchmarks app when it provides one.

    Calls `diam.web.benchmarks.selectors.peer_medians_for(assessment)` if that app is
    installed and defines it; otherwise None, and the report says peer comparison appears
    once benchmarks are available. Errors inside the benchmarks code are not hidden.
    """
    function = _benchmarks_hook("peer_medians_for")
    if function is None:
        return None
    medians = function(assessment)
    return dict(medians) if medians else None


def peer_section(assessment: Assessment) -> PeerSection | None:
    """The report's Benchmark section from `peer_section_for(assessment)` of the benchmarks
    app, like `peer_medians`; None (the section says benchmarks are not available yet)."""
    function = _benchmarks_hook("peer_section_for")
    if function is None:
        return None
    section: PeerSection | None = function(assessment)
    return section


# --- the page's choices ------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class ReportOptions:
    """What the query string asked for, validated for type and length (the core checks range)."""

    target_stage: int | None = None
    branch_order: str | None = None

    def query(self) -> dict[str, str]:
        """The query parameters that reproduce these options (empty for the defaults)."""
        out: dict[str, str] = {}
        if self.target_stage is not None:
            out["target"] = str(self.target_stage)
        if self.branch_order:
            out["branch_order"] = self.branch_order
        return out


def parse_options(query: Mapping[str, str]) -> ReportOptions:
    """`target` (a stage number) and `branch_order` (branch letters, e.g. `ACB`) from a query.

    Empty values mean the defaults. Raises `ReportOptionsError` for a target that is not a
    whole number or a branch order that is not a few letters; the core then checks the rest.
    """
    raw_target = (query.get("target") or "").strip()
    raw_order = (query.get("branch_order") or "").strip()
    target: int | None = None
    if raw_target:
        if len(raw_target) > MAX_TARGET_CHARS or not raw_target.isascii():
            raise ReportOptionsError("The target stage must be a stage number such as 4.")
        try:
            target = int(raw_target)
        except ValueError:
            raise ReportOptionsError("The target stage must be a stage number such as 4.") from None
    order: str | None = None
    if raw_order:
        letters = raw_order.replace(",", "").replace(" ", "").upper()
        if len(raw_order) > MAX_BRANCH_ORDER_CHARS or not (letters.isascii() and letters.isalpha()):
            raise ReportOptionsError(
                "The branch order must be branch letters in the order to plan them, such as ACB."
            )
        order = letters
    return ReportOptions(target_stage=target, branch_order=order)


def target_choices(model: Model, current_stage: int) -> list[Choice]:
    """Every stage above the current one; the first is the default ("the next stage")."""
    n_core = len(CORE_STAGES)
    out = []
    for stage in range(current_stage + 1, model.max_stage + 1):
        label = f"Stage {stage}"
        if stage == current_stage + 1:
            label += " (next)"
        label += f": {model.stage_info(stage).name}"
        if stage > n_core:
            extra = stage - n_core
            label += f" (core stage {n_core} + {extra} branch{'es' if extra > 1 else ''})"
        out.append(Choice(str(stage), label))
    return out


def branch_order_choices(model: Model) -> list[Choice]:
    """ "Least effort first" (the default), then every order of the model's branches."""
    letters = [b.id for b in model.manifest.branches]
    out = [Choice("", "Least remaining effort first (default)")]
    out += [Choice("".join(p), " → ".join(p)) for p in permutations(letters)]
    return out


# --- downloads ---------------------------------------------------------------------------------


def download_filename(assessment: Assessment, kind: str, extension: str) -> str:
    """`st-elsewhere-hospital-2026-03-01-radiology-1.0.0-gap-report.pdf` (`-draft` if so)."""
    org = slugify(assessment.organisation.name) or "organisation"
    day = timezone.localdate(assessment_date(assessment)).isoformat()
    model = slugify(assessment.model_id) or "model"
    version = "".join(ch for ch in assessment.model_version if ch.isalnum() or ch in ".-")
    draft = "-draft" if assessment.status == Status.DRAFT else ""
    return f"{org}-{day}-{model}-{version}-{kind}{draft}.{extension}"
