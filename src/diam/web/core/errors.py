"""Error pages in the site's layout: what happened and where to go (also with DEBUG off).

Django calls these for errors raised anywhere (Http404, PermissionDenied, a bad request, an
uncaught exception); the 429 page of sign-in throttling uses the same template.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader

PAGES = {
    400: (
        "Bad request",
        "The request could not be understood (it may have been cut off or changed on the way). "
        "Go back, reload the page and try again.",
    ),
    403: (
        "You may not do this",
        "Your role does not allow this action. An admin of your organisation can change "
        "your role on its Members page.",
    ),
    404: (
        "Page not found",
        "There is no page at this address, or it belongs to an organisation you are not a "
        "member of. Check the address, or start again from your organisations.",
    ),
}


def _page(request: HttpRequest, code: int, message: str | None = None) -> HttpResponse:
    title, default = PAGES[code]
    return render(
        request,
        f"{code}.html",
        {"code": code, "title": title, "message": message or default},
        status=code,
    )


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _page(request, 400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    # Our PermissionDenied messages are written for people ("Viewers cannot change answers.").
    text = str(exception) if isinstance(exception, PermissionDenied) else ""
    return _page(request, 403, f"{text} {PAGES[403][1]}".strip() if text else None)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _page(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: the error may come from the database or a context processor.
    return HttpResponse(loader.get_template("500.html").render(), status=500)
