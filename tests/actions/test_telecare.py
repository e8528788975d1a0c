"""`action_request_nurse` with a real Redis: the request is queued and the link works."""

from __future__ import annotations

import re
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from redis.asyncio import Redis

from actions.telecare import TEXTS, ActionRequestNurse, urgency_of
from assistant.replies import AssistantResponse, Reply
from channels import sms
from channels.gsm import segments
from telecare.queue import CallQueue
from telecare.tokens import verify
from tests.telecare.conftest import TELECARE_REDIS_URL
from texts import Language

SECRET = "action-test-secret-0123456789abcdef0123"


def _user(text: str, intent: str) -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


def _tracker(lang: str, events: list[dict[str, Any]], channel: str = "web") -> Tracker:
    return Tracker(
        sender_id="conversation-1",
        slots={"language": lang},
        latest_message={"text": "/affirm", "metadata": {"channel": channel}},
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name=None,
    )


@pytest.fixture
async def queue_redis(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("REDIS_URL", TELECARE_REDIS_URL)
    monkeypatch.setenv("APURI_SECRET_KEY", SECRET)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://apuri.example.hel.fi")
    client = Redis.from_url(TELECARE_REDIS_URL)
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


async def test_a_confirmed_request_is_queued_with_a_join_link(queue_redis: Redis) -> None:
    dispatcher = CollectingDispatcher()
    events = [
        _user("moi", "greet"),
        _user("äiti kaatui eilen ja haluan puhua hoitajan kanssa", "request_nurse"),
        _user("/affirm", "affirm"),
    ]
    await ActionRequestNurse().run(dispatcher, _tracker("fi", events, "sms"), {})

    [message] = dispatcher.messages
    link = re.search(r"https://apuri\.example\.hel\.fi/call/(\S+)\?lang=fi", message["text"])
    assert link is not None, message["text"]
    assert "112" in message["text"]
    custom = message["custom"]
    assert custom["handoff"]["kind"] == "nurse" and custom["join_url"] == link.group(0)
    assert custom["card"]["links"][0]["url"] == link.group(0)

    [waiting] = await CallQueue(queue_redis, "helsinki").waiting()
    assert waiting.reason == "äiti kaatui eilen ja haluan puhua hoitajan kanssa"
    assert waiting.summary == "moi\näiti kaatui eilen ja haluan puhua hoitajan kanssa"
    assert (waiting.lang, waiting.channel, waiting.urgency) == ("fi", "sms", "soon")
    token = verify(SECRET.encode(), link.group(1), purpose="link")
    assert token.room == waiting.room and token.role == "client"


@pytest.mark.parametrize(
    ("lang", "words"), [("sv", "Öppna videosamtalet"), ("en", "Open the video call")]
)
async def test_the_reply_is_in_the_conversations_language(
    queue_redis: Redis, lang: str, words: str
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionRequestNurse().run(
        dispatcher, _tracker(lang, [_user("nurse", "request_nurse")]), {}
    )
    assert dispatcher.messages[0]["custom"]["card"]["links"][0]["title"] == words


async def test_without_redis_the_resident_gets_a_phone_number(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("APURI_SECRET_KEY", SECRET)
    dispatcher = CollectingDispatcher()
    await ActionRequestNurse().run(
        dispatcher, _tracker("en", [_user("nurse", "request_nurse")]), {}
    )
    assert "could not be reached" in dispatcher.messages[0]["text"]
    assert dispatcher.messages[0]["custom"]["handoff"]["kind"] == "helpline"


def test_urgency_words_in_three_languages() -> None:
    assert urgency_of("isä kaatui") == "soon"
    assert urgency_of("han föll i badrummet") == "soon"
    assert urgency_of("she is in pain") == "soon"
    assert urgency_of("haluan kysyä käynnistä") == "normal"


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
@pytest.mark.parametrize("key", ["queued", "failed"])
def test_the_texts_fit_a_text_message_with_a_real_link(lang: Language, key: str) -> None:
    link = "https://apuri.example.hel.fi/call/" + "a" * 16 + ".c.l.1764660000." + "B" * 22
    text = TEXTS[key][lang].format(link=link, phone="+358 9 310 11111")
    response = AssistantResponse(
        conversation_id="render-test",
        lang=lang,
        replies=[Reply(text=text)],
    )
    body, buttons = sms.compose(response)
    message = sms.render(body, buttons, response.lang, "https://apuri.example.hel.fi/m/x")
    assert segments(message) <= sms.MAX_SEGMENTS
    if key == "queued":
        assert link in message, "the SMS carries the whole join link"
