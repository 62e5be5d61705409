"""System checks that keep the forwarded-header rule in place (run by `manage.py check`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

FORWARDED_MIDDLEWARE = "diam.web.security.middleware.ForwardedHeadersMiddleware"


@register()
def forwarded_headers_first(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """SECURE_PROXY_SSL_HEADER believes its header from anyone unless the middleware that
    drops it from untrusted peers runs before everything else."""
    if not getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        return []
    middleware = list(settings.MIDDLEWARE)
    if middleware[:1] == [FORWARDED_MIDDLEWARE]:
        return []
    return [
        Error(
            "SECURE_PROXY_SSL_HEADER is set but ForwardedHeadersMiddleware is not the first "
            "entry of MIDDLEWARE, so any client could claim https with X-Forwarded-Proto.",
            hint=f"Put {FORWARDED_MIDDLEWARE!r} first in MIDDLEWARE.",
            id="diam.security.E001",
        )
    ]
