"""The SMS and phone webhooks on the real gateway (real Redis, real SQLite), with requests
signed exactly as Twilio signs them (`twilio.request_validator.RequestValidator`).

The dialogue engine is a stand-in speaking Rasa's channel contract, so that each channel
rule can be checked on its own; whole conversations through the real Rasa are in
tests/e2e/test_phone_channels.py.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from assistant.gateway import create_app
from assistant.keys import DATABASE, SETTINGS
from assistant.settings import Settings
from channels.gsm import segments
from channels.phone_texts import TEXTS
from privacy.consent import stop_check
from privacy.models import SmsConsent
from store.db import sessions
from store.models import CallRecord, OutboxMessage
from store.outbox import LocalSender, OutboxWorker, enqueue
from tests.assistant.test_gateway import StandInRasa

TOKEN = "twilio-test-auth-token-0123456789"
BASE = "https://apuri.example.hel.fi"
PHONE = "+358401234567"
Client = TestClient[Any, Any]


class ScriptedRasa(StandInRasa):
    """Answers with `self.messages` (default: a short reply with one button)."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[dict[str, Any]] | None = None

    async def webhook(self, request: web.Request) -> web.Response:
        if self.messages is None:
            return await super().webhook(request)
        body = await request.json()
        self.received.append(body)
        lang = body["metadata"]["apuri"]["lang_explicit"] or "fi"
        return web.json_response({"messages": self.messages, "language": lang})


@pytest.fixture(autouse=True)
async def clean_redis(redis: Any) -> None:
    await redis.flushdb()


@pytest.fixture
async def rasa(aiohttp_server: Any) -> tuple[ScriptedRasa, TestServer]:
    stand_in = ScriptedRasa()
    return stand_in, await aiohttp_server(stand_in.app())


@pytest.fixture
async def client(
    aiohttp_client: Any, settings: Settings, rasa: tuple[ScriptedRasa, TestServer]
) -> Client:
    _, server = rasa
    app = create_app(
        settings.with_(
            rasa_port=server.port,
            actions_port=server.port,
            twilio_auth_token=TOKEN,
            public_base_url=BASE,
        )
    )
    result: Client = await aiohttp_client(app)
    return result


def signed(path: str, params: dict[str, str], token: str = TOKEN) -> dict[str, str]:
    signature = RequestValidator(token).compute_signature(BASE + path, params)
    return {"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"}


async def post(client: Client, path: str, params: dict[str, str], **kw: Any) -> tuple[int, str]:
    headers = kw.pop("headers", None) or signed(path, params)
    response = await client.post(path, data=urlencode(params), headers=headers)
    return response.status, await response.text()


sid_counter = iter(range(10_000, 99_999))


def sms(body: str, phone: str = PHONE) -> dict[str, str]:
    return {
        "MessageSid": f"SM{next(sid_counter):032d}",
        "From": phone,
        "To": "+358451112222",
        "Body": body,
    }


def message_of(twiml: str) -> str:
    found = re.search(r"<Message>(.*)</Message>", twiml, re.DOTALL)
    return "" if found is None else found.group(1).replace("&amp;", "&")


# --- authentication -------------------------------------------------------------------------


async def test_unsigned_forged_and_altered_requests_are_refused_before_rasa(
    client: Client, rasa: tuple[ScriptedRasa, TestServer]
) -> None:
    stand_in, _ = rasa
    params = sms("mistä saan pysäköintitunnuksen?")
    no_header = {"Content-Type": "application/x-www-form-urlencoded"}
    assert (await post(client, "/twilio/sms", params, headers=no_header))[0] == 403
    forged = signed("/twilio/sms", params, token="not-the-auth-token")
    assert (await post(client, "/twilio/sms", params, headers=forged))[0] == 403
    # A real signature, replayed with the body changed.
    original = signed("/twilio/sms", params)
    altered = {**params, "Body": "STOP"}
    assert (await post(client, "/twilio/sms", altered, headers=original))[0] == 403
    # Signed for another URL.
    elsewhere = signed("/twilio/voice", params)
    assert (await post(client, "/twilio/sms", params, headers=elsewhere))[0] == 403
    for path in ("/twilio/voice", "/twilio/voice/turn", "/twilio/voice/status"):
        call = {"CallSid": "CA" + "1" * 32, "From": PHONE}
        assert (await post(client, path, call, headers=forged))[0] == 403
    assert stand_in.received == []


