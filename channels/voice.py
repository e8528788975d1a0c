"""The phone channel (Twilio Programmable Voice): `POST /twilio/voice` and its follow-ups.

A call starts with a greeting and a language choice (keys 1 suomi, 2 svenska, 3 English, or
the spoken name), then each turn is a `<Gather input="speech dtmf">` in the caller's
language whose speech result goes through the same assistant entry point as every channel.
Replies are spoken short and plain with the language's neural voice: buttons become
numbered choices, links are never read out, and a long answer offers itself as a text
message (sent through the outbox). Silence is asked about once, then text or a person is
offered; "0", or asking for a person, transfers the call to the city's service number.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from typing import Any, cast

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine
from twilio.twiml.voice_response import Gather, VoiceResponse

from assistant.core import AssistantFailed, AssistantUnavailable, Inbound, InvalidMessage
from assistant.keys import ASSISTANT, DATABASE, REDIS, SETTINGS
from assistant.logs import event, pseudonym
from assistant.messages import message
from assistant.replies import AssistantResponse
from channels import sms
from channels.gsm import to_gsm7
from channels.phone_state import CHOICE_DIGITS, conversation_of
from channels.phone_texts import text
from channels.twilio_auth import verified_form
from privacy.consent import is_sms_stopped
from privacy.phones import InvalidPhone, dialable, normalise_phone
from store.db import sessions
from store.models import CallRecord
from store.outbox import enqueue
from texts import Language

logger = logging.getLogger(__name__)

CHANNEL = "voice"
CALL_TTL_S = 4 * 3600
MAX_SPOKEN_CHARS = 320
GATHER_TIMEOUT_S = 6
VOICES: dict[Language, tuple[str, str]] = {
    "fi": ("Polly.Suvi-Neural", "fi-FI"),
    "sv": ("Polly.Elin-Neural", "sv-SE"),
    "en": ("Polly.Amy-Neural", "en-GB"),
}
LANGUAGE_KEYS: dict[str, Language] = {"1": "fi", "2": "sv", "3": "en"}
LANGUAGE_WORDS: dict[Language, tuple[str, ...]] = {
    "fi": ("suomi", "suomeksi", "finska", "finnish", "yksi"),
    "sv": ("svenska", "ruotsi", "ruotsiksi", "swedish", "två"),
    "en": ("english", "englanti", "englanniksi", "engelska", "three"),
}
_URL = re.compile(r"https?://\S+|www\.\S+")
_MASKED_PHONE = re.compile(r"(?:numeroon )?\+\d{1,3} \d{1,3} \*+ \*+(\d{2})")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


# --- rendering ----------------------------------------------------------------------------


def speakable(written: str, lang: Language) -> str:
    """Written text as it is spoken: links named, not read; a masked phone number by its
    last digits (no asterisks read aloud); lines joined into sentences."""
    spoken = _URL.sub(text("link_in_text", lang), written)
    spoken = _MASKED_PHONE.sub(lambda m: text("number_ending", lang, digits=m[1]), spoken)
    lines = [line.strip(" -•*") for line in spoken.splitlines()]
    sentences = [
        line if line.endswith((".", "!", "?", ":")) else f"{line}." for line in lines if line
    ]
    return re.sub(r"\s+", " ", " ".join(sentences)).strip()


def shorten_spoken(spoken: str, limit: int = MAX_SPOKEN_CHARS) -> tuple[str, bool]:
    """At most `limit` characters, ending at a sentence; and whether anything was left out."""
    if len(spoken) <= limit:
        return spoken, False
    kept = ""
    for sentence in _SENTENCE_END.split(spoken):
        if len(kept) + len(sentence) + 1 > limit:
            break
        kept = f"{kept} {sentence}".strip()
    if not kept:
        kept = spoken[:limit].rsplit(" ", 1)[0] + "."
    return kept, True


def choices_speech(buttons: list[tuple[str, str]], lang: Language) -> str:
    items = ". ".join(
        text("press", lang, n=str(n), title=title) for n, (title, _) in enumerate(buttons, 1)
    )
    return text("choices", lang, items=items)


def wants_person(response: AssistantResponse) -> bool:
    """Whether the resident asked for a person (the dialogue hands off to the helpline)."""
    return any(
        r.handoff is not None
        and r.handoff.kind == "helpline"
        and r.handoff.reason == "resident_asked"
        for r in response.replies
    )


# --- TwiML --------------------------------------------------------------------------------


def say(target: VoiceResponse | Gather, words: str, lang: Language) -> None:
    voice, language = VOICES[lang]
    target.say(words, voice=voice, language=language)


def gather(lang: Language, action: str, *, speech: bool = True) -> Gather:
    return Gather(
        input="speech dtmf" if speech else "dtmf",
        action=action,
        method="POST",
        language=VOICES[lang][1],
        timeout=GATHER_TIMEOUT_S,
        speech_timeout="auto",
        num_digits=1,
        action_on_empty_result=False,
    )


def listen(response: VoiceResponse, lang: Language, prompt: str, *, step: str = "turn") -> None:
    """Says `prompt` (interruptible) and waits for the caller; silence goes to /silence."""
    listening = gather(lang, "/twilio/voice/turn" if step == "turn" else f"/twilio/voice/{step}")
    say(listening, prompt, lang)
    response.append(listening)
    response.redirect(f"/twilio/voice/silence?step={step}", method="POST")


def xml(response: VoiceResponse) -> web.Response:
    return web.Response(text=str(response), content_type="application/xml")


def transfer(response: VoiceResponse, lang: Language, helpline: str) -> VoiceResponse:
    say(response, text("transfer", lang), lang)
    response.dial(dialable(helpline))
    return response


# --- call state ---------------------------------------------------------------------------


class Call:
    """What one call remembers between turns (language, silences, an answer to text).

    A Redis hash, one JSON value a field: an update writes only its own fields, in one
    round trip, so Twilio's status callback and a turn arriving together lose nothing.
    """

    def __init__(self, request: web.Request, sid: str) -> None:
        self.redis = request.app[REDIS]
        self.key = f"apuri:voice:call:{sid}"

    async def get(self) -> dict[str, Any]:
        raw = cast(dict[bytes, bytes], await self.redis.hgetall(self.key))
        return {field.decode(): json.loads(value) for field, value in raw.items()}

    async def update(self, **values: Any) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self.key, mapping={field: json.dumps(v) for field, v in values.items()})
            pipe.expire(self.key, CALL_TTL_S)
            await pipe.execute()


def _lang(state: dict[str, Any], default: str) -> Language:
    value = state.get("lang") or default
    return cast(Language, value if value in VOICES else "fi")


def _language_of(params: dict[str, str]) -> Language | None:
    digits = params.get("Digits", "").strip()
    if digits in LANGUAGE_KEYS:
        return LANGUAGE_KEYS[digits]
    heard = params.get("SpeechResult", "").lower()
    for lang, words in LANGUAGE_WORDS.items():
        if any(word in heard for word in words):
            return lang
    return None


async def _call_params(request: web.Request) -> tuple[dict[str, str], Call, dict[str, Any]]:
    params = await verified_form(request)
    sid = params.get("CallSid", "")
    if not re.fullmatch(r"[A-Za-z0-9]{10,64}", sid):
        raise web.HTTPBadRequest(text="CallSid is required")
    call = Call(request, sid)
    return params, call, await call.get()


# --- handlers -----------------------------------------------------------------------------


async def incoming_call(request: web.Request) -> web.Response:
    """POST /twilio/voice: greet and ask for the language."""
    params, call, _ = await _call_params(request)
    await call.update(silence=0, lang=None, conversation=_conversation(request, params))
    event(logger, "voice.call_started", call=pseudonym(params["CallSid"]))
    return xml(language_menu())


def language_menu() -> VoiceResponse:
    """The greeting in each language, waiting for a key or a language's name."""
    response = VoiceResponse()
    choosing = gather("fi", "/twilio/voice/language")
    for lang in VOICES:
        say(choosing, text("greeting", lang), lang)
    response.append(choosing)
    response.redirect("/twilio/voice/silence?step=language", method="POST")
    return response


