"""The address a request really came from, behind the reverse proxies the city trusts.

`X-Forwarded-For` is believed only when the connection itself comes from a proxy named in
`APURI_TRUSTED_PROXIES`; then the rightmost address that is not a trusted proxy is the
client (anything left of it could have been written by the client). Rate limits and
sign-in lockouts key on this address, hashed, never on the address itself. The same
proxies' `X-Forwarded-Proto` tells the scheme the client used (for Origin checks).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from aiohttp import web

from assistant.keys import SETTINGS
from assistant.settings import Settings

Networks = Sequence[IPv4Network | IPv6Network]


def _parse(address: str) -> IPv4Address | IPv6Address | None:
    """An address as a proxy may write it: bare, `v4:port`, `[v6]` or `[v6]:port`; an
    IPv4-mapped IPv6 address (a dual-stack socket's `::ffff:a.b.c.d`) is the IPv4 one."""
    text = address.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        parsed = ip_address(text)
    except ValueError:
        return None
    if isinstance(parsed, IPv6Address) and parsed.ipv4_mapped is not None:
        return parsed.ipv4_mapped
    return parsed


def _trusted(address: str, proxies: Networks) -> bool:
    parsed = _parse(address)
    return parsed is not None and any(parsed in network for network in proxies)


def client_address(peer: str | None, forwarded_for: str | None, proxies: Networks) -> str:
    """The client's address given the peer's and its X-Forwarded-For header."""
    peer = peer or ""
    if not forwarded_for or not _trusted(peer, proxies):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            parsed = _parse(hop)
            # A malformed hop: fall back to what the connection proves.
            return peer if parsed is None else str(parsed)
    return hops[0] if hops else peer


def _forwarded_for(request: web.Request) -> str | None:
    """Every X-Forwarded-For line as one list: a proxy may add its own line after the
    client's, and the client's alone is whatever the client wrote."""
    lines = request.headers.getall("X-Forwarded-For", [])
    return ", ".join(lines) if lines else None


def request_address(request: web.Request, settings: Settings) -> str:
    """The client address of `request` (see `client_address`)."""
    return client_address(request.remote, _forwarded_for(request), settings.trusted_proxies)


def request_scheme(request: web.Request, settings: Settings) -> str:
    """ "http" or "https" as the client used it: the nearest trusted proxy's
    X-Forwarded-Proto when the connection comes from one (a proxy that ends TLS speaks
    plain HTTP to the gateway), otherwise the connection's own scheme."""
    if _trusted(request.remote or "", settings.trusted_proxies):
        hops = ",".join(request.headers.getall("X-Forwarded-Proto", [])).split(",")
        proto = hops[-1].strip().lower()
        if proto in ("http", "https"):
            return proto
    return request.scheme


def address_key(address: str, secret: bytes | None = None) -> str:
    """A short hash standing in for an address in Redis keys and logs."""
    digest = hashlib.sha256((secret or b"") + address.encode())
    return digest.hexdigest()[:24]


def client_key(request: web.Request) -> str:
    """The hashed client address of a gateway request (the app holds the settings)."""
    settings = request.app[SETTINGS]
    return address_key(request_address(request, settings), settings.secret_key.encode())
