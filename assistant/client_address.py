"""The address a request really came from, behind the reverse proxies the city trusts.

`X-Forwarded-For` is believed only when the connection itself comes from a proxy named in
`APURI_TRUSTED_PROXIES`; then the rightmost address that is not a trusted proxy is the
client (anything left of it could have been written by the client). Rate limits and
sign-in lockouts key on this address, hashed, never on the address itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Network, ip_address

from aiohttp import web

from assistant.keys import SETTINGS
from assistant.settings import Settings

Networks = Sequence[IPv4Network | IPv6Network]


def _trusted(address: str, proxies: Networks) -> bool:
    try:
        parsed = ip_address(address.strip())
    except ValueError:
        return False
    return any(parsed in network for network in proxies)


def client_address(peer: str | None, forwarded_for: str | None, proxies: Networks) -> str:
    """The client's address given the peer's and its X-Forwarded-For header."""
    peer = peer or ""
    if not forwarded_for or not _trusted(peer, proxies):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            try:
                return str(ip_address(hop))
            except ValueError:
                return peer  # a malformed hop: fall back to what the connection proves
    return hops[0] if hops else peer


def request_address(request: web.Request, settings: Settings) -> str:
    """The client address of `request` (see `client_address`)."""
    return client_address(
        request.remote, request.headers.get("X-Forwarded-For"), settings.trusted_proxies
    )


def address_key(address: str, secret: bytes | None = None) -> str:
    """A short hash standing in for an address in Redis keys and logs."""
    digest = hashlib.sha256((secret or b"") + address.encode())
    return digest.hexdigest()[:24]


def client_key(request: web.Request) -> str:
    """The hashed client address of a gateway request (the app holds the settings)."""
    settings = request.app[SETTINGS]
    return address_key(request_address(request, settings), settings.secret_key.encode())
