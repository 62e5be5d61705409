"""Progress over time: an organisation's stage and focus-area percentages across its submitted
and validated assessments, and what changed between any two of its assessments.

The comparison itself is the pure core's (`diam.scoring.compare`); across model versions the
newer version's declared migration says which criteria are the same question. A validated
assessment counts with its validated result (the accepted criteria only), as everywhere else.
This module holds the concept's selectors and pages (docs/repeat.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_safe

from diam import charts
from diam.model.schema import Criterion, Model
from diam.paths import UnknownModel, shipped_migration
from diam.scoring.compare import Comparison, CriterionChange, compare_results, counterparts
from diam.scoring.result import Result
from diam.web.accounts.access import organisation_get_for_user
from diam.web.accounts.models import Organisation, User
from diam.web.assessments.forms import CompareForm
from diam.web.assessments.models import Assessment, Status
from diam.web.assessments.selectors import STATUS_LABELS, validation_dates
from diam.web.assessments.services import assessment_result

# --- selectors ----------------------------------------------------------------------------------


def effective_result(assessment: Assessment) -> Result:
    """The result an assessment stands for: the validated one once validated (accepted criteria
    only), else the engine's result from its answers."""
    if assessment.status == Status.VALIDATED:
        from diam.web.validation.selectors import validated_result

        return validated_result(assessment)
    return assessment_result(assessment)


@dataclass(frozen=True)
class TimelinePoint:
    assessment: Assessment
    result: Result
    when: date  # the validation decision's date, else the submission's

    @property
    def label(self) -> str:
        return f"{self.when:%-d %b %Y}"


def _when(assessment: Assessment, validated: dict[int, date]) -> date:
    if assessment.pk in validated:
        return validated[assessment.pk]
    moment = assessment.submitted_at or assessment.created_at
    return timezone.localdate(moment)


def progress_points(*, organisation: Organisation) -> list[TimelinePoint]:
    """The organisation's submitted and validated assessments, oldest first, with their results.

    Assessments pinned to a model version that is no longer installed are left out (nothing
    can score them).
    """
    assessments = list(
        Assessment.objects.filter(organisation=organisation)
        .exclude(status=Status.DRAFT)
        .order_by("submitted_at", "created_at")
    )
    validated = validation_dates(assessments)
    points = []
    for a in assessments:
        try:
            result = effective_result(a)
        except (RuntimeError, OSError, UnknownModel):
            continue
        points.append(TimelinePoint(a, result, _when(a, validated)))
    return sorted(points, key=lambda p: (p.when, p.assessment.pk))


@dataclass(frozen=True)
class TimelineRow:
    """One line of the timeline table: the stage, or one focus area's percentages."""

    label: str
    cells: list[str]


@dataclass(frozen=True)
class Timeline:
    points: list[TimelinePoint]
    rows: list[TimelineRow]
    stage_svg: SafeString
    areas_svg: SafeString


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{charts.pct_text(value).rstrip('%')} %"


def progress_timeline(*, organisation: Organisation) -> Timeline:
    """The table and charts of the progress page (focus areas in the latest model's order)."""
    points = progress_points(organisation=organisation)
    codes: dict[str, str] = {}
    for point in reversed(points):
        for fa in point.result.focus_areas:
            codes.setdefault(fa.code, fa.name)
    percents = [{f.code: f.percent for f in p.result.focus_areas} for p in points]
    rows = [TimelineRow("Stage", [str(p.result.stage) for p in points])]
    rows += [
        TimelineRow(f"{code} {name}", [_pct(pcts.get(code)) for pcts in percents])
        for code, name in codes.items()
    ]
    labels = [p.label for p in points]
    stage_svg = areas_svg = mark_safe("")  # noqa: S308 - empty
    if points:
        stage_svg = mark_safe(  # noqa: S308 - diam.charts escapes every label
            charts.timeline_svg(
                labels=labels,
                series=[("Stage", [float(p.result.stage) for p in points])],
                y_max=7,
                y_ticks=range(8),
                title="Stage of each submitted or validated assessment, oldest first",
            )
        )
        areas_svg = mark_safe(  # noqa: S308 - diam.charts escapes every label
            charts.timeline_svg(
                labels=labels,
                series=[(code, [pcts.get(code) for pcts in percents]) for code in codes],
                y_max=100,
                y_ticks=(0, 25, 50, 75, 100),
                title="Percent of criteria met per focus area, oldest first",
                unit="%",
            )
        )
    return Timeline(points, rows, stage_svg, areas_svg)


def compare_choices(*, organisation: Organisation) -> list[tuple[int, str]]:
    """Every assessment of the organisation as (id, label), newest first; a draft's label says
    its figures are provisional."""
    out = []
    for a in Assessment.objects.filter(organisation=organisation).order_by("-created_at"):
        when = a.submitted_at or a.created_at
        state = a.get_status_display().lower()
        if a.status == Status.DRAFT:
            state = "draft, provisional"
        out.append(
            (a.pk, f"{a.title} ({state}, {timezone.localdate(when):%-d %b %Y}, {a.model_version})")
        )
    return out


@dataclass(frozen=True)
class ChangeRow:
    criterion: Criterion
    before_id: str
    before: str
    after: str


@dataclass(frozen=True)
class AssessmentComparison:
    before: Assessment
    after: Assessment
    comparison: Comparison
    newly_met: list[ChangeRow]
    no_longer_met: list[ChangeRow]
    only_before: list[Criterion]
    only_after: list[Criterion]
    matching: str  # how criteria were matched, in words


