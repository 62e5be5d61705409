"""The service profile: which modalities and services the organisation runs.

Asked at the start of the survey; a criterion that needs a service the organisation does not
run is not applicable, so nobody answers or is scored on it (docs/scoring.md §1). Stored on the
assessment (`Assessment.services`), so a result stays a pure function of the assessment's own
inputs. This module holds the concept's service, form and page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from diam.model.schema import Model
from diam.scoring.engine import out_of_scope
from diam.web.accounts.models import User
from diam.web.assessments import selectors
from diam.web.assessments.access import assessment_get_for_user
from diam.web.assessments.models import Assessment
from diam.web.assessments.services import AssessmentLocked, assessment_context, model_for
from diam.web.audit.services import audit_record

ANSWERS = {"yes": True, "no": False, "": None}

# --- service ------------------------------------------------------------------------------------


@transaction.atomic
def assessment_services_set(
    *,
    assessment: Assessment,
    user: User,
    services: Mapping[str, bool | None],
    request: HttpRequest | None = None,
) -> Assessment:
    """Store the service profile of a draft; None leaves a service not stated.

    Raises `ValueError` naming an id the model does not define, and `AssessmentLocked` after
    submission; nothing changes in either case.
    """
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.is_locked:
        raise AssessmentLocked(
            f"{locked.title} is {locked.get_status_display().lower()}; its service profile "
            "can no longer change."
        )
    model = model_for(locked)
    known = [s.id for s in model.manifest.services]
    unknown = sorted(set(services) - set(known))
    if unknown:
        raise ValueError(
            f"Unknown service(s) {', '.join(unknown)}; this model asks about: {', '.join(known)}."
        )
    before = dict(locked.services or {})
    after = {sid: runs for sid, runs in services.items() if runs is not None}
    if before == after:
        return locked
    locked.services = after
    locked.save(update_fields=["services", "updated_at"])
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    audit_record(
        action="assessment.services_set",
        actor=user,
        organisation=locked.organisation,
        target=locked,
        summary=f"Service profile of {locked.title} changed: {', '.join(changed)}",
        detail={"before": before, "after": after},
        request=request,
    )
    assessment.services = after
    return locked


# --- form ---------------------------------------------------------------------------------------


class ServiceProfileForm(forms.Form):
    """One yes / no / not stated question per service of the model."""

    def __init__(self, *args: Any, model: Model, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for service in model.manifest.services:
            self.fields[service.id] = forms.ChoiceField(
                label=service.question,
                help_text=service.guidance or "",
                choices=[("yes", "Yes"), ("no", "No"), ("", "Not stated")],
                required=False,
                widget=forms.RadioSelect,
            )

    def services(self) -> dict[str, bool | None]:
        return {name: ANSWERS[value] for name, value in self.cleaned_data.items()}


def _initial(assessment: Assessment) -> dict[str, str]:
    stored = assessment.services or {}
    return {
        sid: "yes" if runs is True else "no" if runs is False else ""
        for sid, runs in stored.items()
    }


# --- page ---------------------------------------------------------------------------------------


def profile_unanswered(assessment: Assessment) -> bool:
    """Whether the model has a service profile that this assessment has not started yet."""
    return bool(model_for(assessment).manifest.services) and not assessment.services


@login_required
@require_http_methods(["GET", "POST"])
def service_profile(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Show the service profile; admins and contributors change it while it is a draft."""
    user = cast(User, request.user)
    assessment, membership = assessment_get_for_user(user=user, assessment_id=assessment_id)
    model = model_for(assessment)
    editable = membership.can_edit and not assessment.is_locked
    form = ServiceProfileForm(
        request.POST if request.method == "POST" else None,
        model=model,
        initial=_initial(assessment),
    )
    if request.method == "POST":
        if not membership.can_edit:
            raise PermissionDenied("Viewers cannot change the service profile.")
        if assessment.is_locked:
            messages.error(request, f"{assessment.title} is read-only; nothing was changed.")
            return redirect("assessment_profile", assessment_id=assessment.pk)
        if form.is_valid():
            assessment_services_set(
                assessment=assessment, user=user, services=form.services(), request=request
            )
            excluded = out_of_scope(model, assessment_context(assessment))
            messages.success(
                request,
                f"Service profile saved. {len(excluded)} criteria do not apply to "
                f"{assessment.organisation.name} and are not asked.",
            )
            return redirect(
                "assessment_section",
                assessment_id=assessment.pk,
                code=selectors.first_section_code(assessment=assessment, user=user),
            )
    context = assessment_context(assessment)
    excluded = out_of_scope(model, context)
    return render(
        request,
        "assessments/profile.html",
        {
            "assessment": assessment,
            "membership": membership,
            "model": model,
            "active": "survey",
            "editable": editable,
            "form": form,
            "excluded": [
                (
                    model.criteria_by_id[cid],
                    why,
                    selectors.skip_reason(
                        model, model.criteria_by_id[cid], {}, frozenset(), context
                    ),
                )
                for cid, why in excluded.items()
            ],
            "country": selectors.country_name(context.country) if context.country else "",
        },
        status=422 if request.method == "POST" else 200,
    )
