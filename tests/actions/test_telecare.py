"""`action_request_nurse` with a real Redis: the request is queued and the link works."""

from __future__ import annotations

import re
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from redis.asyncio import Redis

from actions.deps import Dependencies
from actions.telecare import TEXTS, ActionRequestNurse, urgency_of
from assistant.replies import AssistantResponse, Reply
from assistant.settings import Settings
from channels import sms
from channels.gsm import segments
from telecare.queue import CallQueue
from telecare.tokens import verify
from tests.actions.deps import dependencies
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
async def queue_redis() -> Any:
    client = Redis.from_url(TELECARE_REDIS_URL)
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


@pytest.fixture
def deps(settings: Settings, queue_redis: Redis) -> Dependencies:
    """The nurses' queue on the telecare test Redis, links on a public address."""
    public = settings.with_(secret_key=SECRET, public_base_url="https://apuri.example.hel.fi")
    return dependencies(public, redis=queue_redis, calls=CallQueue(queue_redis, "helsinki"))


async def test_a_confirmed_request_is_queued_with_a_join_link(
    deps: Dependencies, queue_redis: Redis
) -> None:
    dispatcher = CollectingDispatcher()
    events = [
        _user("moi", "greet"),
        _user("äiti kaatui eilen ja haluan puhua hoitajan kanssa", "request_nurse"),
        _user("/affirm", "affirm"),
    ]
    await ActionRequestNurse(deps).run(dispatcher, _tracker("fi", events, "sms"), {})

    [message] = dispatcher.messages
    link = re.search(r"https://apuri\.example\.hel\.fi/call/(\S+)\?lang=fi", message["text"])
    assert link is not None, message["text"]
    assert "112" in message["text"]
    custom = message["custom"]
    assert custom["handoff"]["kind"] == "nurse" and custom["handoff"]["join_url"] == link.group(0)
    assert custom["card"]["links"][0]["url"] == link.group(0)
    read_back = Reply.from_rasa(message)
    assert read_back.handoff is not None and read_back.handoff.join_url == link.group(0)
    assert read_back.handoff.urgency == "soon", "the gateway keeps what the action sent"

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
    deps: Dependencies, lang: str, words: str
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionRequestNurse(deps).run(
        dispatcher, _tracker(lang, [_user("nurse", "request_nurse")]), {}
    )
    assert dispatcher.messages[0]["custom"]["card"]["links"][0]["title"] == words


async def test_without_redis_the_resident_gets_a_phone_number(settings: Settings) -> None:
    down = Redis.from_url("redis://127.0.0.1:1/0", socket_timeout=5)
    deps = dependencies(settings, redis=down, calls=CallQueue(down, "helsinki"))
    dispatcher = CollectingDispatcher()
    await ActionRequestNurse(deps).run(
        dispatcher, _tracker("en", [_user("nurse", "request_nurse")]), {}
    )
    await down.aclose()
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
