"""The operator's outbox page behind its credential (user admin, APURI_ADMIN_PASSWORD),
its limit on failed attempts, and the password `apuri run` keeps in var/admin.password."""

from __future__ import annotations

import base64
import stat
from collections.abc import AsyncIterator
from ipaddress import ip_network
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from redis.asyncio import Redis

from assistant import admin
from assistant.gateway import _database_ctx, _redis_ctx
from assistant.keys import DATABASE, SETTINGS
from assistant.local_secrets import ADMIN_FILE, local_admin_password
from assistant.preflight import prepare
from assistant.settings import Settings
from store.outbox import enqueue
from tests.assistant.test_gateway import closed_port

PASSWORD = "operator password 0123456789"
Client = TestClient[web.Request, web.Application]


def basic(user: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


ADMIN = basic("admin", PASSWORD)


@pytest.fixture(autouse=True)
async def clean_redis(redis: Redis) -> None:
    await redis.flushdb()


async def _client(settings: Settings) -> AsyncIterator[Client]:
    app = web.Application()
    app[SETTINGS] = settings
    app.cleanup_ctx.extend([_redis_ctx, _database_ctx])
    admin.add_routes(app)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    yield client
    await client.close()


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    async for made in _client(settings.with_(admin_password=PASSWORD)):
        yield made


@pytest.fixture
async def open_client(settings: Settings) -> AsyncIterator[Client]:
    """A gateway started with no admin password at all."""
    async for made in _client(settings):
        yield made


async def test_the_outbox_shows_messages_masked_to_the_admin(client: Client) -> None:
    await enqueue(
        client.app[DATABASE],
        to_phone="+358401234567",
        body="Varaus <vahvistettu>",
        lang="fi",
        kind="confirmation",
    )
    response = await client.get("/admin/outbox", headers=ADMIN)
    page = await response.text()
    assert response.status == 200
    assert "+358401234567" not in page and "confirmation" in page
    assert "Varaus &lt;vahvistettu&gt;" in page
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


async def test_without_a_password_configured_the_page_is_closed_even_on_loopback(
    open_client: Client,
) -> None:
    for headers in ({}, basic("admin", ""), basic("", "")):
        response = await open_client.get("/admin/outbox", headers=headers)
        assert response.status == 503
        assert "APURI_ADMIN_PASSWORD" in await response.text()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        basic("admin", "wrong"),
        basic("root", PASSWORD),  # the right password under another name
        basic("", PASSWORD),
        basic("admin", PASSWORD + " "),
        {"Authorization": "Bearer " + PASSWORD},
        {"Authorization": "Basic not base64!"},
        {"Authorization": "Basic " + base64.b64encode(PASSWORD.encode()).decode()},
        {"Authorization": "Basic " + base64.b64encode(b"admin:\xff").decode()},
    ],
)
async def test_anything_but_the_credential_is_asked_to_sign_in(
    client: Client, headers: dict[str, str]
) -> None:
    response = await client.get("/admin/outbox", headers=headers)
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith('Basic realm="Apuri admin"')
    assert "Outgoing messages" not in await response.text()


async def test_the_scheme_name_is_case_insensitive(client: Client) -> None:
    raw = base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
    assert (await client.get("/admin/outbox", headers={"Authorization": f"basic {raw}"})).ok


async def test_ten_failures_make_that_address_wait_even_with_the_password(
    client: Client,
) -> None:
    for _ in range(10):
        assert (await client.get("/admin/outbox", headers=basic("admin", "guess"))).status == 401
    locked = await client.get("/admin/outbox", headers=ADMIN)
    assert locked.status == 429 and locked.headers["Retry-After"] == "900"
    # Asking without any credential is no failure: a browser's first request is one.
    assert (await client.get("/admin/outbox")).status == 401


async def test_behind_a_trusted_proxy_the_limit_is_the_guessers_alone(
    settings: Settings,
) -> None:
    trusted = settings.with_(admin_password=PASSWORD, trusted_proxies=(ip_network("127.0.0.1"),))
    async for client in _client(trusted):
        guesser = {"X-Forwarded-For": "203.0.113.5"}
        for _ in range(10):
            await client.get("/admin/outbox", headers={**basic("admin", "x"), **guesser})
        assert (await client.get("/admin/outbox", headers={**ADMIN, **guesser})).status == 429
        operator = {**ADMIN, "X-Forwarded-For": "203.0.113.6"}
        assert (await client.get("/admin/outbox", headers=operator)).status == 200


def test_the_local_password_is_made_once_private_and_kept(tmp_path: Path) -> None:
    first = local_admin_password(tmp_path)
    path = tmp_path / ADMIN_FILE
    assert len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert local_admin_password(tmp_path) == first
    path.chmod(0o644)
    assert local_admin_password(tmp_path) == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, "a loosened file is made private again"
    path.write_text("\n")
    assert local_admin_password(tmp_path) not in ("", first), "an empty file gets a password"


def test_apuri_run_prints_where_the_password_is_never_the_password(
    settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    monkeypatch.setattr("assistant.preflight.model_path", lambda _settings: Path(__file__))
    ready = prepare(
        settings.with_(
            port=closed_port(),
            rasa_port=closed_port(),
            actions_port=closed_port(),
            redis_port=closed_port(),
        )
    )
    printed = capsys.readouterr().out
    stored = (settings.var_dir / ADMIN_FILE).read_text().strip()
    assert ready.admin_password == stored
    assert str(settings.var_dir / ADMIN_FILE) in printed and "admin" in printed
    assert stored not in printed
    # A password from the environment is used as it is, and no file is made for it.
    (settings.var_dir / ADMIN_FILE).unlink()
    kept = prepare(
        settings.with_(
            admin_password=PASSWORD,
            port=closed_port(),
            rasa_port=closed_port(),
            actions_port=closed_port(),
            redis_port=closed_port(),
        )
    )
    assert kept.admin_password == PASSWORD and not (settings.var_dir / ADMIN_FILE).exists()
