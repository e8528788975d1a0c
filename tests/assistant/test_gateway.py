"""The gateway's HTTP behaviour through `aiohttp_client`, with real Redis and SQLite.

Rasa itself is exercised end to end in tests/e2e; here a small stand-in speaks the same
channel contract (`/webhooks/apuri/webhook`) so the gateway's own rules can be checked
one by one, including what happens when Rasa is down or fails.
"""

from __future__ import annotations

import json
import os
import socket
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from assistant.gateway import create_app
from assistant.keys import SERVICES
from assistant.service_search import ServiceSearchProvider
from assistant.settings import Settings

TOKEN = "test-internal-token"


class StandInRasa:
    """Records what the gateway sends and answers like Apuri's Rasa channel."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.status = 200
        self.language: str | None = None

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append(body)
        self.headers.append(dict(request.headers))
        if self.status != 200:
            return web.json_response({"error": "processing_failed"}, status=self.status)
        detected = body["metadata"]["apuri"]["detected"]
        lang = (
            body["metadata"]["apuri"]["lang_explicit"]
            or self.language
            or (detected or {}).get("lang")
            or "fi"
        )
        return web.json_response(
            {
                "messages": [
                    {
                        "recipient_id": body["sender"],
                        "text": f"reply in {lang}",
                        "buttons": [{"title": "Apua", "payload": "/help"}],
                    }
                ],
                "language": lang,
            }
        )

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/webhooks/apuri/webhook", self.webhook)
        app.router.add_get("/webhooks/apuri/", self.health)
        app.router.add_get("/health", self.health)  # the action server's health route
        return app


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture(autouse=True)
async def clean_redis(redis: Any) -> None:
    """Conversations and cached replies from earlier runs must not leak into a test."""
    await redis.flushdb()


@pytest.fixture
async def rasa(aiohttp_server: Any) -> tuple[StandInRasa, TestServer]:
    stand_in = StandInRasa()
    server = await aiohttp_server(stand_in.app())
    return stand_in, server


@pytest.fixture
async def client(
    aiohttp_client: Any, settings: Settings, rasa: tuple[StandInRasa, TestServer]
) -> TestClient[Any, Any]:
    _, server = rasa
    app = create_app(
        settings.with_(rasa_port=server.port, actions_port=server.port, internal_token=TOKEN)
    )
    result: TestClient[Any, Any] = await aiohttp_client(app)
    return result


async def test_message_is_answered_with_the_reply_model(client: TestClient[Any, Any], rasa):
    stand_in, _ = rasa
    response = await client.post(
        "/api/messages", json={"conversation_id": "conv-0001", "text": "hej, vad kan du göra?"}
    )
    assert response.status == 200
    body = await response.json()
    assert body == {
        "conversation_id": "conv-0001",
        "lang": "sv",
        "replies": [
            {
                "text": "reply in sv",
                "buttons": [{"title": "Apua", "payload": "/help"}],
                "card": None,
                "handoff": None,
            }
        ],
    }
    sent = stand_in.received[0]
    assert sent["sender"] == "api-conv-0001"
    assert sent["message"] == "hej, vad kan du göra?"
    assert sent["metadata"]["apuri"]["detected"]["lang"] == "sv"
    assert stand_in.headers[0]["X-Apuri-Token"] == TOKEN


async def test_new_conversation_gets_an_id(client: TestClient[Any, Any]):
    response = await client.post("/api/messages", json={"text": "moi"})
    assert response.status == 200
    body = await response.json()
    assert len(body["conversation_id"]) == 32


async def test_explicit_language_is_passed_to_the_dialogue(client: TestClient[Any, Any], rasa):
    stand_in, _ = rasa
    response = await client.post(
        "/api/messages", json={"conversation_id": "conv-0002", "text": "moi", "lang": "en"}
    )
    assert (await response.json())["lang"] == "en"
    assert stand_in.received[0]["metadata"]["apuri"]["lang_explicit"] == "en"


async def test_button_payload_is_sent_as_is(client: TestClient[Any, Any], rasa):
    stand_in, _ = rasa
    payload = '/switch_language{"language": "sv"}'
    response = await client.post(
        "/api/messages", json={"conversation_id": "conv-0003", "payload": payload}
    )
    assert response.status == 200
    assert stand_in.received[0]["message"] == payload
    assert stand_in.received[0]["metadata"]["apuri"]["detected"] is None


async def test_typed_slash_command_is_not_taken_as_a_payload(client: TestClient[Any, Any], rasa):
    stand_in, _ = rasa
    await client.post("/api/messages", json={"conversation_id": "conv-0004", "text": "/help"})
    assert stand_in.received[0]["message"] == "help"


@pytest.mark.parametrize("text", ["/ /affirm", " / / /affirm", "//affirm"])
async def test_slashes_and_spaces_cannot_smuggle_a_payload(
    client: TestClient[Any, Any], rasa, text: str
):
    stand_in, _ = rasa
    await client.post("/api/messages", json={"conversation_id": "conv-0004b", "text": text})
    assert stand_in.received[0]["message"] == "affirm"


async def test_only_slashes_is_a_clear_error(client: TestClient[Any, Any], rasa):
    stand_in, _ = rasa
    response = await client.post(
        "/api/messages", json={"conversation_id": "conv-0004c", "text": "/ / /"}
    )
    assert response.status == 422
    assert "no words" in (await response.text())
    assert stand_in.received == []


async def test_control_characters_are_removed(client: TestClient[Any, Any], rasa):
    stand_in, _ = rasa
    response = await client.post(
        "/api/messages", json={"conversation_id": "conv-0005", "text": "moi\x00\x07 \u200b"}
    )
    assert response.status == 200
    assert stand_in.received[0]["message"] == "moi"


async def test_retried_message_id_is_answered_once(client: TestClient[Any, Any], rasa):
    stand_in, _ = rasa
    message = {"conversation_id": "conv-0006", "text": "kiitos", "message_id": "m-1"}
    first = await client.post("/api/messages", json=message)
    second = await client.post("/api/messages", json=message)
    assert first.status == second.status == 200
    assert await first.json() == await second.json()
    assert len(stand_in.received) == 1


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (b"{not json", 400, None),
        (b"[1, 2, 3]", 400, None),
        (b'"just a string"', 400, None),
        (json.dumps({"conversation_id": "conv-0007", "text": 123}).encode(), 422, "text"),
        (json.dumps({"conversation_id": "conv-0007"}).encode(), 422, "body"),
        (json.dumps({"conversation_id": "x", "text": "moi"}).encode(), 422, "conversation_id"),
        (json.dumps({"text": "moi", "lang": "de"}).encode(), 422, "lang"),
        (json.dumps({"text": "moi", "lang": 7}).encode(), 422, "lang"),
        (json.dumps({"text": "moi", "colour": "red"}).encode(), 422, "colour"),
        (json.dumps({"text": "moi", "payload": "/help"}).encode(), 422, "body"),
    ],
)
async def test_bad_requests_get_clear_json_errors(
    client: TestClient[Any, Any], rasa, body: bytes, status: int, field: str | None
):
    stand_in, _ = rasa
    response = await client.post(
        "/api/messages", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status == status
    error = await response.json()
    assert error["error"] == "invalid_request"
    if field:
        assert field in {item["field"] for item in error["fields"]}, error
    assert stand_in.received == []


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("x" * 2001, "longer than 2000"),
        ("\x00\x01\x02", "empty"),
        ("   ", "empty"),
    ],
)
async def test_unusable_text_is_refused_without_echoing_it(
    client: TestClient[Any, Any], rasa, text: str, detail: str
):
    stand_in, _ = rasa
    response = await client.post("/api/messages", json={"text": text})
    assert response.status == 422
    raw = await response.text()
    assert detail in json.loads(raw)["detail"]
    assert "xxxx" not in raw
    assert stand_in.received == []


async def test_malformed_payload_is_refused(client: TestClient[Any, Any], rasa):
    stand_in, _ = rasa
    for payload in ("/help{not json}", "help", "/HELP", '/x{"a": 1}' + "y" * 600):
        response = await client.post("/api/messages", json={"payload": payload})
        assert response.status == 422, payload
    assert stand_in.received == []


async def test_huge_body_is_refused_with_413(client: TestClient[Any, Any], rasa):
    stand_in, _ = rasa
    body = json.dumps({"text": "a" * 200_000}).encode()
    response = await client.post(
        "/api/messages", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status == 413
    assert (await response.json())["error"]
    assert stand_in.received == []


async def test_rasa_down_gives_503_in_the_residents_language(
    aiohttp_client: Any, settings: Settings
):
    app = create_app(settings.with_(rasa_port=closed_port(), rasa_retry_seconds=0.3))
    client = await aiohttp_client(app)
    response = await client.post(
        "/api/messages",
        json={"conversation_id": "conv-0008", "text": "hej, jag vill boka en bastu i morgon"},
    )
    assert response.status == 503
    assert response.headers["Retry-After"] == "10"
    body = await response.json()
    assert body["error"] == "assistant_unavailable"
    assert body["lang"] == "sv"
    assert body["processed"] is False
    assert "Skicka det igen" in body["detail"]


async def test_rasa_failure_gives_502(client: TestClient[Any, Any], rasa):
    stand_in, _ = rasa
    stand_in.status = 500
    response = await client.post(
        "/api/messages", json={"conversation_id": "conv-0009", "text": "hello there, friend"}
    )
    assert response.status == 502
    body = await response.json()
    assert body["error"] == "assistant_failed"
    assert body["lang"] == "en"


async def test_health_reports_each_part(
    aiohttp_client: Any,
    settings: Settings,
    rasa: tuple[StandInRasa, TestServer],
    service_provider: ServiceSearchProvider,
):
    _, server = rasa
    app = create_app(
        settings.with_(
            rasa_port=server.port, actions_port=server.port, kb_dir=service_provider.index_dir
        )
    )
    client = await aiohttp_client(app)
    await app[SERVICES].get()  # loaded and warmed in the background since start-up
    response = await client.get("/health")
    body = await response.json()
    assert response.status == 200, body
    assert set(body["parts"]) == {"redis", "rasa", "actions", "database", "knowledge_base"}
    assert all(part["status"] == "ok" for part in body["parts"].values())


async def test_health_reports_a_missing_service_index(client: TestClient[Any, Any]):
    response = await client.get("/health")
    assert response.status == 503
    part = (await response.json())["parts"]["knowledge_base"]
    assert part["status"] == "failing"
    assert part["detail"] in {"loading", "no knowledge-base index: run 'apuri kb build'"}


async def test_health_is_503_when_rasa_and_actions_are_down(
    aiohttp_client: Any, settings: Settings
):
    port = closed_port()
    client = await aiohttp_client(create_app(settings.with_(rasa_port=port, actions_port=port)))
    response = await client.get("/health")
    assert response.status == 503
    parts = (await response.json())["parts"]
    assert parts["rasa"]["status"] == "failing"
    assert parts["actions"]["status"] == "failing"
    assert parts["redis"]["status"] == "ok"
    assert parts["database"]["status"] == "ok"


async def test_openapi_document_describes_the_messages_endpoint(client: TestClient[Any, Any]):
    response = await client.get("/api/openapi.json")
    document = await response.json()
    operation = document["paths"]["/api/messages"]["post"]
    assert set(operation["responses"]) >= {"200", "400", "413", "422", "503"}
    assert "MessageRequest" in document["components"]["schemas"]


async def test_unknown_api_path_is_a_json_404(client: TestClient[Any, Any]):
    response = await client.get("/api/nothing-here")
    assert response.status == 404
    assert (await response.json())["error"] == "not_found"


async def test_front_page_is_served_and_renders_text_safely(client: TestClient[Any, Any]):
    response = await client.get("/")
    assert response.status == 200
    page = await response.text()
    assert '<html lang="fi">' in page
    assert '<script src="/widget/apuri-widget.js" data-lang="fi" defer></script>' in page
    assert "innerHTML" not in page, "resident text must never be rendered as HTML"
    for word in ("Suomi", "Svenska", "English"):
        assert word in page
    widget = await (await client.get("/widget/apuri-widget.js")).text()
    assert "textContent" in widget
    assert "innerHTML" not in widget, "resident text must never be rendered as HTML"


async def test_health_checks_postgresql_when_configured(
    aiohttp_client: Any, settings: Settings, rasa: tuple[StandInRasa, TestServer]
):
    url = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    _, server = rasa
    app = create_app(
        settings.with_(database_url=url, rasa_port=server.port, actions_port=server.port)
    )
    client = await aiohttp_client(app)
    response = await client.get("/health")
    body = await response.json()
    assert body["parts"]["database"]["status"] == "ok", body


async def test_health_reports_an_unreachable_database(aiohttp_client: Any, settings: Settings):
    app = create_app(
        settings.with_(database_url=f"postgresql://nobody@127.0.0.1:{closed_port()}/x")
    )
    client = await aiohttp_client(app)
    response = await client.get("/health")
    assert response.status == 503
    assert (await response.json())["parts"]["database"]["status"] == "failing"
