"""The organisation's pages: request a validation, its recognition (registry listing, badge,
certificates, credentials), and "Waiting for you" for everyone."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from diam.web.accounts.access import organisation_get_for_user
from diam.web.accounts.models import Membership, User
from diam.web.assessments.access import assessment_get_for_user
from diam.web.assessments.services import assessment_result
from diam.web.validation import selectors
from diam.web.validation.emails import absolute
from diam.web.validation.forms import RecognitionForm, RequestForm
from diam.web.validation.services.decision import recognition_for, recognition_update
from diam.web.validation.services.requests import ValidationRefused, validation_request


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest, assessment_id: int) -> HttpResponse:
    user = _user(request)
    assessment, membership = assessment_get_for_user(
        user=user, assessment_id=assessment_id, need="admin"
    )
    live = selectors.live_request(assessment)
    if live is not None:
        return redirect("validation", live.pk)
    initial = {"contact_name": user.name, "contact_email": user.email}
    form = RequestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            validation = validation_request(
                assessment=assessment, user=user, request=request, **form.cleaned_data
            )
        except ValidationRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                "Validation requested. The programme assigns validators; you are told by e-mail "
                "and under “Waiting for you” when they need something from you.",
            )
            return redirect("validation", validation.pk)
    stage = assessment_result(assessment).stage
    return render(
        request,
        "validation/request.html",
        {
            "assessment": assessment,
            "membership": membership,
            "form": form,
            "stage": stage,
            "minimum": settings.DIAM_VALIDATION_MIN_STAGE,
            "validity_years": settings.DIAM_VALIDATION_VALIDITY_YEARS,
            "eligible": assessment.status == "submitted"
            and stage >= settings.DIAM_VALIDATION_MIN_STAGE,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def recognition(request: HttpRequest, organisation_id: int) -> HttpResponse:
    user = _user(request)
    need = "admin" if request.method == "POST" else "view"
    organisation, membership = organisation_get_for_user(
        user=user, organisation_id=organisation_id, need=need
    )
    row = recognition_for(organisation)
    form = RecognitionForm(request.POST or None, initial={"listed": row.listed})
    if request.method == "POST" and form.is_valid():
        recognition_update(
            organisation=organisation,
            listed=form.cleaned_data["listed"],
            user=user,
            request=request,
        )
        messages.success(request, "Registry listing saved.")
        return redirect("organisation_recognition", organisation.pk)
    badge_url = absolute(reverse("badge", args=[row.badge_token]))
    latest = selectors.latest_decision(organisation)
    target = absolute(reverse("verify_code", args=[latest.code])) if latest else absolute("/")
    return render(
        request,
        "validation/recognition.html",
        {
            "organisation": organisation,
            "membership": membership,
            "form": form,
            "recognition": row,
            "decisions": list(selectors.decisions(organisation=organisation)),
            "badge_url": badge_url,
            "embed": (
                f'<a href="{target}"><img src="{badge_url}" width="260" height="72" '
                f'alt="{organisation.name}: imaging IT maturity validation"></a>'
            ),
        },
    )


@login_required
@require_safe
def waiting(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    # The page lists validation steps only; a member who came looking for the survey or the
    # carried answers to confirm is pointed to the organisations' own pages.
    memberships = Membership.objects.filter(user=user).select_related("organisation")
    return render(
        request,
        "validation/waiting.html",
        {
            "items": selectors.waiting_for(user),
            "organisations": [m.organisation for m in memberships.order_by("organisation__name")],
        },
    )