def _conversation(request: web.Request, params: dict[str, str]) -> str:
    caller = params.get("From", "") or params["CallSid"]
    return conversation_of(caller, request.app[SETTINGS].secret)


async def choose_language(request: web.Request) -> web.Response:
    """POST /twilio/voice/language: the caller's key or word for a language."""
    params, call, state = await _call_params(request)
    lang = _language_of(params)
    if lang is None:
        return await _silence(request, call, state, step="language")
    await call.update(lang=lang, silence=0)
    response = VoiceResponse()
    listen(response, lang, text("how_can_i_help", lang))
    return xml(response)


async def turn(request: web.Request) -> web.Response:
    """POST /twilio/voice/turn: one thing the caller said or pressed."""
    params, call, state = await _call_params(request)
    settings = request.app[SETTINGS]
    lang = _lang(state, settings.default_language)
    digits = params.get("Digits", "").strip()
    heard = params.get("SpeechResult", "").strip()
    if digits == "0":
        event(logger, "voice.transfer", call=pseudonym(params["CallSid"]), asked="key")
        return xml(transfer(VoiceResponse(), lang, settings.helpline_phone))
    if digits and digits == state.get("offer_key") and state.get("sms_text"):
        return xml(await _send_text(request, params, call, lang, state["sms_text"]))
    choices: list[str] = state.get("choices") or []
    payload = None
    if CHOICE_DIGITS.fullmatch(digits) and 0 < int(digits) <= len(choices):
        payload = choices[int(digits) - 1]
    if payload is None and not heard:
        return await _silence(request, call, state, step="turn")
    await call.update(silence=0)
    conversation = state.get("conversation") or _conversation(request, params)
    try:
        answer = await request.app[ASSISTANT].handle(
            Inbound(
                channel=CHANNEL,
                conversation_id=conversation,
                text=None if payload else heard,
                payload=payload,
                lang=lang,
                verified_phone=params.get("From") or None,
            )
        )
    except (AssistantUnavailable, AssistantFailed) as error:
        response = VoiceResponse()
        listen(response, lang, speakable(error.text, lang))
        return xml(response)
    except InvalidMessage:
        response = VoiceResponse()
        helpline = settings.helpline_phone
        listen(response, lang, speakable(message("no_answer", lang, helpline), lang))
        return xml(response)
    return xml(await _speak(request, call, answer))


