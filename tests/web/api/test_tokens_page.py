"""The API tokens page: created and revoked in the UI, shown once, stored hashed, capped at
the member's role, every creation, revocation and use in the audit trail."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.test import Client

from diam.web.accounts.models import Organisation, User
from diam.web.api.models import ApiToken
from diam.web.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _create(client: Client, org: Organisation, **data: object) -> tuple[int, str]:
    form = {"name": "Nightly export", "role": "viewer", "access": "read", "expires_in_days": 30}
    form.update(data)
    response = client.post(f"/o/{org.pk}/tokens/", form)
    return response.status_code, response.content.decode()


def test_a_token_is_shown_once_and_stored_only_as_a_hash(
    bob_client: Client, bob: User, org: Organisation
) -> None:
    status, page = _create(bob_client, org, role="contributor", access="write")
    assert status == 200
    match = re.search(r'id="new-token">(diam_[A-Za-z0-9_-]+)<', page)
    assert match, page
    secret = match.group(1)
    token = ApiToken.objects.get(user=bob)
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.values().get())
    assert token.role == "contributor" and token.can_write
    again = bob_client.get(f"/o/{org.pk}/tokens/").content.decode()
    assert secret not in again and "Nightly export" in again
    assert AuditEvent.objects.filter(action="api.token_created", actor=bob).count() == 1
    used = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/me")
    assert used.status_code == 200
    assert AuditEvent.objects.filter(action="api.token_used", actor=bob).count() == 1


def test_a_token_cannot_have_more_rights_than_its_member(
    vic_client: Client, org: Organisation
) -> None:
    status, page = _create(vic_client, org, role="admin", access="write")
    assert status == 422 and "Select a valid choice" in page
    status, page = _create(vic_client, org, role="viewer", access="write")
    assert status == 422 and "viewer token can only read" in page
    status, page = _create(vic_client, org, expires_in_days=5000)
    assert status == 422
    assert not ApiToken.objects.exists()


def test_owners_and_admins_revoke_tokens_and_revoked_tokens_stop_working(
    bob_client: Client, alice_client: Client, vic_client: Client, bob: User, org: Organisation
) -> None:
    _, page = _create(bob_client, org)
    secret = re.search(r'id="new-token">(diam_[A-Za-z0-9_-]+)<', page).group(1)  # type: ignore[union-attr]
    token = ApiToken.objects.get(user=bob)
    assert vic_client.post(f"/o/{org.pk}/tokens/{token.pk}/revoke/").status_code == 404
    assert "Nightly export" in alice_client.get(f"/o/{org.pk}/tokens/").content.decode()
    assert alice_client.post(f"/o/{org.pk}/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.state == "revoked"
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/me").status_code == 401
    assert AuditEvent.objects.filter(action="api.token_revoked").count() == 1


def test_other_organisations_see_no_tokens(
    carol_client: Client, bob_client: Client, org: Organisation
) -> None:
    _create(bob_client, org)
    token = ApiToken.objects.get()
    assert carol_client.get(f"/o/{org.pk}/tokens/").status_code == 404
    assert carol_client.post(f"/o/{org.pk}/tokens/{token.pk}/revoke/").status_code == 404
    assert token.revoked_at is None
