"""Public pages (no sign-in): the registry, the badge, certificate verification, the keys.

Nothing here takes a stage, a date or a name from the URL: the badge URL carries a random
token, a certificate code is checked against its signature and the stored decision, and a
credential is checked against the programme's public keys.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_safe

from diam.credentials import CredentialError, parse_credential, verify_credential
from diam.web.validation import keys, selectors
from diam.web.validation.badge import badge_svg
from diam.web.validation.forms import VerifyForm
from diam.web.validation.models import Recognition, ValidationDecision
from diam.web.validation.services.decision import decision_for_code, normalise_code

MAX_CREDENTIAL_BYTES = 200_000
CODE_SHAPE = re.compile(r"[A-Z0-9-]{1,60}")


@require_safe
def registry(request: HttpRequest) -> HttpResponse:
    entries = selectors.registry_entries()
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "validation/registry.html", {"page": page, "count": len(entries)})


@require_safe
@cache_control(public=True, max_age=3600)
def badge(request: HttpRequest, token: str) -> HttpResponse:
    row = Recognition.objects.select_related("organisation").filter(badge_token=token).first()
    if row is None:
        raise Http404("No such badge.")
    svg = badge_svg(
        organisation_name=row.organisation.name,
        decision=selectors.latest_decision(row.organisation),
        today=timezone.localdate(),
    )
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    # Embedded on other sites: allow that, but never run anything the SVG might contain.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def _superseded(decision: ValidationDecision) -> bool:
    return (
        ValidationDecision.objects.filter(
            organisation_id=decision.organisation_id, decided_on__gt=decision.decided_on
        )
        .exclude(pk=decision.pk)
        .exists()
    )


@require_safe
def verify_code(request: HttpRequest, code: str) -> HttpResponse:
    decision = decision_for_code(code)
    context: dict[str, Any] = {"code": normalise_code(code)[:60], "form": VerifyForm()}
    if decision is None:
        return render(request, "validation/verify.html", {**context, "unknown": True}, status=404)
    context.update(
        decision=decision,
        status=decision.status,
        superseded=_superseded(decision),
    )
    return render(request, "validation/verify.html", context)


def _code_response(request: HttpRequest, code: str) -> HttpResponse:
    """Redirect to a code's page; a code that cannot be one is refused on the spot."""
    code = normalise_code(code)
    if not CODE_SHAPE.fullmatch(code):
        context = {"code": code[:60], "form": VerifyForm(), "unknown": True}
        return render(request, "validation/verify.html", context, status=404)
    return redirect("verify_code", code)


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("code", "").strip()
    if code:
        return _code_response(request, code)
    form = VerifyForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["credential_text"].strip()
        upload = form.cleaned_data["credential"]
        if form.cleaned_data["code"].strip() and not (text or upload):
            return _code_response(request, form.cleaned_data["code"])
        if upload is not None:
            if upload.size > MAX_CREDENTIAL_BYTES:
                form.add_error("credential", "A credential is a small JSON file; this is too big.")
            else:
                text = upload.read().decode("utf-8", errors="replace")
        if not form.errors:
            if not text:
                form.add_error(None, "Enter a certificate code, or upload or paste a credential.")
            else:
                context.update(_check_credential(text))
    status = 400 if form.errors or context.get("credential_error") else 200
    return render(request, "validation/verify.html", context, status=status)


def _check_credential(text: str) -> dict[str, Any]:
    try:
        document = parse_credential(text)
    except CredentialError as exc:
        return {"credential_error": str(exc)}
    outcome = verify_credential(document, keys=keys.published_keys(), now=timezone.now())
    decision = None
    if outcome.signature_valid:
        # Online only: the registry knows about revocations an offline check cannot.
        credential_id = outcome.facts.get("id", "").rstrip("/")
        decision = decision_for_code(credential_id.rsplit("/", 1)[-1]) if credential_id else None
    return {"outcome": outcome, "credential_decision": decision}


@require_safe
@cache_control(public=True, max_age=3600)
def credential_keys(request: HttpRequest) -> JsonResponse:
    """The programme's public keys (current and retired), the anchor of `diam verify`."""
    response = JsonResponse(keys.public_key_document(), json_dumps_params={"indent": 2})
    response["Access-Control-Allow-Origin"] = "*"
    return response


def credential_download_body(credential: dict[str, Any]) -> bytes:
    return (json.dumps(credential, indent=2, ensure_ascii=False) + "\n").encode()
