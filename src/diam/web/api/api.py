"""The JSON API at /api/: django-ninja, OpenAPI 3 at /api/openapi.json, docs at /api/docs.

Authentication is a personal API token (`Authorization: Bearer diam_…`), scoped to one
organisation with a role and read-only or read-write; the model endpoints are public. Every
error is `{"message": …, "errors": [{"message", "field" | "criterion"}]}` with its status:
400 unreadable body, 401 no valid token, 403 role or read-only token, 404 not found or not
this token's organisation, 409 the assessment's state forbids it, 413 body too large, 422
invalid content, 429 over a rate limit (with Retry-After).

Two rate limits: a request with a valid token counts against the token
(`DIAM_API_RATE_PER_MINUTE`); any other request under /api/ (public operations, refused
tokens, the documentation, unknown URLs) counts against its client's address
(`DIAM_API_PUBLIC_RATE_PER_MINUTE`, see `client_rate_check`).
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.security import HttpBearer
from ninja.throttling import BaseThrottle

from diam.exchange.imports import parse_json
from diam.exchange.safety import UploadProblem
from diam.scoring.answers import AnswerError, InvalidValue
from diam.web.api.models import ApiToken
from diam.web.api.services import (
    client_rate_check,
    token_authenticate,
    token_rate_check,
    token_use_record,
)

DESCRIPTION = """
The diam JSON API: models, your organisation's assessments, answers (the answers-file
contract), results, gap reports, FHIR, validation status, and the public registry of
validated organisations. Create a personal token on your organisation's
**API tokens** page and send it as `Authorization: Bearer <token>`. Results come from an open
model inspired by the public description of DIAM; they are not official DIAM stages or
certifications.
"""


class RateLimited(HttpError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(429, f"Too many requests with this token; retry in {retry_after} s.")
        self.retry_after = retry_after


def _too_many_from_client(retry_after: int) -> str:
    return (
        f"Too many requests without an API token from your address; retry in {retry_after} s, "
        "or send a token (its own, higher limit applies)."
    )


class ApiProblem(HttpError):
    """An error with the fields or criteria it concerns."""

    def __init__(self, status: int, message: str, errors: list[dict[str, Any]] | None = None):
        super().__init__(status, message)
        self.errors = errors or []


class TokenAuth(HttpBearer):
    """A personal API token; every accepted request is counted and recorded."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = token_authenticate(token.strip())
        if found is None:
            return None
        retry = token_rate_check(found)
        if retry is not None:
            raise RateLimited(retry)
        token_use_record(token=found, request=request)
        return found


class ClientThrottle(BaseThrottle):
    """The public rate limit, for every operation called without a token (a token's requests
    are counted against the token by `TokenAuth` instead)."""

    def __init__(self) -> None:
        # ninja asks wait() right after allow_request() refused, in the same thread.
        self._refused = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        if getattr(request, "auth", None) is not None:
            return True
        self._refused.retry_after = client_rate_check(request)
        return self._refused.retry_after is None

    def wait(self) -> float | None:
        return getattr(self._refused, "retry_after", None)


def client_limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The public rate limit around a view outside ninja's operations (the documentation,
    the JSON 404 of unknown /api/ URLs)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        retry = client_rate_check(request)
        if retry is not None:
            return too_many_requests(request, retry)
        return view(request, *args, **kwargs)

    return wrapper


api = NinjaAPI(
    title="diam API",
    version="1",
    description=DESCRIPTION,
    auth=TokenAuth(),
    throttle=ClientThrottle(),
    docs_decorator=client_limited,
    urls_namespace="api",
)

_CRITERION = re.compile(r"^([A-Z]{2}-\d{2}): (.*)$", re.S)
_FIELD = re.compile(r"^((?:services|meta)\.[^:\s]+): (.*)$", re.S)


def problem_items(problems: list[str]) -> list[dict[str, Any]]:
    """`SI-01: expected …` -> {"criterion": "SI-01", "message": "expected …"};
    `services.pet: unknown service …` -> {"field": "services.pet", "message": …}."""
    items = []
    for text in problems:
        match = _CRITERION.match(text)
        field = _FIELD.match(text)
        if match:
            items.append({"criterion": match.group(1), "message": match.group(2)})
        elif field:
            items.append({"field": field.group(1), "message": field.group(2)})
        else:
            items.append({"message": text})
    return items


def _error(
    request: HttpRequest, status: int, message: str, errors: list[dict[str, Any]] | None = None
) -> HttpResponse:
    return api.create_response(request, {"message": message, "errors": errors or []}, status=status)


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    response = _error(request, 429, _too_many_from_client(retry_after))
    response["Retry-After"] = str(retry_after)
    return response


@api.exception_handler(AuthenticationError)
def _unauthorised(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    # A refused or missing token counts against the client: guessing tokens is not free.
    retry = client_rate_check(request)
    if retry is not None:
        return too_many_requests(request, retry)
    response = _error(
        request,
        401,
        "A valid API token is needed: send `Authorization: Bearer <token>`. Create one on your "
        "organisation's API tokens page; it may have expired or been revoked.",
    )
    response["WWW-Authenticate"] = 'Bearer realm="diam"'
    return response


@api.exception_handler(RateLimited)
def _rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = _error(request, 429, exc.message)
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    # ninja sets Retry-After from the same wait after this handler.
    return _error(request, 429, _too_many_from_client(int(exc.wait or 60)))


@api.exception_handler(ApiProblem)
def _problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
    return _error(request, exc.status_code, exc.message, exc.errors)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = exc.message
    if exc.status_code == 400 and "parse" in message.lower():
        message = _json_problem(request.body)
    return _error(request, exc.status_code, message)


def _json_problem(body: bytes) -> str:
    """What is wrong with a body the API could not parse, in the words the uploads use
    (where, or: nested too deeply, a number of thousands of digits, not UTF-8)."""
    try:
        parse_json(body, what="The request body")
    except UploadProblem as problem:
        return str(problem)
    return "The request body is not valid JSON."


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    items = []
    for error in exc.errors:
        loc = [str(p) for p in error.get("loc", ())]
        items.append({"field": ".".join(loc) or None, "message": str(error.get("msg", ""))})
    return _error(request, 422, "The request is not valid; see `errors`.", items)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, str(exc) or "Not found.")


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, str(exc) or "Not allowed.")


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _error(request, 413, "The request body is too large.")


@api.exception_handler(UploadProblem)
def _upload_problem(request: HttpRequest, exc: UploadProblem) -> HttpResponse:
    return _error(request, 422, "Nothing was changed; see `errors`.", problem_items(exc.problems))


@api.exception_handler(AnswerError)
def _answer_error(request: HttpRequest, exc: AnswerError) -> HttpResponse:
    return _error(request, 422, "Nothing was changed; see `errors`.", problem_items(exc.problems))


@api.exception_handler(InvalidValue)
def _invalid_value(request: HttpRequest, exc: InvalidValue) -> HttpResponse:
    return _error(request, 422, str(exc))


def errors(*codes: int) -> dict[int, Any]:
    """The documented error responses of an operation."""
    from diam.web.api.schemas import Error

    return dict.fromkeys(codes, Error)


# Routes are added by these modules (import for the side effect, after `api` exists).
from diam.web.api import (  # noqa: E402, F401
    routes_assessments,
    routes_public,
    routes_results,
    routes_validation,
)
