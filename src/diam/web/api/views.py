"""The API tokens page of an organisation, and JSON 404s for unknown /api/ URLs."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from diam.web.accounts.access import organisation_get_for_user
from diam.web.accounts.models import User
from diam.web.api.api import client_limited
from diam.web.api.forms import TokenForm
from diam.web.api.models import ApiToken
from diam.web.api.services import TokenRefused, token_create, token_revoke


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


@client_limited
def api_not_found(request: HttpRequest, rest: str) -> HttpResponse:
    return JsonResponse(
        {"message": "No such API endpoint; see /api/docs.", "errors": []}, status=404
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Members create tokens for themselves; admins also see and revoke everyone's."""
    user = _user(request)
    organisation, membership = organisation_get_for_user(user=user, organisation_id=organisation_id)
    form = TokenForm(request.POST or None, member_role=membership.role)
    secret = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = token_create(
                    membership=membership,
                    name=data["name"],
                    role=data["role"],
                    can_write=data["access"] == "write",
                    expires_in_days=data["expires_in_days"],
                    request=request,
                )
            except TokenRefused as exc:
                form.add_error(None, str(exc))
                status = 422
            else:
                secret = created.secret
                form = TokenForm(member_role=membership.role)
        else:
            status = 422
    rows = ApiToken.objects.filter(organisation=organisation).select_related("user")
    if not membership.is_admin:
        rows = rows.filter(user=user)
    response = render(
        request,
        "api/tokens.html",
        {
            "organisation": organisation,
            "membership": membership,
            "form": form,
            "secret": secret,
            "tokens": list(rows),
        },
        status=status,
    )
    response["Cache-Control"] = "no-store"  # the page may show a token once
    return response


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, organisation_id: int, token_id: int) -> HttpResponse:
    user = _user(request)
    organisation, membership = organisation_get_for_user(user=user, organisation_id=organisation_id)
    rows = ApiToken.objects.filter(organisation=organisation)
    if not membership.is_admin:
        rows = rows.filter(user=user)
    token = get_object_or_404(rows, pk=token_id)
    token_revoke(token=token, user=user, request=request)
    messages.success(request, f"Token {token.name!r} revoked; it no longer works.")
    return redirect("api_tokens", organisation_id=organisation.pk)
