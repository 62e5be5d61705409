"""Who may use the programme console: programme admins only.

Every console page checks the role before it looks anything up, so a signed-in person without
the role gets 403 whatever the URL names (an organisation id says nothing about whether it
exists); anonymous visitors are sent to sign in by `login_required` first. Programme admins
already sign in with a second factor (diam.web.security), so the console adds no check of its own.
"""

from __future__ import annotations

from typing import cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from diam.web.accounts.models import User


def programme_admin_get(request: HttpRequest) -> User:
    """The signed-in programme admin; 403 for anyone else who is signed in."""
    user = cast(User, request.user)
    if not user.is_authenticated or not user.is_programme_admin:
        raise PermissionDenied("Only programme admins can open the programme console.")
    return user