async def _speak(request: web.Request, call: Call, answer: AssistantResponse) -> VoiceResponse:
    """Apuri's reply as speech, with its choices and, when it is long, a text-message offer."""
    lang = answer.lang
    settings = request.app[SETTINGS]
    if wants_person(answer):
        await call.update(lang=lang)
        return transfer(VoiceResponse(), lang, settings.helpline_phone)
    written, buttons = sms.compose(answer)
    spoken, cut = shorten_spoken(speakable(written, lang))
    has_link = bool(_URL.search(written))
    parts = [spoken]
    if buttons:
        parts.append(choices_speech(buttons, lang))
    offer_key = None
    if cut or has_link:
        offer_key = str(len(buttons) + 1)
        parts.append(text("offer_text", lang, digit=offer_key))
    await call.update(
        lang=lang,
        choices=[payload for _, payload in buttons],
        offer_key=offer_key,
        sms_text=sms.render(written, [], lang, None) if offer_key else None,
    )
    response = VoiceResponse()
    listen(response, lang, " ".join(parts))
    return response


async def _send_text(
    request: web.Request,
    params: dict[str, str],
    call: Call,
    lang: Language,
    body: str,
) -> VoiceResponse:
    """Sends `body` to the caller's mobile through the outbox, and says so."""
    response = VoiceResponse()
    database: AsyncEngine = request.app[DATABASE]
    secret = request.app[SETTINGS].secret
    try:
        phone = normalise_phone(params.get("From", ""))
    except InvalidPhone:
        listen(response, lang, text("no_text", lang))
        return response
    if await is_sms_stopped(database, phone, secret):
        listen(response, lang, text("no_text", lang))
        return response
    await enqueue(database, to_phone=phone, body=to_gsm7(body), lang=lang, kind="voice_answer")
    await call.update(offer_key=None, sms_text=None)
    event(logger, "voice.text_sent", call=pseudonym(params["CallSid"]))
    listen(response, lang, text("text_sent", lang))
    return response


async def silence(request: web.Request) -> web.Response:
    """POST /twilio/voice/silence: the caller said nothing when asked."""
    _, call, state = await _call_params(request)
    step = request.query.get("step", "turn")
    return await _silence(request, call, state, step="language" if step == "language" else "turn")


async def _silence(
    request: web.Request, call: Call, state: dict[str, Any], *, step: str
) -> web.Response:
    settings = request.app[SETTINGS]
    count = int(state.get("silence", 0)) + 1
    lang = _lang(state, settings.default_language)
    response = VoiceResponse()
    if step == "language":
        if count <= 2:
            await call.update(silence=count)
            return xml(language_menu())
        # No choice after three tries: go on in the default language.
        await call.update(silence=0, lang=lang)
        listen(response, lang, text("how_can_i_help", lang))
        return xml(response)
    await call.update(silence=count)
    if count == 1:
        listen(response, lang, text("silence_1", lang))
    elif count == 2:
        await call.update(offer_key="1", sms_text=text("text_invitation", lang), choices=[])
        listen(response, lang, text("silence_2", lang))
    else:
        say(response, text("goodbye", lang), lang)
        response.hangup()
    return xml(response)


# Twilio's call statuses are short lowercase words ("in-progress", "no-answer").
_CALL_STATUS = re.compile(r"[a-z][a-z-]{0,23}")
# No call lasts longer than a day (Twilio ends every call within 24 hours).
MAX_CALL_SECONDS = 24 * 3600


def _call_duration(value: str) -> int | None:
    """CallDuration in seconds when it is a plausible one; otherwise unknown (None)."""
    if not re.fullmatch(r"[0-9]{1,6}", value):
        return None
    seconds = int(value)
    return seconds if seconds <= MAX_CALL_SECONDS else None


async def call_status(request: web.Request) -> web.Response:
    """POST /twilio/voice/status: Twilio's status callback, recorded for the contact centre."""
    params, _, state = await _call_params(request)
    status = params.get("CallStatus", "")
    status = status if _CALL_STATUS.fullmatch(status) else "unknown"
    duration = params.get("CallDuration", "")
    async with sessions(request.app[DATABASE])() as session, session.begin():
        session.add(
            CallRecord(
                call_sid=params["CallSid"],
                status=status,
                duration_s=_call_duration(duration),
                lang=state.get("lang"),
                recorded_at=dt.datetime.now(dt.UTC),
            )
        )
    event(logger, "voice.status", call=pseudonym(params["CallSid"]), status=status)
    return web.Response(status=204)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/twilio/voice", incoming_call)
    app.router.add_post("/twilio/voice/language", choose_language)
    app.router.add_post("/twilio/voice/turn", turn)
    app.router.add_post("/twilio/voice/silence", silence)
    app.router.add_post("/twilio/voice/status", call_status)
