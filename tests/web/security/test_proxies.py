"""Behind a reverse proxy: X-Forwarded-For counts only when the direct peer is a trusted proxy.

One function (diam.web.security.proxies.client_ip) gives the client's address to the audit
trail, django-axes, the password-reset throttle, the request log and the API's token-use
records; each consumer is checked here with a proxy in front, and with a spoofed header from a
peer that is not a proxy.
"""

from __future__ import annotations

import logging

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings

from diam.web.accounts.models import Organisation, User
from diam.web.audit.models import AuditEvent
from diam.web.security.proxies import client_ip, parse_trusted_proxies
from tests.web.api.conftest import api_client, token_for
from tests.web.factories import PASSWORD

PROXY = "10.0.0.5"  # our reverse proxy
BEHIND_PROXY = override_settings(DIAM_TRUSTED_PROXIES=["10.0.0.0/24", "2001:db8::/32"])


def seen(remote: str, forwarded: str | None = None) -> str | None:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        # From a trusted proxy: the rightmost address that is not one of our proxies.
        (PROXY, "198.51.100.7", "198.51.100.7"),
        (PROXY, "198.51.100.7, 10.0.0.9", "198.51.100.7"),  # two proxies of ours
        # The client wrote its own header first; our proxy appended the real address.
        (PROXY, "1.2.3.4, 198.51.100.7", "198.51.100.7"),
        (PROXY, "1.2.3.4,198.51.100.7", "198.51.100.7"),
        # Only our proxies in the chain: the leftmost is as far as we can see.
        (PROXY, "10.0.0.9", "10.0.0.9"),
        # No header, an empty one, or garbage from the right: the last hop we can vouch for.
        (PROXY, None, PROXY),
        (PROXY, "", PROXY),
        (PROXY, "198.51.100.7, not-an-address", PROXY),
        (PROXY, "unknown, 198.51.100.7", "198.51.100.7"),
        # Ports and IPv6 as proxies write them.
        (PROXY, "198.51.100.7:4711", "198.51.100.7"),
        (PROXY, "[2001:db9::1]:4711", "2001:db9::1"),
        ("2001:db8::1", "2001:db9::1", "2001:db9::1"),
        ("::ffff:10.0.0.5", "198.51.100.7", "198.51.100.7"),
        # Not from a trusted proxy: the header is whatever the client wanted, so ignored.
        ("203.0.113.9", "198.51.100.7", "203.0.113.9"),
        ("203.0.113.9", "10.0.0.9", "203.0.113.9"),
    ],
)
@BEHIND_PROXY
def test_the_client_is_the_rightmost_address_that_is_not_a_trusted_proxy(
    remote: str, forwarded: str | None, client: str
) -> None:
    assert seen(remote, forwarded) == client


def test_without_trusted_proxies_the_header_is_never_believed() -> None:
    assert settings.DIAM_TRUSTED_PROXIES == []  # the default
    assert seen(PROXY, "198.51.100.7") == PROXY
    assert seen("203.0.113.9", "198.51.100.7") == "203.0.113.9"


def test_a_mistyped_proxy_is_refused_by_name() -> None:
    assert [str(n) for n in parse_trusted_proxies(["10.0.0.1", " 192.168.0.0/16"])] == [
        "10.0.0.1/32",
        "192.168.0.0/16",
    ]
    with pytest.raises(ImproperlyConfigured, match="'10.0.0.300' is neither an IP address"):
        parse_trusted_proxies(["10.0.0.1", "10.0.0.300"])


# --- each consumer ------------------------------------------------------------------------------