async def test_without_twilio_configuration_the_webhooks_refuse(
    aiohttp_client: Any, settings: Settings
) -> None:
    client: Client = await aiohttp_client(create_app(settings))
    params = sms("hei")
    status, _ = await post(client, "/twilio/sms", params)
    assert status == 503


async def test_the_phone_number_is_neither_the_conversation_id_nor_logged(
    client: Client, rasa: tuple[ScriptedRasa, TestServer], caplog: pytest.LogCaptureFixture
) -> None:
    stand_in, _ = rasa
    caplog.set_level(logging.DEBUG)
    status, _ = await post(client, "/twilio/sms", sms("hei, mitä kuuluu?"))
    assert status == 200
    sender = stand_in.received[0]["sender"]
    assert sender.startswith("sms-")
    assert "401234567" not in sender
    assert "401234567" not in caplog.text
    assert "mitä kuuluu" not in caplog.text


# --- SMS ----------------------------------------------------------------------------------


async def test_buttons_become_numbered_choices_and_a_digit_chooses(
    client: Client, rasa: tuple[ScriptedRasa, TestServer]
) -> None:
    stand_in, _ = rasa
    status, twiml = await post(client, "/twilio/sms", sms("hei, mitä osaat?"))
    assert status == 200
    assert message_of(twiml) == "reply in fi\n1) Apua\nVastaa 1."
    await post(client, "/twilio/sms", sms("1"))
    assert stand_in.received[-1]["message"] == "/help"
    # A digit with nothing offered under it is an ordinary message.
    await post(client, "/twilio/sms", sms("7"))
    assert stand_in.received[-1]["message"] == "7"


async def test_stop_is_recorded_and_honoured_until_start(
    client: Client, rasa: tuple[ScriptedRasa, TestServer]
) -> None:
    stand_in, _ = rasa
    _, twiml = await post(client, "/twilio/sms", sms("LOPETA"))
    assert message_of(twiml) == TEXTS["stopped"]["fi"]
    database = client.app[DATABASE]
    async with sessions(database)() as session:
        rows = (await session.scalars(select(SmsConsent))).all()
    assert [(r.stopped, r.keyword) for r in rows] == [(True, "LOPETA")]
    assert PHONE not in rows[0].phone_key

    status, twiml = await post(client, "/twilio/sms", sms("mistä saan pysäköintitunnuksen?"))
    assert status == 200
    assert "<Message" not in twiml, "a stopped number gets no reply"
    assert stand_in.received == []

    # Nor any outbox message: the worker suppresses it, and says so.
    await enqueue(database, to_phone=PHONE, body="Varaus vahvistettu", lang="fi", kind="test")
    worker = OutboxWorker(database, LocalSender(), stopped=stop_check(client.app[SETTINGS].secret))
    assert await worker.send_due() == 1
    async with sessions(database)() as session:
        outbox = (await session.scalars(select(OutboxMessage))).all()
    assert [(m.status, m.last_error) for m in outbox] == [("suppressed", "recipient sent STOP")]

    _, twiml = await post(client, "/twilio/sms", sms("start"))
    assert message_of(twiml) == TEXTS["started"]["fi"]
    await post(client, "/twilio/sms", sms("mistä saan pysäköintitunnuksen?"))
    assert len(stand_in.received) == 1


