"""The programme's verification queue: who signed up, from which e-mail domain, claiming what;
verify or refuse with a reason. Programme admins only (403 for others, sign-in when anonymous).
"""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from diam.web.accounts.models import Organisation, User
from diam.web.verification import selectors, services
from diam.web.verification.models import Status

PAGE_SIZE = 50


def _programme_admin(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not user.is_programme_admin:
        raise PermissionDenied("Only programme admins verify organisations.")
    return user


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("verify", "Verify: the organisation is who it says it is"), ("refuse", "Refuse")],
        widget=forms.RadioSelect,
        label="Decision",
    )
    note = forms.CharField(
        label="Reason or note",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required to refuse: the organisation's admins read it.",
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("decision") == "refuse" and not str(data.get("note", "")).strip():
            self.add_error("note", "Say why the organisation is refused.")
        return data


@login_required
@require_safe
def verification_queue(request: HttpRequest) -> HttpResponse:
    _programme_admin(request)
    status = request.GET.get("status", Status.PENDING)
    if status not in Status.values:
        status = Status.PENDING
    page = Paginator(selectors.queue(status), PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.counts()
    return render(
        request,
        "verification/queue.html",
        {
            "status": status,
            "statuses": [(v, label, counts[v]) for v, label in Status.choices],
            "page": page,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def verification_detail(request: HttpRequest, organisation_id: int) -> HttpResponse:
    user = _programme_admin(request)
    organisation = get_object_or_404(Organisation, pk=organisation_id, is_demo=False)
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        verified = form.cleaned_data["decision"] == "verify"
        services.verification_decide(
            organisation=organisation,
            verified=verified,
            note=form.cleaned_data["note"],
            user=user,
            request=request,
        )
        messages.success(
            request,
            f"{organisation} is verified: its results count from the next benchmark release."
            if verified
            else f"{organisation} is refused; its admins see the reason.",
        )
        return redirect(reverse("verification_queue"))
    return render(
        request,
        "verification/detail.html",
        {
            "organisation": organisation,
            "verification": selectors.verification_of(organisation),
            "identity": services.identity_of(organisation),
            "history": organisation.verification_decisions.select_related("by"),
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )
