"""Request-wide security: forwarded headers only from trusted proxies, the second-factor gate
and the structured request log."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from diam.web.audit.services import request_bound
from diam.web.security.proxies import client_ip, peer_is_trusted_proxy
from diam.web.security.twofactor import has_second_factor, second_factor_required

request_log = logging.getLogger("diam.request")
security_log = logging.getLogger("diam.security")

# Headers a reverse proxy writes about the client's connection. Django believes
# X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER) and, if ever turned on, X-Forwarded-Host/-Port
# (USE_X_FORWARDED_HOST/PORT); client_ip reads X-Forwarded-For; Forwarded is their standard
# form, which nothing reads today but a library might tomorrow.
FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_FORWARDED",
)


class ForwardedHeadersMiddleware:
    """Forwarded headers count only when the direct peer is a trusted proxy.

    Without this, SECURE_PROXY_SSL_HEADER would believe X-Forwarded-Proto from anyone, so a
    client speaking plain HTTP straight to gunicorn could claim https: no redirect to https,
    and the request treated as secure. From a peer not in DIAM_TRUSTED_PROXIES the headers are
    removed before anything reads them (first in MIDDLEWARE; a system check keeps it there),
    so the scheme is the connection's own (the WSGI server's wsgi.url_scheme).
    """

    _warned = False  # once per process: enough to explain a redirect loop, no log flood

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        proto = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
        extra = (proto[0],) if proto and proto[0] not in FORWARDED_HEADERS else ()
        self.headers = FORWARDED_HEADERS + extra

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        if any(name in meta for name in self.headers) and not peer_is_trusted_proxy(request):
            if not ForwardedHeadersMiddleware._warned and "HTTP_X_FORWARDED_PROTO" in meta:
                ForwardedHeadersMiddleware._warned = True
                security_log.warning(
                    "X-Forwarded-Proto from %s ignored: that peer is not in "
                    "DIAM_TRUSTED_PROXIES (if it is your reverse proxy, list it there)",
                    meta.get("REMOTE_ADDR"),
                    extra={"event": "forwarded_header_ignored"},
                )
            for name in self.headers:
                meta.pop(name, None)
        return self.get_response(request)


# Reachable half-signed-in (password given, second factor not yet): signing out, the pages of
# the second factor themselves, and what a load balancer or the browser needs.
_OPEN_PREFIXES = ("/static/", "/healthz", "/favicon")
_OPEN_NAMES = ("logout", "two_factor_verify", "two_factor_setup")


class SecondFactorMiddleware:
    """A signed-in user who has a second factor, or whose role requires one, reaches nothing
    but the second-factor pages until they have given a code in this session."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open: tuple[str, ...] | None = None

    def _open_paths(self) -> tuple[str, ...]:
        if self._open is None:
            self._open = tuple(reverse(name) for name in _OPEN_NAMES)
        return self._open

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or user.is_verified():  # type: ignore[union-attr]
            return self.get_response(request)
        path = request.path
        if path.startswith(_OPEN_PREFIXES) or path in self._open_paths():
            return self.get_response(request)
        target = second_factor_step(request, user)
        if target is None:
            return self.get_response(request)
        next_url = request.get_full_path() if request.method == "GET" else ""
        query = "?" + urlencode({"next": next_url}) if next_url and next_url != "/" else ""
        response = HttpResponseRedirect(reverse(target) + query)
        if getattr(request, "htmx", False):
            response["HX-Redirect"] = response["Location"]  # htmx: the whole page goes there
        return response


_SESSION_KEY = "diam_second_factor"


def second_factor_step(request: HttpRequest, user: Any) -> str | None:
    """Where an unverified user must go first (None: nowhere). Decided once per session and
    role, so an ordinary member's requests (autosaves) cost no device query."""
    role = f"{user.pk}:{user.programme_role}:{user.is_staff}:{user.is_superuser}"
    cached = request.session.get(_SESSION_KEY)
    if isinstance(cached, list) and len(cached) == 2 and cached[0] == role:
        return cached[1] or None
    if has_second_factor(user):
        step = "two_factor_verify"
    elif second_factor_required(user):
        step = "two_factor_setup"
    else:
        step = ""
    request.session[_SESSION_KEY] = [role, step]
    return step or None


def second_factor_forget(request: HttpRequest) -> None:
    """After enrolling or removing a factor: decide again at the next request."""
    request.session.pop(_SESSION_KEY, None)


class RequestLogMiddleware:
    """One structured log line per request: method, path, status, duration, user, client."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        with request_bound(request):
            response = self.get_response(request)
        if request_log.isEnabledFor(logging.INFO):
            user = getattr(request, "user", None)
            request_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "event": "request",
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                    "client": client_ip(request),
                    "htmx": bool(request.headers.get("HX-Request")),
                },
            )
        return response
