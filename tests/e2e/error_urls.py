"""Test-only URLs whose answer is an error page, for the browser walk (test_every_page.py).

The site's own URLs plus three that fail as real requests do: a SuspiciousOperation (Django's
400 path, as for a forged Host header, which a browser cannot send), the sign-in lockout's 429
page as django-axes serves it, and an uncaught exception (the 500 path). Each error page is
then drawn by the same handlers as in production. This module is only ever named by a test's
ROOT_URLCONF; production's diam.web.urls has none of these URLs (the walk checks that).
"""

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import path

from diam.web.security.signin import locked_out
from diam.web.urls import handler400, handler403, handler404, handler500, urlpatterns

PREFIX = "test-only/error/"


def bad_request(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("a request the site cannot trust (test-only URL)")


def too_many_requests(request: HttpRequest) -> HttpResponse:
    return locked_out(request)


def server_error(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug (test-only URL)")


urlpatterns = [
    path(PREFIX + "400/", bad_request, name="test_only_400"),
    path(PREFIX + "429/", too_many_requests, name="test_only_429"),
    path(PREFIX + "500/", server_error, name="test_only_500"),
    *urlpatterns,
]
__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