@pytest.mark.parametrize(
    ("word", "key", "lang"),
    [("STOPP", "stopped", "sv"), ("Stop", "stopped", "fi"), ("HJÄLP", "help", "sv"),
     ("apua", "help", "fi"), ("HELP", "help", "en"), ("BÖRJA", "started", "sv")],
)  # fmt: skip
async def test_keywords_in_each_language(client: Client, word: str, key: str, lang: str) -> None:
    _, twiml = await post(client, "/twilio/sms", sms(word))
    expected = TEXTS[key][lang].format(phone="09 310 11111")  # type: ignore[index]
    assert message_of(twiml) == expected


async def test_one_number_writing_too_fast_is_slowed_down(
    client: Client, rasa: tuple[ScriptedRasa, TestServer]
) -> None:
    stand_in, _ = rasa
    replies = [message_of((await post(client, "/twilio/sms", sms(f"kysymys {n}")))[1])
               for n in range(8)]  # fmt: skip
    assert len(stand_in.received) == 6
    assert replies[6] == TEXTS["slow_down"]["fi"]
    assert replies[7] == "", "the warning is given once, then nothing"
    # Another number is not affected.
    await post(client, "/twilio/sms", sms("hei", phone="+358409876543"))
    assert len(stand_in.received) == 7


async def test_a_long_answer_fits_three_segments_and_the_rest_is_behind_a_link(
    client: Client, rasa: tuple[ScriptedRasa, TestServer]
) -> None:
    stand_in, _ = rasa
    long_text = " ".join(
        f"Lause {n}: pysäköintitunnuksen saa asukas, jonka koti on alueella “{n}” – ks. ohje."
        for n in range(12)
    )
    stand_in.messages = [{"text": long_text, "buttons": [{"title": "Lisää", "payload": "/more"}]}]
    _, twiml = await post(client, "/twilio/sms", sms("pysäköintitunnus"))
    sent = message_of(twiml)
    assert segments(sent) <= 3
    assert "“" not in sent and "–" not in sent, "look-alikes are written in GSM-7"
    assert sent.endswith("1) Lisää\nVastaa 1."), sent
    link = re.search(rf"{re.escape(BASE)}(/m/[A-Za-z0-9_-]+)", sent)
    assert link is not None, sent
    page = await client.get(link.group(1))
    assert page.status == 200
    body = await page.text()
    assert "Lause 11" in body and "&ldquo;" not in body and "“11”" in body
    assert (await client.get("/m/doesnotexist0")).status == 404


async def test_html_in_a_stored_answer_is_shown_as_text(
    client: Client, rasa: tuple[ScriptedRasa, TestServer]
) -> None:
    stand_in, _ = rasa
    stand_in.messages = [{"text": "<script>alert(1)</script> " + "pitkä vastaus " * 60}]
    _, twiml = await post(client, "/twilio/sms", sms("kerro"))
    link = re.search(rf"{re.escape(BASE)}(/m/[A-Za-z0-9_-]+)", message_of(twiml))
    assert link is not None
    body = await (await client.get(link.group(1))).text()
    assert "<script>alert" not in body and "&lt;script&gt;" in body


# --- voice --------------------------------------------------------------------------------

CALL = "CA" + "0123456789abcdef" * 2


def call(**extra: str) -> dict[str, str]:
    return {"CallSid": CALL, "From": PHONE, "To": "+358931011111", **extra}


async def test_a_call_is_greeted_with_a_language_choice(client: Client) -> None:
    status, twiml = await post(client, "/twilio/voice", call())
    assert status == 200
    assert '<Gather action="/twilio/voice/language"' in twiml
    assert 'input="speech dtmf"' in twiml
    for voice in ("Polly.Suvi-Neural", "Polly.Elin-Neural", "Polly.Amy-Neural"):
        assert f'voice="{voice}"' in twiml
    assert twiml.index("</Gather>") < twiml.index("<Redirect")


