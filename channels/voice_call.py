"""What one phone call remembers between Twilio's webhooks, and what those webhooks carry."""

from __future__ import annotations

import json
import re
from typing import Any, cast

from aiohttp import web

from assistant.keys import REDIS, SETTINGS
from channels.phone_state import conversation_of
from channels.twilio_auth import verified_form
from channels.voice_twiml import VOICES
from texts import Language

CALL_TTL_S = 4 * 3600
LANGUAGE_KEYS: dict[str, Language] = {"1": "fi", "2": "sv", "3": "en"}
LANGUAGE_WORDS: dict[Language, tuple[str, ...]] = {
    "fi": ("suomi", "suomeksi", "finska", "finnish", "yksi"),
    "sv": ("svenska", "ruotsi", "ruotsiksi", "swedish", "två"),
    "en": ("english", "englanti", "englanniksi", "engelska", "three"),
}
# Twilio's call statuses are short lowercase words ("in-progress", "no-answer").
CALL_STATUS = re.compile(r"[a-z][a-z-]{0,23}")
# No call lasts longer than a day (Twilio ends every call within 24 hours).
MAX_CALL_SECONDS = 24 * 3600


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


async def call_params(request: web.Request) -> tuple[dict[str, str], Call, dict[str, Any]]:
    """The verified webhook's fields, the call they belong to and what it remembers."""
    params = await verified_form(request)
    sid = params.get("CallSid", "")
    if not re.fullmatch(r"[A-Za-z0-9]{10,64}", sid):
        raise web.HTTPBadRequest(text="CallSid is required")
    call = Call(request, sid)
    return params, call, await call.get()


def call_language(state: dict[str, Any], default: str) -> Language:
    value = state.get("lang") or default
    return cast(Language, value if value in VOICES else "fi")


def language_chosen(params: dict[str, str]) -> Language | None:
    """The language the caller pressed a key for or named, if any."""
    digits = params.get("Digits", "").strip()
    if digits in LANGUAGE_KEYS:
        return LANGUAGE_KEYS[digits]
    heard = params.get("SpeechResult", "").lower()
    for lang, words in LANGUAGE_WORDS.items():
        if any(word in heard for word in words):
            return lang
    return None


def caller_conversation(request: web.Request, params: dict[str, str]) -> str:
    caller = params.get("From", "") or params["CallSid"]
    return conversation_of(caller, request.app[SETTINGS].secret)


def call_duration(value: str) -> int | None:
    """CallDuration in seconds when it is a plausible one; otherwise unknown (None)."""
    if not re.fullmatch(r"[0-9]{1,6}", value):
        return None
    seconds = int(value)
    return seconds if seconds <= MAX_CALL_SECONDS else None
