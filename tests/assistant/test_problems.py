"""The problem middleware: JSON errors that keep their headers, and crash logs without paths."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from assistant.problems import problem_middleware

Client = TestClient[Any, Any]


async def crash(request: web.Request) -> web.Response:
    raise RuntimeError("boom")


@pytest.fixture
async def client(aiohttp_client: Any) -> Client:
    app = web.Application(middlewares=[problem_middleware])
    app.router.add_get("/api/rooms/{room}", crash)
    app.router.add_get(r"/telecare/signal/{room:[a-z0-9]{8,}}", crash)
    result: Client = await aiohttp_client(app)
    return result


@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/api/rooms/secret-room-id-1234?token=secret-token-5678", "/api/rooms/{room}"),
        ("/telecare/signal/secretroomid9999", "/telecare/signal/{room}"),
    ],
)
async def test_a_crash_logs_the_route_pattern_never_the_path(
    client: Client, caplog: pytest.LogCaptureFixture, path: str, route: str
) -> None:
    caplog.set_level(logging.ERROR, logger="assistant.problems")
    response = await client.get(path)
    assert response.status == 500
    assert await response.json() == {
        "error": "internal_error",
        "detail": "Apuri could not handle this request",
    }
    [record] = [r for r in caplog.records if r.getMessage() == "request.crashed"]
    assert record.apuri_fields == {  # type: ignore[attr-defined]
        "method": "GET",
        "route": route,
        "error": "RuntimeError",
    }
    assert "secret" not in caplog.text


async def test_a_405_under_api_is_json_and_still_names_the_allowed_methods(
    client: Client,
) -> None:
    response = await client.delete("/api/rooms/r1")
    assert response.status == 405
    assert response.headers["Allow"] == "GET,HEAD"
    assert await response.json() == {"error": "method_not_allowed", "detail": "Method Not Allowed"}
