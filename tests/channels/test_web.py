"""The web chat channel's WebSocket `/ws/chat` and HTTP fallback, on the real gateway app.

Real Redis and SQLite; Rasa is not running (its port is closed), so everything checked here
is the channel's own behaviour: frames refused before they reach the dialogue, answers
replayed by message_id from core's cache in Redis, and Apuri's own words when Rasa is down.
The conversation with the real dialogue is in tests/e2e/test_widget.py.
"""

from __future__ import annotations

import json
import socket
import uuid
from typing import Any

import pytest
from aiohttp import WSCloseCode, WSMsgType
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from assistant.gateway import create_app
from assistant.messages import MESSAGES
from assistant.replies import AssistantResponse, Button, Reply
from assistant.settings import Settings
from channels.web_frames import MAX_FRAME_BYTES, MAX_INVALID_FRAMES
from channels.web_texts import ERROR_TEXTS
from texts import Language


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
async def client(aiohttp_client: Any, settings: Settings) -> TestClient[Any, Any]:
    app = create_app(
        settings.with_(rasa_port=closed_port(), actions_port=closed_port(), rasa_retry_seconds=0.3)
    )
    result: TestClient[Any, Any] = await aiohttp_client(app)
    return result


def conversation() -> str:
    return "test-" + uuid.uuid4().hex[:16]


def message(conversation_id: str, message_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "conversation_id": conversation_id,
        "message_id": message_id,
        **fields,
    }


async def frame(ws: Any) -> dict[str, Any]:
    received = await ws.receive(timeout=10)
    assert received.type is WSMsgType.TEXT, received
    body: dict[str, Any] = json.loads(received.data)
    return body


async def cache_answer(redis: Redis, conversation_id: str, message_id: str) -> AssistantResponse:
    """An answer as core caches it after Rasa answered message_id in the web conversation."""
    response = AssistantResponse(
        conversation_id=conversation_id,
        lang="sv",
        replies=[
            Reply(text="Hej! Jag är Apuri.", buttons=[Button(title="Vad kan du?", payload="/help")])
        ],
    )
    key = f"apuri:reply:web-{conversation_id}:{message_id}"
    await redis.set(key, response.model_dump_json(), ex=60)
    return response


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ("{not json", "invalid_request"),
        ("[1, 2]", "invalid_request"),
        ('"text"', "invalid_request"),
        (json.dumps({"type": "message", "text": "moi"}), "invalid_request"),
        (json.dumps(message("conv-00001", "m-1")), "invalid_request"),
        (json.dumps(message("conv-00001", "m-1", text="moi", payload="/help")), "invalid_request"),
        (json.dumps(message("x", "m-1", text="moi")), "invalid_request"),
        (json.dumps(message("conv-00001", "m 1", text="moi")), "invalid_request"),
        (json.dumps(message("conv-00001", "m-1", text="moi", lang="de")), "invalid_request"),
        (json.dumps(message("conv-00001", "m-1", text=7)), "invalid_request"),
        (json.dumps(message("conv-00001", "m-1", text="moi", colour="red")), "invalid_request"),
        (json.dumps({"type": "subscribe", "message_id": "m-2"}), "unknown_type"),
        (json.dumps({"message_id": "m-2"}), "unknown_type"),
    ],
)
async def test_a_frame_that_is_not_a_message_gets_an_error_frame_in_the_sockets_language(
    client: TestClient[Any, Any], data: str, code: str
):
    async with client.ws_connect("/ws/chat?lang=sv") as ws:
        await ws.send_str(data)
        error = await frame(ws)
        assert error["type"] == "error"
        assert error["code"] == code
        assert error["text"] == ERROR_TEXTS[code]["sv"]
        assert error["lang"] == "sv"
        assert error["retry"] is False
        # The socket stays open for the next frame.
        await ws.send_str(json.dumps({"type": "ping"}))
        assert await frame(ws) == {"type": "pong"}


async def test_unknown_type_names_the_message_it_refuses(client: TestClient[Any, Any]):
    async with client.ws_connect("/ws/chat") as ws:
        await ws.send_str(json.dumps({"type": "subscribe", "message_id": "m-7"}))
        error = await frame(ws)
        assert (error["code"], error["message_id"], error["lang"]) == ("unknown_type", "m-7", "fi")


@pytest.mark.parametrize(
    ("text", "lang"),
    [("   ", "fi"), ("\x00\x07\u200b", "en"), ("x" * 2001, "sv")],
)
async def test_empty_or_too_long_text_is_refused_without_echoing_it(
    client: TestClient[Any, Any], text: str, lang: Language
):
    async with client.ws_connect("/ws/chat") as ws:
        await ws.send_str(json.dumps(message(conversation(), "m-1", text=text, lang=lang)))
        assert await frame(ws) == {"type": "typing", "message_id": "m-1"}
        raw = await ws.receive(timeout=10)
        error = json.loads(raw.data)
        assert error["code"] == "invalid_message"
        assert error["message_id"] == "m-1"
        assert error["text"] == ERROR_TEXTS["invalid_message"][lang].format(max_chars=2000)
        assert "xxxx" not in raw.data