async def test_the_chosen_language_carries_every_turn(
    client: Client, rasa: tuple[ScriptedRasa, TestServer]
) -> None:
    stand_in, _ = rasa
    await post(client, "/twilio/voice", call())
    _, twiml = await post(client, "/twilio/voice/language", call(Digits="2"))
    assert 'language="sv-SE"' in twiml and TEXTS["how_can_i_help"]["sv"] in twiml
    _, twiml = await post(
        client, "/twilio/voice/turn", call(SpeechResult="hur ansöker jag om dagvård")
    )
    sent = stand_in.received[-1]
    assert sent["message"] == "hur ansöker jag om dagvård"
    assert sent["metadata"]["apuri"]["lang_explicit"] == "sv"
    assert sent["sender"].startswith("voice-") and "401234567" not in sent["sender"]
    assert "reply in sv" in twiml and "1, Apua" in twiml
    # Pressing the number of a choice sends its payload.
    await post(client, "/twilio/voice/turn", call(Digits="1"))
    assert stand_in.received[-1]["message"] == "/help"


async def test_spoken_language_name_is_understood(client: Client) -> None:
    await post(client, "/twilio/voice", call())
    _, twiml = await post(client, "/twilio/voice/language", call(SpeechResult="English please"))
    assert 'language="en-GB"' in twiml and TEXTS["how_can_i_help"]["en"] in twiml


async def test_zero_transfers_the_call_to_the_service_number(client: Client) -> None:
    await post(client, "/twilio/voice", call())
    await post(client, "/twilio/voice/language", call(Digits="1"))
    _, twiml = await post(client, "/twilio/voice/turn", call(Digits="0"))
    assert "<Dial>+358931011111</Dial>" in twiml
    assert TEXTS["transfer"]["fi"] in twiml


async def test_asking_for_a_person_transfers_the_call(
    client: Client, rasa: tuple[ScriptedRasa, TestServer]
) -> None:
    stand_in, _ = rasa
    handoff = {"kind": "helpline", "reason": "resident_asked"}
    stand_in.messages = [{"text": "Helsinki-info 09 310 11111.", "custom": {"handoff": handoff}}]
    await post(client, "/twilio/voice", call())
    await post(client, "/twilio/voice/language", call(Digits="1"))
    _, twiml = await post(client, "/twilio/voice/turn", call(SpeechResult="puhu ihmisen kanssa"))
    assert "<Dial>+358931011111</Dial>" in twiml


async def test_silence_is_asked_about_then_text_or_person_offered_then_goodbye(
    client: Client,
) -> None:
    await post(client, "/twilio/voice", call())
    await post(client, "/twilio/voice/language", call(Digits="3"))
    _, first = await post(client, "/twilio/voice/silence?step=turn", call())
    assert TEXTS["silence_1"]["en"] in first and "<Gather" in first
    _, second = await post(client, "/twilio/voice/silence?step=turn", call())
    assert TEXTS["silence_2"]["en"] in second
    # Pressing 1 now sends a text message the caller can answer.
    _, sent = await post(client, "/twilio/voice/turn", call(Digits="1"))
    assert TEXTS["text_sent"]["en"] in sent
    async with sessions(client.app[DATABASE])() as session:
        outbox = (await session.scalars(select(OutboxMessage))).all()
    assert [(m.kind, m.to_phone, m.lang) for m in outbox] == [("voice_answer", PHONE, "en")]
    assert outbox[0].body == TEXTS["text_invitation"]["en"]
    await post(client, "/twilio/voice/silence?step=turn", call())
    _, last = await post(client, "/twilio/voice/silence?step=turn", call())
    assert TEXTS["goodbye"]["en"] in last and "<Hangup" in last


