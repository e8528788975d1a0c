"""The nurse console's guards through the real routes: failed sign-ins limited so that one
address (a reverse proxy's, a ward's) locks no one else out, clients told apart behind a
trusted proxy, and the queue socket opened only from Apuri's own origin."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from ipaddress import ip_network
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from assistant.keys import DATABASE
from assistant.settings import Settings
from telecare.accounts import NurseAccounts
from telecare.lockout import Limits
from telecare.web.console import DEVICE_COOKIE
from telecare.web.context import TELECARE
from tests.telecare.conftest import PASSWORD, NurseLogin, make_app, new_client, sign_in

Client = TestClient[web.Request, web.Application]
WRONG = "not the password"
LOOPBACK = (ip_network("127.0.0.1/32"),)


async def attempt(
    client: Client, username: str, password: str, forwarded_for: str | None = None
) -> int:
    """One sign-in through the form (its CSRF cookie and field); the status it got."""
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    form_page = await client.get("/nurse/login", headers=headers)
    csrf = re.search(r'name="csrf" value="([^"]+)"', await form_page.text())
    assert csrf is not None
    response = await client.post(
        "/nurse/login",
        data={"username": username, "password": password, "csrf": csrf.group(1)},
        headers=headers,
        allow_redirects=False,
    )
    return response.status


Start = Callable[..., Awaitable[tuple[TestServer, list[NurseLogin]]]]


@pytest.fixture
async def start(tc_settings: Settings) -> AsyncIterator[Start]:
    """Starts the console with some settings changed and two nurses (anna, bertil)."""
    servers: list[TestServer] = []

    async def _start(**changes: Any) -> tuple[TestServer, list[NurseLogin]]:
        server = TestServer(make_app(tc_settings.with_(**changes)), host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        accounts = NurseAccounts(server.app[DATABASE])
        made = []
        for name in ("anna.nurse", "bertil.nurse"):
            info = await accounts.add(name, PASSWORD, display_name=name.title(), team="helsinki")
            made.append(NurseLogin(info.id, name, PASSWORD))
        return server, made

    yield _start
    for server in servers:
        await server.close()


@pytest.fixture
async def clients() -> AsyncIterator[Callable[[TestServer], Awaitable[Client]]]:
    """Browsers of their own (cookie jars) on a server, closed after the test."""
    made: list[Client] = []

    async def _client(server: TestServer) -> Client:
        client = new_client(server)
        await client.start_server()
        made.append(client)
        return client

    yield _client
    for client in made:
        await client.session.close()  # the server is closed by `start`


# --- sign-in lockout ------------------------------------------------------------------


async def test_failures_at_one_address_on_one_account_lock_no_other_account(
    start: Start, clients: Callable[[TestServer], Awaitable[Client]]
) -> None:
    server, (anna, bertil) = await start()
    guesser = await clients(server)
    for _ in range(5):
        assert await attempt(guesser, anna.username, WRONG) == 401
    for _ in range(20):
        assert await attempt(guesser, anna.username, WRONG) == 429, "this address waits"
    for name in ("carla.nurse", "dora.nurse", "eero.nurse", "frida.nurse"):
        for _ in range(5):
            await attempt(guesser, name, WRONG)
    # 25 failures and 20 refusals from this one address: Bertil, at the same address
    # (the same proxy), still signs in; Anna does once her 15 minutes are over.
    bertil_browser = await clients(server)
    assert await attempt(bertil_browser, bertil.username, PASSWORD) == 303
    assert await attempt(await clients(server), anna.username, PASSWORD) == 429


async def test_behind_a_trusted_proxy_two_clients_are_told_apart(
    start: Start, clients: Callable[[TestServer], Awaitable[Client]]
) -> None:
    server, (anna, _) = await start(trusted_proxies=LOOPBACK)
    mistyping, elsewhere = await clients(server), await clients(server)
    for _ in range(5):
        assert await attempt(mistyping, anna.username, WRONG, "203.0.113.5") == 401
    assert await attempt(mistyping, anna.username, PASSWORD, "203.0.113.5") == 429
    assert await attempt(elsewhere, anna.username, PASSWORD, "203.0.113.6") == 303
    # The proxy's own address is not the client's: a client behind it is not locked out
    # by what another client did.
    assert await attempt(await clients(server), anna.username, PASSWORD, "203.0.113.7") == 303


async def test_an_untrusted_peers_forwarded_for_is_ignored(
    start: Start, clients: Callable[[TestServer], Awaitable[Client]]
) -> None:
    """A guesser cannot get new tries by writing a new X-Forwarded-For each time: the
    connection comes from no trusted proxy (here: one that is not this peer)."""
    server, (anna, _) = await start(trusted_proxies=(ip_network("192.0.2.0/24"),))
    guesser = await clients(server)
    for n in range(5):
        assert await attempt(guesser, anna.username, WRONG, f"203.0.113.{n}") == 401
    assert await attempt(guesser, anna.username, PASSWORD, "203.0.113.99") == 429
    fresh = await clients(server)
    assert await attempt(fresh, anna.username, PASSWORD, "198.51.100.1") == 429


async def test_a_browser_that_signed_in_before_gets_in_while_its_address_is_flooded(
    start: Start, clients: Callable[[TestServer], Awaitable[Client]]
) -> None:
    server, (anna, bertil) = await start()
    # Fewer than the hundred of a deployment, so that the test is quick.
    server.app[TELECARE].lockout.limits = Limits(address=12)
    annas_browser = await clients(server)
    await sign_in(annas_browser, anna)
    cookie = annas_browser.session.cookie_jar.filter_cookies(
        annas_browser.make_url("/nurse/login")
    )[DEVICE_COOKIE]
    assert cookie.value

    flooder = await clients(server)
    for n in range(7):
        await attempt(flooder, f"guess{n}", WRONG)
    for _ in range(5):
        assert await attempt(flooder, anna.username, WRONG) == 401
    # The address is over its limit and Anna's name is locked at it ...
    assert await attempt(await clients(server), bertil.username, PASSWORD) == 429
    assert await attempt(await clients(server), anna.username, PASSWORD) == 429
    # ... but the browser Anna signed in from before still gets her in.
    assert await attempt(annas_browser, anna.username, PASSWORD) == 303
    # It remembers Anna only: Bertil in Anna's browser is a stranger.
    assert await attempt(annas_browser, bertil.username, PASSWORD) == 429
    # Five wrong passwords in her browser, and it waits like any other.
    for _ in range(5):
        assert await attempt(annas_browser, anna.username, WRONG) == 401
    assert await attempt(annas_browser, anna.username, PASSWORD) == 429


async def test_the_remembered_browser_cookie_is_strict_httponly_and_for_sign_in_only(
    start: Start, clients: Callable[[TestServer], Awaitable[Client]]
) -> None:
    server, (anna, _) = await start()
    browser = await clients(server)
    form_page = await browser.get("/nurse/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', await form_page.text())
    assert csrf is not None
    response = await browser.post(
        "/nurse/login",
        data={"username": anna.username, "password": PASSWORD, "csrf": csrf.group(1)},
        allow_redirects=False,
    )
    assert response.status == 303
    cookie = next(
        value
        for name, value in response.headers.items()
        if name == "Set-Cookie" and value.startswith(DEVICE_COOKIE + "=")
    )
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" in cookie
    assert "Path=/nurse/login" in cookie and "Max-Age=7776000" in cookie
    assert anna.username not in cookie


# --- the queue socket's origin --------------------------------------------------------


async def _socket_status(client: Client, origin: str | None, **headers: str) -> int:
    if origin is not None:
        headers["Origin"] = origin
    try:
        ws = await client.ws_connect("/nurse/ws", headers=headers)
    except aiohttp.WSServerHandshakeError as refused:
        return refused.status
    await ws.close()
    return 101


async def test_the_queue_socket_opens_only_from_this_scheme_host_and_port(
    start: Start, clients: Callable[[TestServer], Awaitable[Client]]
) -> None:
    server, (anna, _) = await start()
    browser = await clients(server)
    await sign_in(browser, anna)
    port = server.port
    assert port is not None
    assert await _socket_status(browser, f"http://127.0.0.1:{port}") == 101
    assert await _socket_status(browser, f"HTTP://127.0.0.1:{port}") == 101
    assert await _socket_status(browser, None) == 101, "no browser page: the session decides"
    for origin in (
        f"https://127.0.0.1:{port}",  # the same host and port, another scheme
        "http://127.0.0.1",  # another port
        f"http://127.0.0.1:{port + 1}",
        f"http://127.0.0.1.evil.example:{port}",
        f"http://evil.example/127.0.0.1:{port}",
        f"ws://127.0.0.1:{port}",
        "null",
        "",
        "https://evil.example",
    ):
        assert await _socket_status(browser, origin) == 403, origin


async def test_the_public_base_urls_origin_is_apuris_own(
    start: Start, clients: Callable[[TestServer], Awaitable[Client]]
) -> None:
    """Behind a proxy that ends TLS, the page's origin is PUBLIC_BASE_URL's."""
    server, (anna, _) = await start(public_base_url="https://apuri.example.hel.fi")
    browser = await clients(server)
    await sign_in(browser, anna)
    assert await _socket_status(browser, "https://apuri.example.hel.fi") == 101
    assert await _socket_status(browser, "https://APURI.example.hel.fi:443") == 101
    assert await _socket_status(browser, "http://apuri.example.hel.fi") == 403
    assert await _socket_status(browser, "https://apuri.example.hel.fi:8443") == 403
    assert await _socket_status(browser, "https://evil.example") == 403


async def test_a_trusted_proxys_forwarded_proto_is_the_pages_scheme(
    start: Start, clients: Callable[[TestServer], Awaitable[Client]]
) -> None:
    server, (anna, _) = await start(trusted_proxies=LOOPBACK)
    browser = await clients(server)
    await sign_in(browser, anna)
    https_page = f"https://127.0.0.1:{server.port}"
    assert await _socket_status(browser, https_page, **{"X-Forwarded-Proto": "https"}) == 101
    assert await _socket_status(browser, https_page) == 403
