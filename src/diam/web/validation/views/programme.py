"""The programme admin's validation pages: the queue, validators (grant, revoke), assigning
validators to a request, and revoking a decision."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from diam.web.accounts.models import User
from diam.web.core.converters import parse_id
from diam.web.validation import selectors
from diam.web.validation.access import validation_get_for_user
from diam.web.validation.forms import AssignForm, GrantForm, ReasonForm
from diam.web.validation.models import RequestState, ValidationDecision
from diam.web.validation.services.decision import decision_revoke
from diam.web.validation.services.requests import (
    ValidationRefused,
    validator_assign,
    validator_unassign,
)
from diam.web.validation.services.roles import validator_grant, validator_revoke

PAGE_SIZE = 50


def _programme_admin(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not user.is_programme_admin:
        raise PermissionDenied("Only programme admins can open this page.")
    return user


@login_required
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    _programme_admin(request)
    state = request.GET.get("state", "open")
    states: list[str] | None
    if state == "open":
        states = [RequestState.REQUESTED, RequestState.IN_REVIEW]
    elif state in RequestState.values:
        states = [state]
    else:
        state, states = "all", None
    page = Paginator(selectors.validation_queue(states=states), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "validation/queue.html",
        {
            "page": page,
            "state": state,
            "states": [("open", "Open"), *RequestState.choices, ("all", "All")],
            "state_label": dict(RequestState.choices).get(state, ""),
            "expiring": list(selectors.certificates_expiring(within_days=180)[:50]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def validators(request: HttpRequest) -> HttpResponse:
    admin = _programme_admin(request)
    form = GrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        target = User.objects.filter(email__iexact=email).first()
        if target is None:
            form.add_error(
                "email", "No account has this address; ask the person to create one first."
            )
        else:
            try:
                validator_grant(user=target, by=admin, request=request)
            except ValidationRefused as exc:
                form.add_error("email", str(exc))
            else:
                messages.success(request, f"{target} is now a validator.")
                return redirect("programme_validators")
    return render(
        request,
        "validation/validators.html",
        {"form": form, "validators": list(selectors.validators_with_load())},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def validator_remove(request: HttpRequest, user_id: int) -> HttpResponse:
    admin = _programme_admin(request)
    target = get_object_or_404(User, pk=user_id)
    try:
        left = validator_revoke(user=target, by=admin, request=request)
    except ValidationRefused as exc:
        messages.error(request, str(exc))
    else:
        extra = f" They left {left} open validation{'s' if left != 1 else ''}." if left else ""
        messages.success(request, f"{target} is no longer a validator.{extra}")
    return redirect("programme_validators")


@login_required
@require_POST
def assign(request: HttpRequest, validation_id: int) -> HttpResponse:
    user = cast(User, request.user)
    access = validation_get_for_user(user=user, request_id=validation_id, need="programme")
    validation = access.request
    form = AssignForm(request.POST, validators=selectors.validators_available(validation))
    target = None
    if form.is_valid():
        target = User.objects.filter(pk=form.cleaned_data["validator"]).first()
    elif "validator" in request.POST:
        # Not offered (e.g. a member of the organisation): let the service say why.
        pk = parse_id(request.POST["validator"])
        target = User.objects.filter(pk=pk).first() if pk is not None else None
    if target is None:
        messages.error(request, "Choose a validator.")
        return redirect("validation", validation.pk)
    try:
        validator_assign(validation=validation, validator=target, user=user, request=request)
    except ValidationRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{target} is assigned.")
    return redirect("validation", validation.pk)


@login_required
@require_POST
def unassign(request: HttpRequest, validation_id: int, user_id: int) -> HttpResponse:
    user = cast(User, request.user)
    access = validation_get_for_user(user=user, request_id=validation_id, need="programme")
    target = get_object_or_404(User, pk=user_id)
    try:
        validator_unassign(validation=access.request, validator=target, user=user, request=request)
    except ValidationRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{target} is no longer assigned.")
    return redirect("validation", access.request.pk)


@login_required
@require_http_methods(["GET", "POST"])
def revoke(request: HttpRequest, validation_id: int) -> HttpResponse:
    user = cast(User, request.user)
    access = validation_get_for_user(user=user, request_id=validation_id, need="programme")
    decision = get_object_or_404(ValidationDecision, request=access.request)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            decision_revoke(
                decision=decision, user=user, reason=form.cleaned_data["reason"], request=request
            )
        except ValidationRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "The validation is revoked.")
            return redirect("validation", access.request.pk)
    return render(
        request,
        "validation/revoke.html",
        {"access": access, "validation": access.request, "decision": decision, "form": form},
        status=400 if form.errors else 200,
    )
