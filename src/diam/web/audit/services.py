"""Writing to the audit trail. Every business action that the trail covers calls `audit_record`
inside its own transaction, so the record commits or rolls back with the action itself."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import models
from django.http import HttpRequest

from diam.web.audit.models import AuditEvent
from diam.web.security.proxies import client_ip

# The request being served, so services deep below a view record "from where" (client address,
# user agent) without taking the request as an argument. Set by RequestLogMiddleware.
_current_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)


@contextmanager
def request_bound(request: HttpRequest) -> Iterator[None]:
    token = _current_request.set(request)
    try:
        yield
    finally:
        _current_request.reset(token)


def audit_record(
    *,
    action: str,
    actor: Any = None,
    organisation: Any = None,
    target: models.Model | None = None,
    summary: str = "",
    detail: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Append one event. `action` is a dotted verb such as `assessment.submitted`.

    `actor` is the signed-in user (None for the system or an anonymous client), `organisation`
    an organisation or its id, `target` the object acted on; `request` (by default the request
    being served) adds the client's address and user agent.
    """
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    if request is None:
        request = _current_request.get()
    organisation_id = getattr(organisation, "pk", organisation)
    return AuditEvent.objects.create(
        action=action,
        actor=actor if is_person else None,
        actor_label=getattr(actor, "email", "") if is_person else "",
        organisation_id=organisation_id,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        summary=summary,
        detail=detail or {},
        ip=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request else "")[:300],
    )
