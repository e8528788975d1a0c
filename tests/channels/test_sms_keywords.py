"""Which text messages are STOP, START or HELP: the keyword alone, however it is typed.

A phone's keyboard, autocorrect or a copy from elsewhere can add width, accents, zero-width
characters, spaces between the letters, punctuation or an emoji; the resident still meant
the keyword. A message with any other word in it is an ordinary message for the dialogue,
and "yes" is always an answer, never an opt-in.
"""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from assistant.keys import DATABASE
from channels.phone_texts import TEXTS
from channels.sms import keyword, keyword_language
from privacy.models import SmsConsent
from store.db import sessions
from tests.channels import test_twilio as twilio
from tests.channels.test_twilio import Client, ScriptedRasa, message_of, post, sms

# The gateway with a stand-in Rasa and signed Twilio requests, as in test_twilio.py.
clean_redis, rasa, client = twilio.clean_redis, twilio.rasa, twilio.client

ZWSP, ZWJ, WJ, SHY, BOM, NBSP = "\u200b", "\u200d", "\u2060", "\u00ad", "\ufeff", "\u00a0"

# (message, (kind, keyword) it is) per language.
MATCHES: dict[str, list[tuple[str, tuple[str, str]]]] = {
    "en": [
        ("STOP", ("stop", "STOP")),
        ("stop", ("stop", "STOP")),
        ("Stop.", ("stop", "STOP")),
        ("stop!!! 🛑", ("stop", "STOP")),
        ("  STOP\n", ("stop", "STOP")),
        ("ＳＴＯＰ", ("stop", "STOP")),  # full width
        (f"S{ZWSP}TOP", ("stop", "STOP")),
        (f"ST{ZWJ}O{WJ}P{BOM}", ("stop", "STOP")),
        (f"st{SHY}op", ("stop", "STOP")),
        ("S T O P", ("stop", "STOP")),
        (f"S{NBSP}T\tO P", ("stop", "STOP")),
        ("S.T.O.P", ("stop", "STOP")),
        ("«STOP»", ("stop", "STOP")),
        ("𝐒𝐓𝐎𝐏", ("stop", "STOP")),  # mathematical bold
        ("ЅТОР", ("stop", "STOP")),  # Cyrillic look-alike capitals
        ("STOP ALL", ("stop", "STOPALL")),
        ("stopall", ("stop", "STOPALL")),
        ("Unsubscribe", ("stop", "UNSUBSCRIBE")),
        ("cancel", ("stop", "CANCEL")),
        ("END.", ("stop", "END")),
        ("quit", ("stop", "QUIT")),
        ("opt-out", ("stop", "OPTOUT")),
        ("OPT OUT", ("stop", "OPTOUT")),
        ("revoke", ("stop", "REVOKE")),
        ("START", ("start", "START")),
        ("start 👍", ("start", "START")),
        ("Unstop", ("start", "UNSTOP")),
        ("help?", ("help", "HELP")),
        ("HELP", ("help", "HELP")),
        ("info", ("help", "INFO")),
    ],
    "fi": [
        ("LOPETA", ("stop", "LOPETA")),
        ("Lopeta.", ("stop", "LOPETA")),
        ("lopeta 🙏", ("stop", "LOPETA")),
        ("ＬＯＰＥＴＡ", ("stop", "LOPETA")),
        (f"lo{ZWSP}peta", ("stop", "LOPETA")),
        ("L O P E T A", ("stop", "LOPETA")),
        ("loppu", ("stop", "LOPPU")),
        ("LOPPU!", ("stop", "LOPPU")),
        ("Aloita", ("start", "ALOITA")),
        ("apua", ("help", "APUA")),
        ("Ohje?", ("help", "OHJE")),
    ],
    "sv": [
        ("STOPP", ("stop", "STOPP")),
        ("stopp.", ("stop", "STOPP")),
        ("Stopp ✋", ("stop", "STOPP")),
        ("ＳＴＯＰＰ", ("stop", "STOPP")),
        ("avsluta", ("stop", "AVSLUTA")),
        ("A V S L U T A", ("stop", "AVSLUTA")),
        ("BÖRJA", ("start", "BÖRJA")),
        ("börja", ("start", "BÖRJA")),
        ("borja", ("start", "BÖRJA")),
        ("Bo\u0308rja", ("start", "BÖRJA")),  # ö written as o and a combining diaeresis
        ("HJÄLP", ("help", "HJÄLP")),
        ("hjalp", ("help", "HJÄLP")),
    ],
}