def _order(a: Assessment, b: Assessment) -> tuple[Assessment, Assessment]:
    """Earlier first (by submission, else creation)."""

    def key(x: Assessment) -> tuple[object, int]:
        return (x.submitted_at or x.created_at, x.pk)

    return (a, b) if key(a) <= key(b) else (b, a)


def _sources(before: Model, after: Model) -> tuple[dict[str, str | None] | None, str]:
    """After's criterion id -> before's counterpart, and how they were matched, in words."""
    if before.version == after.version:
        return None, f"Both on model {after.id} {after.version}: each criterion with itself."
    ids_before, ids_after = frozenset(before.criteria_by_id), frozenset(after.criteria_by_id)
    migration = shipped_migration(after.id, after.version)
    if migration is not None and migration.from_version == before.version:
        found = counterparts(earlier_ids=ids_before, later_ids=ids_after, migration=migration)
        return found, (
            f"Model {before.version} to {after.version}: criteria matched through the "
            f"migration {after.version} declares from {before.version}."
        )
    migration = shipped_migration(before.id, before.version)
    if migration is not None and migration.from_version == after.version:
        # The later assessment is on the older version: read the migration backwards.
        forward = counterparts(earlier_ids=ids_after, later_ids=ids_before, migration=migration)
        backward: dict[str, str | None] = {cid: None for cid in ids_after}
        for new_id, old_id in sorted(forward.items()):
            if old_id is not None and (backward[old_id] is None or new_id == old_id):
                backward[old_id] = new_id
        return backward, (
            f"Model {before.version} to {after.version}: criteria matched through the "
            f"migration {before.version} declares from {after.version}."
        )
    return None, (
        f"Model {before.version} and {after.version} declare no migration between them: "
        "criteria with the same id are compared as the same question."
    )


def assessment_comparison(*, first: Assessment, second: Assessment) -> AssessmentComparison:
    """What changed from the earlier of two assessments to the later one."""
    before, after = _order(first, second)
    result_before, result_after = effective_result(before), effective_result(after)
    sources, matching = _sources(result_before.model, result_after.model)
    comparison = compare_results(before=result_before, after=result_after, sources=sources)
    old, new = result_before.model.criteria_by_id, result_after.model.criteria_by_id

    def rows(changes: tuple[CriterionChange, ...]) -> list[ChangeRow]:
        return [
            ChangeRow(
                new[c.criterion_id], c.before_id, STATUS_LABELS[c.before], STATUS_LABELS[c.after]
            )
            for c in changes
        ]

    return AssessmentComparison(
        before=before,
        after=after,
        comparison=comparison,
        newly_met=rows(comparison.newly_met),
        no_longer_met=rows(comparison.no_longer_met),
        only_before=[old[cid] for cid in comparison.only_before],
        only_after=[new[cid] for cid in comparison.only_after],
        matching=matching,
    )


# --- pages --------------------------------------------------------------------------------------


@login_required
@require_safe
def progress_view(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """The timeline of stage and focus-area percentages, with the comparison form."""
    organisation, membership = organisation_get_for_user(
        user=cast(User, request.user), organisation_id=organisation_id
    )
    choices = compare_choices(organisation=organisation)
    return render(
        request,
        "assessments/progress.html",
        {
            "organisation": organisation,
            "membership": membership,
            "timeline": progress_timeline(organisation=organisation),
            "form": CompareForm(initial=_default_pair(choices), choices=choices),
            "can_compare": len(choices) >= 2,
        },
    )


def _default_pair(choices: list[tuple[int, str]]) -> dict[str, int]:
    """The most recent assessment and the one it was started from; without one, the next most
    recent (choices are newest first). A repeat is compared with its own starting point rather
    than with whichever other draft happens to be newer."""
    if len(choices) < 2:
        return {}
    latest = choices[0][0]
    previous = Assessment.objects.filter(pk=latest).values_list("previous_id", flat=True).first()
    ids = {pk for pk, _ in choices}
    before = previous if previous is not None and previous in ids else choices[1][0]
    return {"before": before, "after": latest}


@login_required
@require_safe
def compare_view(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """The differences between two assessments picked in the form (GET, so a link keeps them)."""
    organisation, membership = organisation_get_for_user(
        user=cast(User, request.user), organisation_id=organisation_id
    )
    choices = compare_choices(organisation=organisation)
    bound = "before" in request.GET or "after" in request.GET
    form = (
        CompareForm(request.GET, choices=choices)
        if bound
        else CompareForm(initial=_default_pair(choices), choices=choices)
    )
    result = None
    status = 200
    if bound and form.is_valid():
        # The choices are this organisation's assessments only (another's id is an invalid
        # choice), so these reads cannot reach another organisation.
        first = Assessment.objects.get(pk=form.cleaned_data["before"], organisation=organisation)
        second = Assessment.objects.get(pk=form.cleaned_data["after"], organisation=organisation)
        result = assessment_comparison(first=first, second=second)
    elif not bound and len(choices) >= 2:
        pair = _default_pair(choices)
        result = assessment_comparison(
            first=Assessment.objects.get(pk=pair["before"]),
            second=Assessment.objects.get(pk=pair["after"]),
        )
    elif bound:
        status = 422
    return render(
        request,
        "assessments/compare.html",
        {
            "organisation": organisation,
            "membership": membership,
            "form": form,
            "can_compare": len(choices) >= 2,
            "cmp": result,
        },
        status=status,
    )
