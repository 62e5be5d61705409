"""Second-factor devices in the Django admin: support may delete them (the documented reset of
someone who lost both phone and recovery codes: they enrol again at their next sign-in), but
not add or edit them. A device made here would carry a key its owner never saw, chosen by
whoever typed it, and skip the enrolment (`twofactor.app_device_confirm`, recovery codes)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice


class _DeleteOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AppDeviceAdmin(_DeleteOnly, TOTPDeviceAdmin):
    pass


class RecoveryCodesAdmin(_DeleteOnly, StaticDeviceAdmin):
    pass


# django-otp registers its own admins, which allow both; this app is installed after it.
for model, model_admin in ((TOTPDevice, AppDeviceAdmin), (StaticDevice, RecoveryCodesAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
