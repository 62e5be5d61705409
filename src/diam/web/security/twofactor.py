"""Two-factor sign-in (django-otp): TOTP authenticator apps, with single-use recovery codes.

Required for programme admins, validators and staff (who reach the Django admin): until they
have enrolled and given a code in this session, every page sends them to enrol or to enter a
code (SecondFactorMiddleware). Optional for everyone else: once a member enrols, they too are
asked for a code at every sign-in.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODES = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def second_factor_required(user: Any) -> bool:
    return bool(
        user.is_authenticated
        and (
            getattr(user, "is_programme_admin", False)
            or getattr(user, "is_validator", False)
            or user.is_staff
        )
    )


def has_second_factor(user: Any) -> bool:
    return bool(user.is_authenticated and user_has_device(user, confirmed=True))


def pending_app_device(user: Any) -> TOTPDevice:
    """The user's unconfirmed authenticator device (made on the first visit of the set-up)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def new_recovery_code() -> str:
    raw = secrets.token_hex(5)  # 40 bits, shown as xxxxx-xxxxx
    return f"{raw[:5]}-{raw[5:]}"


@transaction.atomic
def recovery_codes_replace(*, user: Any) -> list[str]:
    """A fresh set of recovery codes; the old ones stop working."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_DEVICE_NAME)
    device.confirmed = True
    device.save()
    device.token_set.all().delete()
    codes = [new_recovery_code() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


@transaction.atomic
def app_device_confirm(*, user: Any, device: TOTPDevice) -> list[str]:
    """Make the verified device the user's authenticator (replacing an older one) and give
    them recovery codes."""
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return recovery_codes_replace(user=user)


@transaction.atomic
def second_factor_remove(*, user: Any) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def normalise_code(raw: str) -> str:
    """What people type: spaces and a missing or extra dash are fine; case does not matter."""
    text = "".join(raw.split()).lower()
    if len(text) == 10 and "-" not in text and not text.isdigit():
        return f"{text[:5]}-{text[5:]}"
    return text
