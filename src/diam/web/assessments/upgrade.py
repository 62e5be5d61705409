"""Starting a new assessment from an earlier one, on the same or a newer model version.

`assessment_repeat` is the dashboard's "start from the previous assessment" (docs/repeat.md).

An assessment stays on the model version it was answered against. When a newer version is
installed and declares its migration from that version (`migration.yaml`), members see a
preview: which answers carry over and which need new input (with reasons, from the core's
`plan_migration`), and the stage before and after. An admin then starts a new draft on the
newer version through `assessment_start_from`; carried answers are marked "carried, please
confirm" until someone saves them. This module holds the concept's selector, service and page.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from diam.model.migration import Migration
from diam.model.schema import Criterion, FocusAreaInfo, Model
from diam.paths import UnknownModel, latest_version, shipped_migration, shipped_model
from diam.scoring.context import Context
from diam.scoring.engine import score
from diam.scoring.explain import answer_text, why_stage
from diam.scoring.migrate import Carried, Dropped, MigrationPlan, NeedsInput, plan_migration
from diam.scoring.result import Result
from diam.web.accounts.models import Organisation, User
from diam.web.assessments.access import assessment_get_for_user
from diam.web.assessments.models import Assessment, Status
from diam.web.assessments.services import (
    assessment_context,
    assessment_result,
    assessment_start_from,
    model_for,
)
from diam.web.audit.services import audit_record

# --- selector -----------------------------------------------------------------------------------


def upgrade_target(assessment: Assessment) -> tuple[Model, Migration] | None:
    """The newer model version this assessment can move to, with its migration; None when
    the assessment is on the latest version or the latest declares no migration from it."""
    try:
        newest = latest_version(assessment.model_id)
    except UnknownModel:
        return None
    if newest == assessment.model_version:
        return None
    migration = shipped_migration(assessment.model_id, newest)
    if migration is None or migration.from_version != assessment.model_version:
        return None
    return shipped_model(assessment.model_id, newest), migration


def upgrade_version(assessment: Assessment) -> str:
    """The newer version this assessment can move to ('' when none): for links to the preview."""
    target = upgrade_target(assessment)
    return target[0].version if target else ""


@dataclass(frozen=True)
class PreviewRow:
    criterion: Criterion
    carried: Carried | None
    needs: NeedsInput | None
    source_answer: str  # the old answer as a person reads it ('' when none)

    @property
    def reason(self) -> str:
        return self.carried.reason if self.carried else self.needs.reason if self.needs else ""


@dataclass(frozen=True)
class PreviewSection:
    focus_area: FocusAreaInfo
    rows: list[PreviewRow]

    @property
    def carried(self) -> int:
        return sum(1 for r in self.rows if r.carried is not None)


@dataclass(frozen=True)
class UpgradePreview:
    old: Model
    new: Model
    plan: MigrationPlan
    before: Result  # the assessment as it stands, on its own version
    after: Result  # the carried answers alone on the new version (new questions unanswered)
    sections: list[PreviewSection]
    dropped: list[tuple[Criterion, Dropped, str]]

    @property
    def why_before(self) -> str:
        return why_stage(self.before)

    @property
    def why_after(self) -> str:
        return why_stage(self.after)


def upgrade_preview(assessment: Assessment) -> UpgradePreview | None:
    """What moving the assessment to the newer version would do; None when it cannot move."""
    target = upgrade_target(assessment)
    if target is None:
        return None
    new, migration = target
    old = model_for(assessment)
    before = assessment_result(assessment)
    plan = plan_migration(old=old, new=new, migration=migration, values=before.values)
    context = assessment_context(assessment)
    known = {s.id for s in new.manifest.services}
    context_new = Context(
        country=context.country, services={k: v for k, v in context.services.items() if k in known}
    )
    after = score(new, plan.values, context_new)
    carried = {c.criterion_id: c for c in plan.carried}
    needs = {n.criterion_id: n for n in plan.needs_input}
    by_area: dict[str, list[PreviewRow]] = defaultdict(list)
    for criterion in new.criteria:
        c, n = carried.get(criterion.id), needs.get(criterion.id)
        source_id = c.source_id if c else (n.source_ids[0] if n and len(n.source_ids) == 1 else "")
        shown = ""
        if source_id and source_id in before.values:
            shown = answer_text(old.criteria_by_id[source_id], before.values[source_id])
        by_area[criterion.focus_area].append(PreviewRow(criterion, c, n, shown))
    sections = [
        PreviewSection(fa, by_area[fa.code]) for fa in new.manifest.focus_areas if by_area[fa.code]
    ]
    dropped = [
        (
            old.criteria_by_id[d.criterion_id],
            d,
            answer_text(old.criteria_by_id[d.criterion_id], before.values.get(d.criterion_id)),
        )
        for d in plan.dropped
    ]
    return UpgradePreview(old, new, plan, before, after, sections, dropped)


def repeat_candidates(*, organisation: Organisation) -> list[tuple[int, str]]:
    """The assessments a new one can start from: submitted or validated, most recent first,
    each as (id, label); the label says the stage, the date and the model version the new
    assessment will be on."""
    locked = (
        Assessment.objects.filter(organisation=organisation)
        .exclude(status=Status.DRAFT)
        .order_by("-submitted_at", "-created_at")
    )
    out = []
    for a in locked:
        when = f"{timezone.localdate(a.submitted_at):%-d %b %Y}" if a.submitted_at else ""
        stage = f"stage {a.stage}" if a.stage is not None else "not scored"
        label = (
            f"{a.title} ({a.get_status_display().lower()} {when}, {stage}, model {a.model_version})"
        )
        target = upgrade_target(a)
        if target is not None:
            label += f"; the new one moves to model {target[0].version} through its migration"
        out.append((a.pk, label))
    return out


# --- service ------------------------------------------------------------------------------------


class UpgradeUnavailable(ValueError):
    """No newer model version declares a migration from this assessment's version."""


