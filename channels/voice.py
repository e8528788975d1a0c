"""The phone channel (Twilio Programmable Voice): `POST /twilio/voice` and its follow-ups.

A call starts with a greeting and a language choice (keys 1 suomi, 2 svenska, 3 English, or
the spoken name), then each turn is a `<Gather input="speech dtmf">` in the caller's
language whose speech result goes through the same assistant entry point as every channel.
Replies are spoken short and plain with the language's neural voice: buttons become
numbered choices, links are never read out, and a long answer offers itself as a text
message (sent through the outbox). Silence is asked about once, then text or a person is
offered; "0", or asking for a person, transfers the call to the city's service number.

The routes are here; what a call remembers is in `voice_call`, the TwiML in `voice_twiml`,
what is said in `voice_speech`.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine
from twilio.twiml.voice_response import VoiceResponse

from assistant.core import AssistantFailed, AssistantUnavailable, Inbound, InvalidMessage
from assistant.keys import ASSISTANT, DATABASE, SETTINGS
from assistant.logs import event, pseudonym
from assistant.messages import message
from assistant.replies import AssistantResponse
from channels import sms
from channels.gsm import to_gsm7
from channels.phone_state import CHOICE_DIGITS
from channels.phone_texts import text
from channels.twilio_form import webhook
from channels.voice_call import (
    CALL_STATUS,
    Call,
    call_duration,
    call_language,
    call_params,
    caller_conversation,
    language_chosen,
)
from channels.voice_speech import (
    choices_speech,
    has_link,
    shorten_spoken,
    speakable,
    wants_person,
)
from channels.voice_twiml import language_menu, listen, say, transfer, xml
from privacy.consent import is_sms_stopped
from privacy.phones import InvalidPhone, normalise_phone
from store.db import sessions
from store.models import CallRecord
from store.outbox import enqueue
from texts import Language

logger = logging.getLogger(__name__)

CHANNEL = "voice"


async def incoming_call(request: web.Request) -> web.Response:
    """POST /twilio/voice: greet and ask for the language."""
    params, call, _ = await call_params(request)
    await call.update(silence=0, lang=None, conversation=caller_conversation(request, params))
    event(logger, "voice.call_started", call=pseudonym(params["CallSid"]))
    return xml(language_menu())


async def choose_language(request: web.Request) -> web.Response:
    """POST /twilio/voice/language: the caller's key or word for a language."""
    params, call, state = await call_params(request)
    lang = language_chosen(params)
    if lang is None:
        return await _silence(request, call, state, step="language")
    await call.update(lang=lang, silence=0)
    response = VoiceResponse()
    listen(response, lang, text("how_can_i_help", lang))
    return xml(response)


async def turn(request: web.Request) -> web.Response:
    """POST /twilio/voice/turn: one thing the caller said or pressed."""
    params, call, state = await call_params(request)
    settings = request.app[SETTINGS]
    lang = call_language(state, settings.default_language)
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
    conversation = state.get("conversation") or caller_conversation(request, params)
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
    parts = [spoken]
    if buttons:
        parts.append(choices_speech(buttons, lang))
    offer_key = None
    if cut or has_link(written):
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
    _, call, state = await call_params(request)
    step = request.query.get("step", "turn")
    return await _silence(request, call, state, step="language" if step == "language" else "turn")


async def _silence(
    request: web.Request, call: Call, state: dict[str, Any], *, step: str
) -> web.Response:
    settings = request.app[SETTINGS]
    count = int(state.get("silence", 0)) + 1
    lang = call_language(state, settings.default_language)
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


async def call_status(request: web.Request) -> web.Response:
    """POST /twilio/voice/status: Twilio's status callback, recorded for the contact centre."""
    params, _, state = await call_params(request)
    status = params.get("CallStatus", "")
    status = status if CALL_STATUS.fullmatch(status) else "unknown"
    duration = params.get("CallDuration", "")
    async with sessions(request.app[DATABASE])() as session, session.begin():
        session.add(
            CallRecord(
                call_sid=params["CallSid"],
                status=status,
                duration_s=call_duration(duration),
                lang=state.get("lang"),
                recorded_at=dt.datetime.now(dt.UTC),
            )
        )
    event(logger, "voice.status", call=pseudonym(params["CallSid"]), status=status)
    return web.Response(status=204)


OPERATIONS = (
    webhook("/twilio/voice", "A call comes in", 200, "TwiML: greeting and language choice"),
    webhook("/twilio/voice/language", "The caller chose a language", 200, "TwiML"),
    webhook("/twilio/voice/turn", "What the caller said or pressed", 200, "TwiML"),
    webhook("/twilio/voice/silence", "The caller said nothing", 200, "TwiML"),
    webhook(
        "/twilio/voice/status",
        "Call status callback",
        204,
        "Recorded; a CallDuration that is not 0 to 86,400 seconds is kept as unknown, "
        "an unknown CallStatus as 'unknown'",
    ),
)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/twilio/voice", incoming_call)
    app.router.add_post("/twilio/voice/language", choose_language)
    app.router.add_post("/twilio/voice/turn", turn)
    app.router.add_post("/twilio/voice/silence", silence)
    app.router.add_post("/twilio/voice/status", call_status)
