"""The navigation's "Waiting for you" count, computed only when a full page renders it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from diam.web.validation.selectors import waiting_count


def waiting(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: fragments (the survey's autosave responses) never read it, so they pay nothing.
    return {"waiting_count": SimpleLazyObject(lambda: waiting_count(user))}