async def test_a_long_answer_with_a_link_is_offered_as_a_text_message(
    client: Client, rasa: tuple[ScriptedRasa, TestServer]
) -> None:
    stand_in, _ = rasa
    answer = ("Pysäköintitunnus haetaan verkossa. " * 12) + "Hae: https://www.hel.fi/pysakointi"
    stand_in.messages = [{"text": answer, "buttons": [{"title": "Lisää", "payload": "/more"}]}]
    await post(client, "/twilio/voice", call())
    await post(client, "/twilio/voice/language", call(Digits="1"))
    _, twiml = await post(client, "/twilio/voice/turn", call(SpeechResult="pysäköintitunnus"))
    spoken = re.sub(r"<[^>]+>", " ", twiml)
    assert "https://" not in spoken, "links are not read out"
    assert TEXTS["offer_text"]["fi"].format(digit="2") in spoken
    _, sent = await post(client, "/twilio/voice/turn", call(Digits="2"))
    assert TEXTS["text_sent"]["fi"] in sent
    async with sessions(client.app[DATABASE])() as session:
        body = (await session.scalars(select(OutboxMessage.body))).one()
    assert "https://www.hel.fi/pysakointi" in body and segments(body) <= 3


async def test_status_callbacks_are_recorded(client: Client) -> None:
    await post(client, "/twilio/voice", call())
    await post(client, "/twilio/voice/language", call(Digits="1"))
    status, _ = await post(client, "/twilio/voice/status", call(CallStatus="completed",
                                                                 CallDuration="73"))  # fmt: skip
    assert status == 204
    async with sessions(client.app[DATABASE])() as session:
        records = (await session.scalars(select(CallRecord))).all()
    assert [(r.call_sid, r.status, r.duration_s, r.lang) for r in records] == [
        (CALL, "completed", 73, "fi")
    ]


@pytest.mark.parametrize(
    ("lang", "written", "spoken"),
    [
        ("fi", "Vahvistus lähetetään tekstiviestinä numeroon +358 40 *** **01.",
         "Vahvistus lähetetään tekstiviestinä numeroosi, joka päättyy 01."),
        ("en", "Book here:\nhttps://varaamo.hel.fi/x\n- Sauna", "Book here: the link is in the "
         "text message. Sauna."),
    ],
)  # fmt: skip
def test_written_replies_are_made_speakable(lang: str, written: str, spoken: str) -> None:
    from channels.voice_speech import speakable

    assert speakable(written, lang) == spoken  # type: ignore[arg-type]


async def test_every_channel_route_is_in_the_openapi_document(client: Client) -> None:
    document = await (await client.get("/api/openapi.json")).json()
    routes = {
        route.resource.canonical
        for route in client.app.router.routes()
        if route.resource is not None and route.resource.canonical.startswith(("/twilio", "/ws"))
    }
    assert routes == {
        "/twilio/sms",
        "/twilio/voice",
        "/twilio/voice/language",
        "/twilio/voice/turn",
        "/twilio/voice/silence",
        "/twilio/voice/status",
        "/ws/chat",
    }
    assert routes <= set(document["paths"])


async def test_a_caller_asking_for_a_nurse_gets_the_link_by_text_not_a_transfer(
    client: Client, rasa: tuple[ScriptedRasa, TestServer]
) -> None:
    stand_in, _ = rasa
    link = f"{BASE}/call/abcdefgh.c.l.1796190621.signature?lang=fi"
    handoff = {"kind": "nurse", "reason": "resident_asked", "join_url": link}
    stand_in.messages = [
        {"text": f"Pyyntösi on hoitajien jonossa. Avaa videopuhelu: {link}",
         "custom": {"handoff": handoff}}
    ]  # fmt: skip
    await post(client, "/twilio/voice", call())
    await post(client, "/twilio/voice/language", call(Digits="1"))
    _, twiml = await post(client, "/twilio/voice/turn", call(SpeechResult="hoitaja"))
    assert "<Dial" not in twiml
    assert TEXTS["offer_text"]["fi"].format(digit="1") in twiml
    await post(client, "/twilio/voice/turn", call(Digits="1"))
    async with sessions(client.app[DATABASE])() as session:
        body = (await session.scalars(select(OutboxMessage.body))).one()
    assert link in body
