"""The client address behind reverse proxies: X-Forwarded-For is believed only from the
proxies named in APURI_TRUSTED_PROXIES, and then only its rightmost untrusted hop."""

from __future__ import annotations

from ipaddress import ip_network

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from multidict import CIMultiDict

from assistant.client_address import (
    address_key,
    client_address,
    client_key,
    request_address,
    request_scheme,
)
from assistant.keys import SETTINGS
from assistant.settings import Settings

PROXIES = (ip_network("10.0.0.0/8"), ip_network("2001:db8:1::/48"))


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "expected"),
    [
        # No proxy trusted, or the peer is not one: the header is the client's own words.
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),
        ("203.0.113.9", None, "203.0.113.9"),
        # A trusted proxy: the rightmost hop that is not a trusted proxy.
        ("10.0.0.2", "198.51.100.1", "198.51.100.1"),
        ("10.0.0.2", "6.6.6.6, 198.51.100.1", "198.51.100.1"),
        ("10.0.0.2", "198.51.100.1, 10.0.0.7", "198.51.100.1"),
        ("10.0.0.2", " 198.51.100.1 ,10.1.2.3, 10.0.0.7 ", "198.51.100.1"),
        # Written with a port, in brackets, or IPv4-mapped by a dual-stack socket.
        ("10.0.0.2", "198.51.100.1:51234", "198.51.100.1"),
        ("10.0.0.2", "[2001:db8:2::5]:443", "2001:db8:2::5"),
        ("10.0.0.2", "2001:db8:2::5", "2001:db8:2::5"),
        ("::ffff:10.0.0.2", "198.51.100.1", "198.51.100.1"),
        ("2001:db8:1::1", "198.51.100.1", "198.51.100.1"),
        # A malformed hop, an empty header or only proxies: what the connection proves.
        ("10.0.0.2", "not-an-address", "10.0.0.2"),
        ("10.0.0.2", "198.51.100.1, bogus", "10.0.0.2"),
        ("10.0.0.2", "", "10.0.0.2"),
        ("10.0.0.2", " , ", "10.0.0.2"),
        ("10.0.0.2", "10.0.0.9, 10.0.0.7", "10.0.0.9"),
        # No peer at all (a Unix socket).
        (None, "198.51.100.1", ""),
    ],
)
def test_client_address(peer: str | None, forwarded_for: str | None, expected: str) -> None:
    assert client_address(peer, forwarded_for, PROXIES) == expected


def test_nothing_is_believed_when_no_proxy_is_trusted() -> None:
    assert client_address("10.0.0.2", "198.51.100.1", ()) == "10.0.0.2"


def _request(
    settings: Settings, peer: str, headers: list[tuple[str, str]] | None = None
) -> web.Request:
    app = web.Application()
    app[SETTINGS] = settings

    class Transport:
        def get_extra_info(self, name: str, default: object = None) -> object:
            return (peer, 40000) if name == "peername" else default

    return make_mocked_request(
        "GET", "/", headers=CIMultiDict(headers or []), app=app, transport=Transport()
    )


def test_request_address_reads_every_forwarded_for_line(settings: Settings) -> None:
    """A proxy that adds its own X-Forwarded-For line after the client's is not fooled by
    the client's line."""
    trusted = settings.with_(trusted_proxies=PROXIES)
    request = _request(
        trusted,
        "10.0.0.2",
        [("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-For", "198.51.100.1")],
    )
    assert request_address(request, trusted) == "198.51.100.1"


def test_request_address_ignores_an_untrusted_peers_header(settings: Settings) -> None:
    request = _request(settings, "203.0.113.9", [("X-Forwarded-For", "198.51.100.1")])
    assert request_address(request, settings) == "203.0.113.9"


def test_the_scheme_comes_from_a_trusted_proxy_only(settings: Settings) -> None:
    trusted = settings.with_(trusted_proxies=PROXIES)
    behind = _request(trusted, "10.0.0.2", [("X-Forwarded-Proto", "https")])
    assert request_scheme(behind, trusted) == "https"
    assert request_scheme(_request(trusted, "10.0.0.2", []), trusted) == "http"
    odd = _request(trusted, "10.0.0.2", [("X-Forwarded-Proto", "gopher")])
    assert request_scheme(odd, trusted) == "http"
    stranger = _request(trusted, "203.0.113.9", [("X-Forwarded-Proto", "https")])
    assert request_scheme(stranger, trusted) == "http"


def test_address_keys_are_keyed_hashes_not_addresses(settings: Settings) -> None:
    key = address_key("198.51.100.1", b"one secret")
    assert len(key) == 24 and "198" not in key
    assert key == address_key("198.51.100.1", b"one secret")
    assert key != address_key("198.51.100.1", b"another secret")
    assert key != address_key("198.51.100.2", b"one secret")
    trusted = settings.with_(trusted_proxies=PROXIES)
    one = _request(trusted, "10.0.0.2", [("X-Forwarded-For", "198.51.100.1")])
    other = _request(trusted, "10.0.0.2", [("X-Forwarded-For", "198.51.100.2")])
    assert client_key(one) == address_key("198.51.100.1", trusted.secret_key.encode())
    assert client_key(one) != client_key(other)
