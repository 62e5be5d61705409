"""Sign-in throttling: wrong passwords lock an address and a client out, with a clear 429;
the admin login the same; password-reset e-mails are limited per address and per client."""

from __future__ import annotations

from django.conf import settings
from django.core import mail
from django.test import Client

from diam.web.accounts.models import User
from diam.web.audit.models import AuditEvent
from tests.web.factories import PASSWORD, make_user


def sign_in(client: Client, email: str, password: str, **extra: str):
    return client.post("/login/", {"username": email, "password": password}, **extra)


def test_after_fifty_wrong_passwords_the_right_one_is_refused(alice: User) -> None:
    client = Client()
    for _ in range(50):
        response = sign_in(client, "alice@example.org", "wrong password")
    assert response.status_code == 429
    right = sign_in(client, "alice@example.org", PASSWORD)
    assert right.status_code == 429
    page = right.content.decode()
    assert "Too many failed sign-ins" in page and "15 minutes" in page
    assert "Error 429" in page  # the error pages' code line, not a bare "Error"
    assert "Reset your password" in page and '<header class="site-header">' in page
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_address_from_any_client(alice: User) -> None:
    for i in range(settings.AXES_FAILURE_LIMIT):
        sign_in(Client(), "alice@example.org", "wrong", REMOTE_ADDR=f"203.0.113.{i + 1}")
    fresh = sign_in(Client(), "alice@example.org", PASSWORD, REMOTE_ADDR="203.0.113.200")
    assert fresh.status_code == 429


def test_the_lock_is_per_client_across_addresses(alice: User, bob: User) -> None:
    for i in range(settings.AXES_FAILURE_LIMIT):
        sign_in(Client(), f"guess{i}@example.org", "wrong", REMOTE_ADDR="203.0.113.9")
    refused = sign_in(Client(), "bob@example.org", PASSWORD, REMOTE_ADDR="203.0.113.9")
    assert refused.status_code == 429
    elsewhere = sign_in(Client(), "bob@example.org", PASSWORD, REMOTE_ADDR="203.0.113.10")
    assert elsewhere.status_code == 302


def test_a_few_mistakes_then_the_right_password_signs_in_and_resets_the_count(
    alice: User,
) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "alice@example.org", "wrong").status_code == 422
    assert sign_in(client, "alice@example.org", PASSWORD).status_code == 302


def test_the_admin_login_is_throttled_the_same_way(db: None) -> None:
    make_user("root@example.org", "Root", is_staff=True, is_superuser=True)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        response = client.post(
            "/admin/login/", {"username": "root@example.org", "password": "wrong"}
        )
    assert response.status_code == 429
    right = client.post("/admin/login/", {"username": "root@example.org", "password": PASSWORD})
    assert right.status_code == 429 and "Too many failed sign-ins" in right.content.decode()


def test_password_reset_mails_are_limited_per_address(alice: User) -> None:
    limit = settings.PASSWORD_RESET_PER_ADDRESS_PER_HOUR
    for i in range(limit):
        response = Client().post(
            "/password/reset/", {"email": "alice@example.org"}, REMOTE_ADDR=f"192.0.2.{i + 1}"
        )
        assert response.status_code == 302
    refused = Client().post(
        "/password/reset/", {"email": "alice@example.org"}, REMOTE_ADDR="192.0.2.99"
    )
    assert refused.status_code == 429
    assert "already sent to this address" in refused.content.decode()
    assert len(mail.outbox) == limit


def test_password_reset_requests_are_limited_per_client(db: None) -> None:
    limit = settings.PASSWORD_RESET_PER_CLIENT_PER_HOUR
    client = Client(REMOTE_ADDR="192.0.2.50")
    for i in range(limit):
        assert client.post("/password/reset/", {"email": f"x{i}@example.org"}).status_code == 302
    refused = client.post("/password/reset/", {"email": "someone@example.org"})
    assert refused.status_code == 429 and "from your network" in refused.content.decode()
    # Counted for unknown addresses too: the answer says nothing about who has an account.
    assert AuditEvent.objects.filter(action="auth.password_reset_requested").count() == limit
