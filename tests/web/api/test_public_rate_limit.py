"""The public rate limit: requests under /api/ made without a valid token count against the
client's address (DIAM_API_PUBLIC_RATE_PER_MINUTE), as client_ip sees it through
DIAM_TRUSTED_PROXIES; beyond it, 429 with Retry-After and a JSON message."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client, RequestFactory
from django.utils import timezone

from diam.web.accounts.models import Organisation, User
from diam.web.api.models import ClientWindow
from diam.web.api.services import client_rate_check
from tests.web.api.conftest import CheckedClient, api_client, token_for

pytestmark = pytest.mark.django_db

# Every kind of request without a valid token: public operations, the OpenAPI document and
# its page, an unknown /api/ URL, no token and a forged one.
WITHOUT_TOKEN = (
    ("/api/models", {}),
    ("/api/registry", {}),
    ("/api/openapi.json", {}),
    ("/api/docs", {}),
    ("/api/no/such/thing", {}),
    ("/api/me", {}),
    ("/api/me", {"HTTP_AUTHORIZATION": "Bearer diam_0123456789ab_forged"}),
)


@pytest.fixture(autouse=True)
def _one_minute(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    """Time stands still one second into a minute, so no test crosses into the next window."""
    frozen = timezone.now().replace(second=1, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: frozen)
    return frozen


def _statuses(client: Client, path: str, n: int, **extra: Any) -> list[int]:
    return [client.get(path, **extra).status_code for _ in range(n)]


def test_the_default_limit_is_60_a_minute_and_then_429(settings: Any) -> None:
    # The real default (no test raises it here): the 61st request in a minute is refused.
    assert "DIAM_API_PUBLIC_RATE_PER_MINUTE" not in os.environ
    assert django_settings.DIAM_API_PUBLIC_RATE_PER_MINUTE == 60
    client = CheckedClient()
    assert _statuses(client, "/api/models", 60) == [200] * 60
    response = client.get("/api/models")
    assert response.status_code == 429
    assert response["Retry-After"] == "59"
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "Too many requests without an API token" in response.json()["message"]


def test_every_request_without_a_valid_token_counts_and_is_refused_beyond_the_limit(
    settings: Any, alice: User, org: Organisation
) -> None:
    settings.DIAM_API_PUBLIC_RATE_PER_MINUTE = len(WITHOUT_TOKEN)
    client = Client()
    first = [client.get(path, **extra).status_code for path, extra in WITHOUT_TOKEN]
    assert first == [200, 200, 200, 200, 404, 401, 401]
    for path, extra in WITHOUT_TOKEN:
        response = client.get(path, **extra)
        assert response.status_code == 429, path
        assert 1 <= int(response["Retry-After"]) <= 60, path
        assert response.json()["message"].startswith("Too many requests"), path
    # A valid token is counted against the token, not the address.
    assert api_client(token_for(alice, org)).get("/api/me").status_code == 200


def test_another_client_address_is_not_affected(settings: Any) -> None:
    settings.DIAM_API_PUBLIC_RATE_PER_MINUTE = 2
    one, other = CheckedClient(REMOTE_ADDR="192.0.2.1"), CheckedClient(REMOTE_ADDR="192.0.2.2")
    assert _statuses(one, "/api/models", 3) == [200, 200, 429]
    assert _statuses(other, "/api/models", 2) == [200, 200]


def test_x_forwarded_for_from_an_untrusted_peer_cannot_dodge_the_limit(settings: Any) -> None:
    settings.DIAM_API_PUBLIC_RATE_PER_MINUTE = 2
    settings.DIAM_TRUSTED_PROXIES = ["10.0.0.1"]
    client = CheckedClient(REMOTE_ADDR="203.0.113.7")
    statuses = [
        client.get("/api/models", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 429, 429]
    assert list(ClientWindow.objects.values_list("client", flat=True)) == ["203.0.113.7"]


def test_behind_a_trusted_proxy_each_forwarded_client_counts_on_its_own(settings: Any) -> None:
    settings.DIAM_API_PUBLIC_RATE_PER_MINUTE = 2
    settings.DIAM_TRUSTED_PROXIES = ["10.0.0.1"]
    proxy = CheckedClient(REMOTE_ADDR="10.0.0.1")
    # What the client wrote to the left of what the proxy appended changes nothing.
    sent = ["198.51.100.1", "6.6.6.6, 198.51.100.1", "7.7.7.7, 198.51.100.1"]
    statuses = [proxy.get("/api/models", HTTP_X_FORWARDED_FOR=xff).status_code for xff in sent]
    assert statuses == [200, 200, 429]
    assert proxy.get("/api/models", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 200


def test_an_ipv6_client_counts_per_64_network(settings: Any) -> None:
    settings.DIAM_API_PUBLIC_RATE_PER_MINUTE = 2
    addresses = ["2001:db8:1:1::1", "2001:db8:1:1::2", "2001:db8:1:1:ffff::3"]
    statuses = [CheckedClient(REMOTE_ADDR=a).get("/api/models").status_code for a in addresses]
    assert statuses == [200, 200, 429]
    assert CheckedClient(REMOTE_ADDR="2001:db8:1:2::1").get("/api/models").status_code == 200


def test_the_count_starts_again_each_minute_and_old_clients_are_forgotten(
    settings: Any, _one_minute: dt.datetime
) -> None:
    settings.DIAM_API_PUBLIC_RATE_PER_MINUTE = 1
    request = RequestFactory().get("/api/models", REMOTE_ADDR="192.0.2.10")
    assert client_rate_check(request, now=_one_minute) is None
    assert client_rate_check(request, now=_one_minute + dt.timedelta(seconds=29)) == 30
    assert client_rate_check(request, now=_one_minute + dt.timedelta(seconds=59)) is None
    ClientWindow.objects.create(
        client="192.0.2.99", window_start=_one_minute - dt.timedelta(hours=2), count=5
    )
    newcomer = RequestFactory().get("/api/models", REMOTE_ADDR="192.0.2.11")
    assert client_rate_check(newcomer, now=_one_minute) is None
    assert sorted(ClientWindow.objects.values_list("client", flat=True)) == [
        "192.0.2.10",
        "192.0.2.11",
    ]


def test_zero_turns_the_public_limit_off(settings: Any) -> None:
    settings.DIAM_API_PUBLIC_RATE_PER_MINUTE = 0
    assert _statuses(CheckedClient(), "/api/models", 5) == [200] * 5
    assert not ClientWindow.objects.exists()
