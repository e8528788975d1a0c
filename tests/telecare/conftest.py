"""Telecare fixtures: the gateway's telecare routes with a real Redis (db 14, flushed per
test), a real SQLite database, nurse accounts, and ICE restricted to 127.0.0.1."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import aioice.ice
import pytest
from aiohttp import CookieJar, web
from aiohttp.test_utils import TestClient, TestServer
from redis.asyncio import Redis

from assistant.gateway import _database_ctx, _redis_ctx
from assistant.keys import DATABASE, SETTINGS
from assistant.problems import problem_middleware
from assistant.settings import Settings
from telecare.accounts import NurseAccounts
from telecare.web import app as telecare_web

TELECARE_REDIS_URL = os.environ.get("TELECARE_REDIS_URL", "redis://127.0.0.1:6379/14")
PASSWORD = "correct horse battery staple"


def make_app(settings: Settings) -> web.Application:
    """The gateway's parts telecare needs: Redis, the database, and telecare's routes."""
    app = web.Application(middlewares=[problem_middleware])
    app[SETTINGS] = settings
    app.cleanup_ctx.extend([_redis_ctx, _database_ctx])
    telecare_web.add_routes(app)
    return app


@pytest.fixture(autouse=True)
def loopback_ice(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """aiortc gathers host candidates on 127.0.0.1 only (the sandbox has no other route)."""
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"])
    yield


@pytest.fixture
async def telecare_redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(TELECARE_REDIS_URL)
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


@pytest.fixture
def tc_settings(settings: Settings, telecare_redis: Redis) -> Settings:
    return settings.with_(redis_url=TELECARE_REDIS_URL)


@pytest.fixture
async def server(tc_settings: Settings) -> AsyncIterator[TestServer]:
    test_server = TestServer(make_app(tc_settings), host="127.0.0.1")
    await test_server.start_server()
    yield test_server
    await test_server.close()


def new_client(server: TestServer) -> TestClient[web.Request, web.Application]:
    jar = CookieJar(unsafe=True, treat_as_secure_origin=[str(server.make_url("/"))])
    return TestClient(server, cookie_jar=jar)


@pytest.fixture
async def client(server: TestServer) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    test_client = new_client(server)
    await test_client.start_server()
    yield test_client
    await test_client.close()


@dataclass(frozen=True)
class NurseLogin:
    id: int
    username: str
    password: str


@pytest.fixture
async def nurses(server: TestServer) -> list[NurseLogin]:
    accounts = NurseAccounts(server.app[DATABASE])
    made = []
    for name in ("anna.nurse", "bertil.nurse"):
        info = await accounts.add(
            name, PASSWORD, display_name=name.title(), team="helsinki", languages=("fi", "sv")
        )
        made.append(NurseLogin(info.id, name, PASSWORD))
    return made


async def sign_in(client: TestClient[web.Request, web.Application], nurse: NurseLogin) -> str:
    """Signs in through the form; returns the console's CSRF token."""
    form_page = await client.get("/nurse/login")
    assert form_page.status == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', await form_page.text())
    assert csrf is not None
    response = await client.post(
        "/nurse/login",
        data={"username": nurse.username, "password": nurse.password, "csrf": csrf.group(1)},
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    console = await client.get("/nurse")
    assert console.status == 200
    token = re.search(r'data-csrf="([^"]+)"', await console.text())
    assert token is not None
    return token.group(1)
