"""Sign-in protection: django-axes' hooks, password-reset throttling, and the sign-in audit.

- Wrong passwords: django-axes counts failures per address and per client (settings.AXES_*);
  `locked_out` is the page a locked-out client gets (429, saying for how long and what to do).
- Password-reset requests: at most PASSWORD_RESET_PER_ADDRESS_PER_HOUR per address and
  PASSWORD_RESET_PER_CLIENT_PER_HOUR per client, counted from the audit trail (which every
  worker shares), so no extra table or shared cache is needed.
- Every sign-in, failed sign-in and sign-out is an audit event.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from diam.web.audit.models import AuditEvent
from diam.web.audit.services import audit_record
from diam.web.security.proxies import client_ip


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The address a sign-in attempt is for, as stored (lower case, trimmed)."""
    raw: Any = (credentials or {}).get("username")
    if raw is None and request is not None and hasattr(request, "POST"):
        raw = request.POST.get("username")
    return str(raw or "").strip().lower()[:254]


def cool_off_minutes() -> int:
    cool_off = settings.AXES_COOLOFF_TIME
    hours = cool_off.total_seconds() / 3600 if isinstance(cool_off, timedelta) else cool_off
    return max(1, math.ceil(float(hours) * 60))


def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' response for a locked-out address or client: 429 with a clear message."""
    return render(
        request,
        "429.html",
        {
            "code": 429,
            "title": "Too many failed sign-ins",
            "message": (
                f"After {settings.AXES_FAILURE_LIMIT} wrong passwords, signing in to this "
                f"account or from this network is paused for {cool_off_minutes()} minutes. "
                "Wait and try again, or reset your password if you have forgotten it."
            ),
            "show_reset": True,
        },
        status=429,
    )


# --- password-reset throttling ---------------------------------------------------------------

RESET_ACTION = "auth.password_reset_requested"


def password_reset_refusal(*, request: HttpRequest, email: str) -> str | None:
    """Why another reset e-mail may not be sent now (None when it may)."""
    since = timezone.now() - timedelta(hours=1)
    recent = AuditEvent.objects.filter(action=RESET_ACTION, at__gte=since)
    address = email.strip().lower()
    if recent.filter(detail__email=address).count() >= settings.PASSWORD_RESET_PER_ADDRESS_PER_HOUR:
        return (
            "A password-reset e-mail was already sent to this address several times in the "
            "last hour. Check your inbox and spam folder, or try again in an hour."
        )
    ip = client_ip(request)
    if ip and recent.filter(ip=ip).count() >= settings.PASSWORD_RESET_PER_CLIENT_PER_HOUR:
        return (
            "Too many password-reset requests came from your network in the last hour. "
            "Try again in an hour."
        )
    return None


def password_reset_record(*, request: HttpRequest, email: str) -> None:
    audit_record(
        action=RESET_ACTION,
        summary="Password reset requested",
        detail={"email": email.strip().lower()},
        request=request,
    )


# --- audit of sign-ins -------------------------------------------------------------------------


@receiver(user_logged_in)
def _signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_record(action="auth.signed_in", actor=user, summary="Signed in", request=request)
    if request is not None and hasattr(request, "session"):
        from diam.web.security.middleware import second_factor_step

        second_factor_step(request, user)  # decided now, so later requests cost no query


@receiver(user_logged_out)
def _signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(action="auth.signed_out", actor=user, summary="Signed out", request=request)


@receiver(user_login_failed)
def _sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    address = str(credentials.get("username") or "").strip().lower()[:254]
    audit_record(
        action="auth.sign_in_failed",
        summary=f"Failed sign-in for {address or 'no address'}",
        detail={"email": address},
        request=request,
    )
