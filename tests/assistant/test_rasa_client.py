"""The gateway's Rasa client against a small server speaking Apuri's channel contract: what
is retried (Rasa did not process the message) and what is not (Rasa may have acted)."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from assistant.rasa_client import RasaClient, RasaFailed, RasaUnavailable

ANSWER = {"messages": [{"recipient_id": "api-x", "text": "Kyllä."}], "language": "fi"}


class ScriptedChannel:
    """Answers each message with the next (status, body) of its script, then 200."""

    def __init__(self, script: list[tuple[int, Any]]) -> None:
        self.script = list(script)
        self.calls = 0

    async def webhook(self, request: web.Request) -> web.Response:
        self.calls += 1
        status, body = self.script.pop(0) if self.script else (200, ANSWER)
        if isinstance(body, str):
            return web.Response(status=status, text=body)
        return web.json_response(body, status=status)


async def client_for(
    aiohttp_server: Any, channel: ScriptedChannel, retry_seconds: float = 2.0
) -> tuple[RasaClient, aiohttp.ClientSession]:
    app = web.Application()
    app.router.add_post("/webhooks/apuri/webhook", channel.webhook)
    server: TestServer = await aiohttp_server(app)
    session = aiohttp.ClientSession()
    client = RasaClient(
        session, str(server.make_url("/")), "token", timeout=5, retry_seconds=retry_seconds
    )
    return client, session


ROLLED_BACK = (503, {"error": "actions_unavailable", "processed": False})


async def test_a_rolled_back_turn_is_sent_again_until_rasa_processes_it(
    aiohttp_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    channel = ScriptedChannel([ROLLED_BACK, ROLLED_BACK])
    client, session = await client_for(aiohttp_server, channel)
    with caplog.at_level(logging.WARNING, logger="assistant.rasa_client"):
        turn = await client.send("api-x", "kyllä", {})
    await session.close()
    assert channel.calls == 3
    assert turn.language == "fi"
    assert [r.text for r in turn.replies] == ["Kyllä."]
    retries = [getattr(r, "apuri_fields", {}) for r in caplog.records if r.msg == "rasa.retry"]
    assert [fields["reason"] for fields in retries] == ["actions_unavailable"] * 2


async def test_actions_that_stay_unavailable_end_as_not_processed(aiohttp_server: Any) -> None:
    channel = ScriptedChannel([ROLLED_BACK] * 50)
    client, session = await client_for(aiohttp_server, channel, retry_seconds=0.5)
    with pytest.raises(RasaUnavailable) as raised:
        await client.send("api-x", "kyllä", {})
    await session.close()
    assert raised.value.reason == "actions_unavailable"
    assert channel.calls >= 2


@pytest.mark.parametrize(
    ("body", "reason"),
    [({"error": "loading", "processed": False}, "loading"), ("Service Unavailable", "loading")],
)
async def test_a_503_without_apuri_s_body_is_rasa_loading(
    aiohttp_server: Any, body: Any, reason: str
) -> None:
    channel = ScriptedChannel([(503, body)] * 50)
    client, session = await client_for(aiohttp_server, channel, retry_seconds=0.3)
    with pytest.raises(RasaUnavailable) as raised:
        await client.send("api-x", "moi", {})
    await session.close()
    assert raised.value.reason == reason


async def test_an_error_after_rasa_took_the_message_is_not_sent_again(
    aiohttp_server: Any,
) -> None:
    channel = ScriptedChannel([(500, {"error": "processing_failed"})])
    client, session = await client_for(aiohttp_server, channel)
    with pytest.raises(RasaFailed):
        await client.send("api-x", "kyllä", {})
    await session.close()
    assert channel.calls == 1