def sign_in(client: Client, email: str, password: str, forwarded: str, remote: str = PROXY):
    return client.post(
        "/login/",
        {"username": email, "password": password},
        REMOTE_ADDR=remote,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@BEHIND_PROXY
def test_sign_in_throttle_and_audit_trail_see_the_client_behind_the_proxy(
    alice: User, bob: User
) -> None:
    for i in range(settings.AXES_FAILURE_LIMIT):
        sign_in(Client(), f"guess{i}@example.org", "wrong", "198.51.100.7")
    failed = AuditEvent.objects.filter(action="auth.sign_in_failed")
    assert set(failed.values_list("ip", flat=True)) == {"198.51.100.7"}
    # That client is locked out, even with a header of its own in front ...
    refused = sign_in(Client(), "bob@example.org", PASSWORD, "1.2.3.4, 198.51.100.7")
    assert refused.status_code == 429
    # ... while everyone else behind the same proxy still signs in.
    assert sign_in(Client(), "bob@example.org", PASSWORD, "198.51.100.8").status_code == 302
    signed_in = AuditEvent.objects.get(action="auth.signed_in")
    assert signed_in.ip == "198.51.100.8"


@BEHIND_PROXY
def test_a_spoofed_header_from_outside_neither_escapes_the_throttle_nor_lies_in_the_log(
    alice: User,
) -> None:
    attacker = "203.0.113.66"
    for i in range(settings.AXES_FAILURE_LIMIT):
        sign_in(Client(), "alice@example.org", "wrong", f"198.51.100.{i + 1}", remote=attacker)
    assert set(
        AuditEvent.objects.filter(action="auth.sign_in_failed").values_list("ip", flat=True)
    ) == {attacker}
    fresh_header = sign_in(Client(), "alice@example.org", PASSWORD, "198.51.100.99", attacker)
    assert fresh_header.status_code == 429


@BEHIND_PROXY
def test_password_reset_requests_are_counted_per_client_behind_the_proxy(db: None) -> None:
    limit = settings.PASSWORD_RESET_PER_CLIENT_PER_HOUR

    def reset(i: int, forwarded: str) -> int:
        return (
            Client()
            .post(
                "/password/reset/",
                {"email": f"x{i}@example.org"},
                REMOTE_ADDR=PROXY,
                HTTP_X_FORWARDED_FOR=forwarded,
            )
            .status_code
        )

    assert [reset(i, "198.51.100.7") for i in range(limit)] == [302] * limit
    assert reset(limit, "198.51.100.7") == 429
    assert reset(limit + 1, "198.51.100.8") == 302  # a neighbour behind the same proxy


@BEHIND_PROXY
def test_request_log_names_the_client_behind_the_proxy(alice_client: Client, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="diam.request"):
        alice_client.get("/o/999/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7")
        alice_client.get("/o/999/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="1.1.1.1")
    clients = [r.client for r in caplog.records if r.name == "diam.request"]
    assert clients == ["198.51.100.7", "203.0.113.9"]


@BEHIND_PROXY
def test_api_token_use_is_recorded_with_the_client_behind_the_proxy(
    alice: User, org: Organisation
) -> None:
    client = api_client(token_for(alice, org))
    response = client.get("/api/me", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == 200
    use = AuditEvent.objects.get(action="api.token_used")
    assert use.ip == "198.51.100.7"


# --- the scheme and the other forwarded headers -------------------------------------------------

HTTPS_ONLY = override_settings(SECURE_SSL_REDIRECT=True)


@pytest.mark.parametrize(
    ("remote", "proto", "redirected"),
    [
        (PROXY, "https", False),  # our proxy terminated TLS and says so
        (PROXY, None, True),  # our proxy, but plain HTTP from the client
        (PROXY, "http", True),
        ("203.0.113.9", "https", True),  # straight to gunicorn, claiming https: not believed
        ("10.0.1.5", "https", True),  # next door to the proxy is not the proxy
    ],
)
@BEHIND_PROXY
@HTTPS_ONLY
def test_https_is_believed_only_from_a_trusted_proxy(
    db: None, remote: str, proto: str | None, redirected: bool
) -> None:
    extra = {"HTTP_X_FORWARDED_PROTO": proto} if proto is not None else {}
    response = Client().get("/login/", REMOTE_ADDR=remote, **extra)
    if redirected:
        assert response.status_code == 301
        assert response["Location"] == "https://testserver/login/"
    else:
        assert response.status_code == 200


@HTTPS_ONLY
def test_without_trusted_proxies_no_peer_may_claim_https(db: None) -> None:
    for remote in ("127.0.0.1", "203.0.113.9"):
        response = Client().get("/login/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_PROTO="https")
        assert response.status_code == 301, remote
    # The WSGI server's own scheme (TLS in gunicorn, or gunicorn's forwarded_allow_ips) stands.
    assert Client().get("/login/", secure=True).status_code == 200


SPOOFED = {
    "HTTP_X_FORWARDED_PROTO": "https",
    "HTTP_X_FORWARDED_FOR": "198.51.100.7",
    "HTTP_X_FORWARDED_HOST": "evil.example",
    "HTTP_X_FORWARDED_PORT": "443",
    "HTTP_FORWARDED": "for=198.51.100.7;proto=https;host=evil.example",
}


@pytest.mark.parametrize(("remote", "kept"), [(PROXY, True), ("203.0.113.9", False)])
@BEHIND_PROXY
@override_settings(USE_X_FORWARDED_HOST=True, ALLOWED_HOSTS=["testserver", "evil.example"])
def test_forwarded_headers_reach_django_only_from_a_trusted_proxy(remote: str, kept: bool) -> None:
    from diam.web.security.middleware import ForwardedHeadersMiddleware

    seen: list[HttpRequest] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(request)
        return HttpResponse()

    ForwardedHeadersMiddleware(view)(RequestFactory().get("/", REMOTE_ADDR=remote, **SPOOFED))
    request = seen[0]
    assert all((name in request.META) == kept for name in SPOOFED)
    assert request.is_secure() == kept
    assert request.get_host() == ("evil.example" if kept else "testserver")


@BEHIND_PROXY
def test_an_ignored_scheme_header_is_logged_once_so_a_missing_proxy_entry_is_found(
    db: None, caplog, monkeypatch
) -> None:
    from diam.web.security.middleware import ForwardedHeadersMiddleware

    monkeypatch.setattr(ForwardedHeadersMiddleware, "_warned", False)
    with caplog.at_level(logging.WARNING, logger="diam.security"):
        for _ in range(3):
            Client().get("/login/", REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_PROTO="https")
            Client().get("/login/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https")
    warnings = [r.getMessage() for r in caplog.records if r.name == "diam.security"]
    assert len(warnings) == 1
    assert "192.0.2.10" in warnings[0] and "DIAM_TRUSTED_PROXIES" in warnings[0]


def test_the_check_refuses_settings_where_the_header_middleware_is_not_first() -> None:
    from diam.web.security.checks import FORWARDED_MIDDLEWARE, forwarded_headers_first

    assert settings.SECURE_PROXY_SSL_HEADER  # production settings, as in the tests
    assert forwarded_headers_first() == []
    others = [m for m in settings.MIDDLEWARE if m != FORWARDED_MIDDLEWARE]
    for middleware in (others, [*others, FORWARDED_MIDDLEWARE]):
        with override_settings(MIDDLEWARE=middleware):
            assert [e.id for e in forwarded_headers_first()] == ["diam.security.E001"]
