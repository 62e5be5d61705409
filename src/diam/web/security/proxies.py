"""The client's address, behind reverse proxies or not: the one function every consumer uses.

Behind a reverse proxy (nginx, a load balancer) REMOTE_ADDR is the proxy's address, and the
client's is in X-Forwarded-For, which each proxy extends with the address it received the
request from. Anyone can send that header, so it is believed only as far as it was written by
proxies listed in settings.DIAM_TRUSTED_PROXIES (addresses or networks, empty by default):
walking from the direct peer leftwards, the first address that is not a trusted proxy is the
client. From an untrusted peer the header is ignored entirely, so a spoofed header can neither
hide a client from the sign-in throttle nor put a false address in the audit trail.

Consumers: the audit trail (`audit_record`), django-axes (AXES_CLIENT_IP_CALLABLE), the
password-reset throttle, the request log, the API's token-use records and the API's public
rate limit (`diam.web.api.services.client_key`).

The other forwarded headers (X-Forwarded-Proto, which SECURE_PROXY_SSL_HEADER makes Django
believe, X-Forwarded-Host/-Port, Forwarded) follow the same rule: `ForwardedHeadersMiddleware`
removes them from any request whose direct peer is not a trusted proxy, before Django or any
other middleware reads them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_trusted_proxies(
    entries: Iterable[str], *, setting: str = "DIAM_TRUSTED_PROXIES"
) -> tuple[Network, ...]:
    """Addresses and networks ("10.0.0.1", "10.0.0.0/8", "::1"); a bad entry is named."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{setting}: {entry!r} is neither an IP address nor a network such as "
                "10.0.0.0/8 (separate several with commas)."
            ) from None
    return tuple(networks)


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_trusted_proxies(entries)


def _address(text: str) -> Address | None:
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:4711"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "192.0.2.1:4711"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def peer_is_trusted_proxy(request: HttpRequest) -> bool:
    """Whether the direct peer (REMOTE_ADDR) is one of DIAM_TRUSTED_PROXIES."""
    peer = _address(request.META.get("REMOTE_ADDR") or "")
    if peer is None:
        return False
    networks = _networks(tuple(getattr(settings, "DIAM_TRUSTED_PROXIES", ())))
    return bool(networks) and _trusted(peer, networks)


def client_ip(request: HttpRequest | None) -> str | None:
    """The address of the client that sent `request` (None without a request or address)."""
    if request is None:
        return None
    peer = _address(request.META.get("REMOTE_ADDR") or "")
    if peer is None:
        return None
    networks = _networks(tuple(getattr(settings, "DIAM_TRUSTED_PROXIES", ())))
    if not networks or not _trusted(peer, networks):
        return str(peer)
    # The peer is our proxy: believe X-Forwarded-For from the right for as long as the
    # addresses in it are our proxies too; the first one that is not is the client.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    client = peer
    for hop in reversed(forwarded.split(",")):
        address = _address(hop)
        if address is None:
            # Not an address, so not written by a proxy of ours: stop at the last known hop
            # rather than guess (throttles then count that hop, never an invented one).
            break
        client = address
        if not _trusted(address, networks):
            break
    return str(client)
