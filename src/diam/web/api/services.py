"""Personal API tokens: create (shown once), revoke, authenticate, count against the rate limit;
and the public rate limit of requests made without a token, per client address.

Every use of a token is recorded in the audit trail (`api.token_used`), and so are its
creation and revocation.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from diam.web.accounts.access import ROLE_ORDER
from diam.web.accounts.models import Membership, Role, User
from diam.web.api.models import ApiToken, ClientWindow
from diam.web.audit.services import audit_record
from diam.web.security.proxies import client_ip

TOKEN_PREFIX = "diam_"  # noqa: S105 - the public start of every token, not a secret
MAX_NAME_CHARS = 80


class TokenRefused(ValueError):
    """A token cannot be created as asked; the message says why."""


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # the whole token; shown once, never stored


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def token_create(
    *,
    membership: Membership,
    name: str,
    role: str,
    can_write: bool,
    expires_in_days: int,
    request: HttpRequest | None = None,
) -> NewToken:
    """A token for the member's organisation with at most the member's role."""
    name = " ".join(name.split())
    if not name:
        raise TokenRefused("Give the token a name that says what it is for.")
    if len(name) > MAX_NAME_CHARS:
        raise TokenRefused(f"The name can have at most {MAX_NAME_CHARS} characters.")
    if role not in Role.values:
        raise TokenRefused("Choose a role: viewer, contributor or organisation admin.")
    if ROLE_ORDER[Role(role)] > ROLE_ORDER[Role(membership.role)]:
        raise TokenRefused(
            f"A token cannot have more rights than you: you are "
            f"{membership.get_role_display().lower()} in {membership.organisation.name}."
        )
    limit = settings.DIAM_API_TOKEN_MAX_DAYS
    if not 1 <= expires_in_days <= limit:
        raise TokenRefused(f"The token must expire within 1 to {limit} days.")
    if role == Role.VIEWER and can_write:
        raise TokenRefused("A viewer token can only read; choose read-only.")
    prefix = secrets.token_hex(6)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=membership.user,
            organisation=membership.organisation,
            name=name,
            prefix=prefix,
            token_hash=_hash(secret),
            role=role,
            can_write=can_write,
            expires_at=timezone.now() + timedelta(days=expires_in_days),
        )
        audit_record(
            action="api.token_created",
            actor=membership.user,
            organisation=membership.organisation,
            target=token,
            summary=f"API token {name!r} ({token.get_role_display()}, "
            f"{'read-write' if can_write else 'read-only'}, {expires_in_days} days)",
            detail={"prefix": prefix, "role": role, "can_write": can_write},
            request=request,
        )
    return NewToken(token, secret)


def token_revoke(*, token: ApiToken, user: User, request: HttpRequest | None = None) -> ApiToken:
    """Revoke a token: its owner may, and so may an admin of its organisation."""
    with transaction.atomic():
        locked = (
            ApiToken.objects.select_for_update().select_related("organisation").get(pk=token.pk)
        )
        if locked.user_id != user.pk:
            is_admin = Membership.objects.filter(
                user=user, organisation_id=locked.organisation_id, role=Role.ADMIN
            ).exists()
            if not is_admin:
                raise PermissionDenied("Only the token's owner or an organisation admin can.")
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.revoked_by = user
            locked.save(update_fields=["revoked_at", "revoked_by"])
            audit_record(
                action="api.token_revoked",
                actor=user,
                organisation=locked.organisation,
                target=locked,
                summary=f"API token {locked.name!r} revoked",
                detail={"prefix": locked.prefix},
                request=request,
            )
        return locked


def token_authenticate(raw: str) -> ApiToken | None:
    """The active token `raw` stands for, with its user and organisation; None otherwise."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    prefix = raw[len(TOKEN_PREFIX) :].split("_", 1)[0]
    if not prefix:
        return None
    token = ApiToken.objects.select_related("user", "organisation").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.token_hash, _hash(raw)):
        return None
    if not token.is_active or not token.user.is_active:
        return None
    return token


def token_rate_check(token: ApiToken, *, now: datetime | None = None) -> int | None:
    """Count one request; None when allowed, else the seconds until the next window.

    A fixed one-minute window counted in the token's row, so every worker process agrees.
    """
    now = now or timezone.now()
    window = now.replace(second=0, microsecond=0)
    limit = settings.DIAM_API_RATE_PER_MINUTE
    rows = ApiToken.objects.filter(pk=token.pk)
    if rows.filter(window_start=window, window_count__lt=limit).update(
        window_count=F("window_count") + 1, last_used_at=now
    ):
        return None
    # A new window (only one concurrent request resets it), or this one is full.
    if rows.exclude(window_start=window).update(
        window_start=window, window_count=1, last_used_at=now
    ):
        return None
    if rows.filter(window_start=window, window_count__lt=limit).update(
        window_count=F("window_count") + 1, last_used_at=now
    ):
        return None
    return _retry_after(now, window)


def _retry_after(now: datetime, window: datetime) -> int:
    return max(1, math.ceil(60 - (now - window).total_seconds()))


def client_key(request: HttpRequest) -> str:
    """Whom the public rate limit counts a request against: the client's address, as
    `client_ip` finds it behind DIAM_TRUSTED_PROXIES, and for IPv6 its /64 network, since
    one subscriber commonly holds a whole /64 and could otherwise change address per request."""
    address = client_ip(request)
    if address is None:
        return "unknown"
    if ":" in address:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return address


def client_rate_check(request: HttpRequest, *, now: datetime | None = None) -> int | None:
    """Count one request made without a token; None when allowed, else the seconds until the
    next window. `DIAM_API_PUBLIC_RATE_PER_MINUTE` = 0 turns the limit off.

    A fixed one-minute window per client, counted in a row as the tokens' limit is.
    """
    limit = settings.DIAM_API_PUBLIC_RATE_PER_MINUTE
    if limit <= 0:
        return None
    now = now or timezone.now()
    window = now.replace(second=0, microsecond=0)
    key = client_key(request)
    rows = ClientWindow.objects.filter(client=key)
    for _ in range(2):
        if rows.filter(window_start=window, count__lt=limit).update(count=F("count") + 1):
            return None
        # A new window (only one concurrent request resets it), or this one is full.
        if rows.exclude(window_start=window).update(window_start=window, count=1):
            return None
        if rows.exists():
            return _retry_after(now, window)
        try:
            with transaction.atomic():  # a savepoint, so a lost race leaves the caller's intact
                ClientWindow.objects.create(client=key, window_start=window, count=1)
        except IntegrityError:
            continue  # another request of this client created the row first: count there
        # A new client is the moment to forget those not seen for an hour.
        ClientWindow.objects.filter(window_start__lt=window - timedelta(hours=1)).delete()
        return None
    return _retry_after(now, window)


def token_use_record(*, token: ApiToken, request: HttpRequest) -> None:
    """The audit trail's entry for one accepted request made with the token."""
    audit_record(
        action="api.token_used",
        actor=token.user,
        organisation=token.organisation,
        target=token,
        summary=f"{request.method} {request.path[:200]}",
        detail={"prefix": token.prefix, "method": request.method, "path": request.path[:200]},
        request=request,
    )