async def test_a_frame_over_the_size_limit_closes_the_socket_with_1009(
    client: TestClient[Any, Any],
):
    async with client.ws_connect("/ws/chat") as ws:
        await ws.send_str(json.dumps(message(conversation(), "m-1", text="a" * MAX_FRAME_BYTES)))
        closed = await ws.receive(timeout=10)
        assert closed.type is WSMsgType.CLOSE
        assert closed.data == WSCloseCode.MESSAGE_TOO_BIG


async def test_binary_frames_are_refused_and_close_the_socket(client: TestClient[Any, Any]):
    async with client.ws_connect("/ws/chat?lang=en") as ws:
        await ws.send_bytes(b"\x00\x01")
        assert (await frame(ws))["code"] == "invalid_request"
        closed = await ws.receive(timeout=10)
        assert (closed.type, closed.data) == (WSMsgType.CLOSE, WSCloseCode.UNSUPPORTED_DATA)


async def test_repeated_invalid_frames_close_the_socket_politely(client: TestClient[Any, Any]):
    async with client.ws_connect("/ws/chat") as ws:
        for _ in range(MAX_INVALID_FRAMES):
            await ws.send_str("nonsense")
        for _ in range(MAX_INVALID_FRAMES):
            assert (await frame(ws))["code"] == "invalid_request"
        closed = await ws.receive(timeout=10)
        assert (closed.type, closed.data) == (WSMsgType.CLOSE, WSCloseCode.POLICY_VIOLATION)


async def test_a_flood_of_messages_is_refused_and_closes_the_socket(
    client: TestClient[Any, Any],
):
    conversation_id = conversation()
    async with client.ws_connect("/ws/chat") as ws:
        for number in range(30):
            await ws.send_str(json.dumps(message(conversation_id, f"m-{number}", payload="/help")))
        frames = []
        while True:
            received = await ws.receive(timeout=30)
            if received.type is not WSMsgType.TEXT:
                break
            frames.append(json.loads(received.data))
        assert (received.type, received.data) == (WSMsgType.CLOSE, WSCloseCode.POLICY_VIOLATION)
        assert any(f["type"] == "error" and f["code"] == "rate_limited" for f in frames), frames


async def test_a_resent_message_id_is_answered_from_the_first_answer(
    client: TestClient[Any, Any], redis: Redis
):
    # Rasa is down: only the answer cached under this message_id can come back.
    conversation_id = conversation()
    first = await cache_answer(redis, conversation_id, "m-1")
    for _ in range(2):  # as after a reconnect: a new socket, the same message again
        async with client.ws_connect("/ws/chat") as ws:
            await ws.send_str(json.dumps(message(conversation_id, "m-1", text="hej")))
            assert await frame(ws) == {"type": "typing", "message_id": "m-1"}
            reply = await frame(ws)
            assert reply == {
                "type": "reply",
                "message_id": "m-1",
                "response": first.model_dump(mode="json"),
            }


async def test_rasa_down_is_an_error_frame_in_apuris_words_that_may_be_retried(
    client: TestClient[Any, Any], settings: Settings
):
    async with client.ws_connect("/ws/chat") as ws:
        await ws.send_str(
            json.dumps(message(conversation(), "m-9", text="hej, jag vill boka en bastu i morgon"))
        )
        assert (await frame(ws))["type"] == "typing"
        error = await frame(ws)
        assert error == {
            "type": "error",
            "message_id": "m-9",
            "code": "assistant_unavailable",
            "text": MESSAGES["unavailable"]["sv"].format(phone=settings.helpline_phone),
            "lang": "sv",
            "retry": True,
        }


async def test_http_fallback_answers_in_the_same_web_conversation(
    client: TestClient[Any, Any], redis: Redis
):
    conversation_id = conversation()
    first = await cache_answer(redis, conversation_id, "m-1")
    response = await client.post(
        "/api/web/messages",
        json={"conversation_id": conversation_id, "message_id": "m-1", "text": "hej"},
        headers={"Origin": "https://www.hel.fi"},
    )
    assert response.status == 200
    assert await response.json() == first.model_dump(mode="json")
    assert response.headers["Access-Control-Allow-Origin"] == "*"

    preflight = await client.options(
        "/api/web/messages",
        headers={"Origin": "https://www.hel.fi", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status == 204
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]

    bad = await client.post("/api/web/messages", json={"text": "moi", "lang": "de"})
    assert bad.status == 422


async def test_widget_files_are_served(client: TestClient[Any, Any]):
    script = await client.get("/widget/apuri-widget.js")
    assert script.status == 200
    assert script.content_type in {"application/javascript", "text/javascript"}
    assert "innerHTML" not in await script.text()
    style = await client.get("/widget/apuri-widget.css")
    assert (style.status, style.content_type) == (200, "text/css")
    missing = await client.get("/widget/../gateway.py")
    assert missing.status in {403, 404}