# Messages that are not a keyword: they go to the dialogue as they are.
ORDINARY: dict[str, list[str]] = {
    "en": [
        "stop the booking",
        "please stop",
        "STOP STOP",
        "cancel my booking",
        "how do I cancel?",
        "the end",
        "help me find a library",
        "yes",
        "YES",
        "Yes!",
        "start time 18",
        "stopping",
        "ST0P",  # a zero, not the letter O
        "",
        "   ",
        "🛑",
        "1",
    ],
    "fi": [
        "lopeta varaus",
        "haluan lopettaa",
        "kyllä",
        "apua kirjaston löytämiseen",
        "loppuuko uimahallin vuoro?",
        "aloitan huomenna",
    ],
    "sv": [
        "avsluta bokningen",
        "ja",
        "börja om",
        "hjälp mig att boka",
        "stopp på bussen?",
    ],
}


@pytest.mark.parametrize(
    ("lang", "body", "expected"),
    [(lang, body, expected) for lang, cases in MATCHES.items() for body, expected in cases],
)
def test_a_keyword_is_recognised_however_it_is_typed(
    lang: str, body: str, expected: tuple[str, str]
) -> None:
    assert keyword(body) == expected, f"{lang}: {body!r} should be {expected}"


@pytest.mark.parametrize(
    ("lang", "body"), [(lang, body) for lang, bodies in ORDINARY.items() for body in bodies]
)
def test_a_message_with_other_words_is_not_a_keyword(lang: str, body: str) -> None:
    assert keyword(body) is None, f"{lang}: {body!r} is an ordinary message"


def test_a_long_message_is_never_read_as_a_keyword() -> None:
    assert keyword("S" + " " * 80 + "TOP") is None


@pytest.mark.parametrize(
    ("body", "lang"),
    [("LOPETA", "fi"), ("lopeta 🙏", "fi"), ("ＳＴＯＰＰ", "sv"), ("borja", "sv"),
     ("hjalp", "sv"), ("cancel", "en"), ("STOP ALL", "sv"), ("S T O P", "sv")],
)  # fmt: skip
def test_the_reply_is_in_the_keywords_language_or_the_conversations(body: str, lang: str) -> None:
    said = keyword(body)
    assert said is not None
    # STOP and STOPALL are written alike in every language: the conversation's is kept.
    assert keyword_language(said[1], remembered="sv", default="fi") == lang


async def test_a_disguised_stop_through_the_webhook_is_recorded_and_honoured(
    client: Client, rasa: tuple[ScriptedRasa, TestServer]
) -> None:
    stand_in, _ = rasa
    _, twiml = await post(client, "/twilio/sms", sms(f"Ｌｏｐｅｔａ{ZWSP} 🙏"))
    assert message_of(twiml) == TEXTS["stopped"]["fi"]
    async with sessions(client.app[DATABASE])() as session:
        rows = (await session.scalars(select(SmsConsent))).all()
    assert [(r.stopped, r.keyword) for r in rows] == [(True, "LOPETA")]
    _, twiml = await post(client, "/twilio/sms", sms("yes"))
    assert "<Message" not in twiml and stand_in.received == [], "yes is no opt-in"
    _, twiml = await post(client, "/twilio/sms", sms("stop the booking"))
    assert "<Message" not in twiml, "still stopped: an ordinary message gets no reply"
    _, twiml = await post(client, "/twilio/sms", sms("S T A R T"))
    assert message_of(twiml) == TEXTS["started"]["fi"]
