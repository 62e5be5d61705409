"""The second-factor pages: enrol an authenticator app, give a code, recovery codes, remove."""

from __future__ import annotations

from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice

from diam.web.audit.services import audit_record
from diam.web.security import twofactor
from diam.web.security.middleware import second_factor_forget


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The 6-digit code your authenticator app shows, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
        error_messages={"required": "Enter the code from your authenticator app."},
    )


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in for someone with a second factor."""
    user: Any = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    if not twofactor.has_second_factor(user):
        return redirect("two_factor_setup")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        device = match_token(user, twofactor.normalise_code(form.cleaned_data["code"]))
        if device is not None:
            otp_login(request, device)
            recovery = isinstance(device, StaticDevice)
            audit_record(
                action="auth.recovery_code_used" if recovery else "auth.second_factor_passed",
                actor=user,
                summary="Signed in with a recovery code" if recovery else "Second factor given",
                request=request,
            )
            if recovery:
                left = device.token_set.count()
                messages.warning(
                    request,
                    f"You signed in with a recovery code; {left} are left. Each works once.",
                )
            return redirect(_next_url(request))
        audit_record(
            action="auth.second_factor_failed",
            actor=user,
            summary="Wrong second-factor code",
            request=request,
        )
        form.add_error(
            "code",
            "That code is not right (or was already used). Codes change every 30 seconds; "
            "check that your device's clock is right. After several wrong codes, wait a "
            "little before trying again.",
        )
        status = 422
    return render(
        request,
        "security/verify.html",
        {"form": form, "next": _next_url(request)},
        status=status,
    )


def _qr_svg(uri: str) -> str:
    # segno writes plain SVG markup (no script, no style element): safe to inline.
    return segno.make(uri, error="m").svg_inline(scale=4, title="QR code for your authenticator")


@login_required
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan (or type) the secret, then confirm with one code."""
    user: Any = request.user
    if twofactor.has_second_factor(user) and not user.is_verified():
        return redirect("two_factor_verify")  # replacing a factor needs the current one first
    device = twofactor.pending_app_device(user)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if device.verify_token(twofactor.normalise_code(form.cleaned_data["code"])):
            codes = twofactor.app_device_confirm(user=user, device=device)
            otp_login(request, device)
            second_factor_forget(request)
            audit_record(
                action="auth.second_factor_enrolled",
                actor=user,
                summary="Authenticator app set up",
                request=request,
            )
            return render(
                request,
                "security/recovery_codes.html",
                {"codes": codes, "next": _next_url(request), "new": True},
            )
        form.add_error(
            "code",
            "That code does not match. Scan the QR code again (or type the key), then enter "
            "the code the app shows now.",
        )
        status = 422
    secret = device.bin_key
    key = _base32(secret)
    uri = device.config_url
    return render(
        request,
        "security/setup.html",
        {
            "form": form,
            "qr_svg": mark_safe(_qr_svg(uri)),  # noqa: S308 - generated by segno from our URI
            "key": " ".join(key[i : i + 4] for i in range(0, len(key), 4)),
            "required": twofactor.second_factor_required(user),
            "next": _next_url(request),
            "issuer": settings.OTP_TOTP_ISSUER,
        },
        status=status,
    )


def _base32(secret: bytes) -> str:
    import base64

    return base64.b32encode(secret).decode().rstrip("=")


@login_required
@require_http_methods(["GET"])
def overview(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    return render(
        request,
        "security/overview.html",
        {
            "enabled": twofactor.has_second_factor(user),
            "required": twofactor.second_factor_required(user),
            "codes_left": sum(d.token_set.count() for d in StaticDevice.objects.filter(user=user)),
        },
    )


@login_required
@require_POST
def recovery_codes_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not twofactor.has_second_factor(user):
        return redirect("two_factor_setup")
    codes = twofactor.recovery_codes_replace(user=user)
    audit_record(
        action="auth.recovery_codes_replaced",
        actor=user,
        summary="New recovery codes made",
        request=request,
    )
    return render(request, "security/recovery_codes.html", {"codes": codes, "next": "/"})


@login_required
@require_POST
def remove(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if twofactor.second_factor_required(user):
        messages.error(request, "Your role requires a second factor; it cannot be removed.")
        return redirect("two_factor")
    twofactor.second_factor_remove(user=user)
    second_factor_forget(request)
    audit_record(
        action="auth.second_factor_removed",
        actor=user,
        summary="Second factor removed",
        request=request,
    )
    messages.success(request, "Two-factor sign-in is off. You sign in with your password alone.")
    return redirect("two_factor")