@transaction.atomic
def assessment_upgrade(
    *, previous: Assessment, user: User, title: str = "", request: HttpRequest | None = None
) -> Assessment:
    """Start a new draft on the newer model version, carrying what the migration allows.

    The previous assessment is untouched (it stays on its version); its service profile is
    copied as far as the new version asks the same services.
    """
    preview = upgrade_preview(previous)
    if preview is None:
        raise UpgradeUnavailable(
            f"{previous.title} is on model {previous.model_id} {previous.model_version}, and no "
            "newer installed version declares a migration from it."
        )
    new_model, plan = preview.new, preview.plan
    draft = assessment_start_from(
        previous=previous,
        user=user,
        title=title or f"{previous.title} (model {new_model.version})",
        model=new_model,
        sources=plan.sources,
    )
    known = {s.id for s in new_model.manifest.services}
    services = {k: v for k, v in (previous.services or {}).items() if k in known}
    if services:
        draft.services = services
        draft.save(update_fields=["services", "updated_at"])
    audit_record(
        action="assessment.upgraded",
        actor=user,
        organisation=previous.organisation,
        target=draft,
        summary=(
            f"{draft.title} started on model {new_model.id} {new_model.version} from "
            f"{previous.title} ({previous.model_version})"
        ),
        detail={
            "previous": previous.pk,
            "from_version": previous.model_version,
            "to_version": new_model.version,
            "carried": len(plan.carried),
            "needs_input": len(plan.needs_input),
        },
        request=request,
    )
    return draft


@transaction.atomic
def assessment_repeat(
    *, previous: Assessment, user: User, title: str = "", request: HttpRequest | None = None
) -> Assessment:
    """Start the organisation's next assessment from `previous` (a submitted or validated one).

    On the latest model version through its migration when `previous` is on the version the
    migration is declared from (`assessment_upgrade`); otherwise on `previous`'s own version.
    Answers, N/A, comments, evidence links and the service profile are carried forward; every
    carried answer waits for confirmation. Raises `ValueError` for a draft.
    """
    if not previous.is_locked:
        raise ValueError(
            f"{previous.title} is a draft; start from a submitted or validated assessment."
        )
    if upgrade_target(previous) is not None:
        title = title.strip() or f"Assessment {timezone.localdate():%B %Y}"
        return assessment_upgrade(previous=previous, user=user, title=title, request=request)
    draft = assessment_start_from(previous=previous, user=user, title=title)
    if previous.services:
        draft.services = dict(previous.services)
        draft.save(update_fields=["services", "updated_at"])
    return draft


# --- page ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def upgrade_preview_view(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The preview for members; an admin's POST starts the new draft."""
    user = cast(User, request.user)
    assessment, membership = assessment_get_for_user(user=user, assessment_id=assessment_id)
    preview = upgrade_preview(assessment)
    if preview is None:
        raise Http404("This assessment is on the latest model version it can move to.")
    if request.method == "POST":
        if not membership.is_admin:
            raise PermissionDenied("Only an organisation admin can start a new assessment.")
        draft = assessment_upgrade(
            previous=assessment,
            user=user,
            title=request.POST.get("title", "").strip()[:120],
            request=request,
        )
        carried = draft.answers.filter(carried=True).count()
        messages.success(
            request,
            f"{draft.title} started on model {draft.model_version}: {carried} answers carried "
            f"over (marked “carried, please confirm”), "
            f"{len(model_for(draft).criteria) - carried} to answer. "
            f"{assessment.title} stays on {assessment.model_version}.",
        )
        return redirect("assessment", assessment_id=draft.pk)
    return render(
        request,
        "assessments/upgrade.html",
        {
            "assessment": assessment,
            "membership": membership,
            "model": preview.old,
            "active": "results",
            "preview": preview,
        },
    )
