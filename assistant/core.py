"""The one entry point every channel calls: a resident's message in, Apuri's replies out.

Channels (web widget, SMS, phone, the JSON API) authenticate and decode their medium, build
an `Inbound`, call `Assistant.handle`, and render the channel-neutral `AssistantResponse`.
Nothing here knows about HTTP, TwiML or HTML.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from dataclasses import dataclass
from typing import cast

from redis.asyncio import Redis

from assistant import safe_json
from assistant.language import Detection, LanguageDetectorService, choose_language
from assistant.logs import event, pseudonym
from assistant.messages import message
from assistant.rasa_client import RasaClient, RasaFailed, RasaUnavailable
from assistant.replies import PAYLOAD_PATTERN, AssistantResponse, Reply
from assistant.settings import Settings
from privacy.identity import Identities
from texts import LANGUAGES, Language

logger = logging.getLogger(__name__)

LANGUAGE_TTL_SECONDS = 30 * 24 * 3600
REPLY_CACHE_SECONDS = 15 * 60

E164 = re.compile(r"\+[1-9]\d{6,14}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064]")


class InvalidMessage(ValueError):
    """The message cannot be handled as given; the text says why, without echoing it."""


class AssistantUnavailable(Exception):
    """The dialogue engine did not take the message; it was not processed."""

    def __init__(self, lang: Language, text: str) -> None:
        super().__init__(text)
        self.lang = lang
        self.text = text


class AssistantFailed(Exception):
    """The dialogue engine failed on the message."""

    def __init__(self, lang: Language, text: str) -> None:
        super().__init__(text)
        self.lang = lang
        self.text = text


@dataclass(frozen=True)
class Inbound:
    """One message from a resident, as any channel hands it over."""

    channel: str
    conversation_id: str
    text: str | None = None
    payload: str | None = None
    lang: Language | None = None
    message_id: str | None = None
    # The phone number the channel itself proved (the number Twilio verified), E.164.
    verified_phone: str | None = None
    # A keyed hash of the client's address (web and API), for per-address limits.
    client: str | None = None


_LEADING_SLASHES = re.compile(r"^[\s/]+")


def clean_text(text: str, max_chars: int) -> str:
    """Normalise a resident's text: NFC, control characters out, whitespace trimmed."""
    cleaned = _CONTROL.sub(" ", unicodedata.normalize("NFC", text)).strip()
    if not cleaned:
        raise InvalidMessage("text is empty")
    if len(cleaned) > max_chars:
        raise InvalidMessage(f"text is longer than {max_chars} characters")
    # A typed "/greet" (or "/ /greet") must not be taken as a button payload that skips
    # understanding: slashes and spaces at the start go, however many there are.
    words = _LEADING_SLASHES.sub("", cleaned)
    if not words:
        raise InvalidMessage("text has no words")
    return words


def check_payload(payload: str) -> str:
    """Accept a button payload only in the shape Apuri's buttons have."""
    if not PAYLOAD_PATTERN.match(payload):
        raise InvalidMessage("payload is not a button payload")
    brace = payload.find("{")
    if brace != -1:
        try:
            entities = safe_json.loads(payload[brace:], max_depth=2, max_digits=16)
        except safe_json.UnsafeJSON:
            raise InvalidMessage("payload entities are not valid JSON within limits") from None
        if not isinstance(entities, dict):
            raise InvalidMessage("payload entities must be a JSON object")
    return payload


class Assistant:
    """Routes each inbound message through language detection and Rasa."""

    def __init__(
        self,
        settings: Settings,
        rasa: RasaClient,
        redis: Redis,
        detector: LanguageDetectorService,
    ) -> None:
        self._settings = settings
        self._rasa = rasa
        self._redis = redis
        self._detector = detector
        # The number a channel proved (Twilio's caller or sender) opens or renews the
        # conversation's resident session before Rasa sees the message.
        self._identities = Identities(redis, settings.secret) if settings.secret_key else None

    @staticmethod
    def sender_id(channel: str, conversation_id: str) -> str:
        return f"{channel}-{conversation_id}"

    async def remembered_language(self, sender: str) -> Language | None:
        value = await self._redis.get(f"apuri:lang:{sender}")
        if isinstance(value, bytes):
            value = value.decode()
        return value if value in LANGUAGES else None

    async def handle(self, inbound: Inbound) -> AssistantResponse:
        started = time.perf_counter()
        sender = self.sender_id(inbound.channel, inbound.conversation_id)
        cache_key = f"apuri:reply:{sender}:{inbound.message_id}" if inbound.message_id else None
        if cache_key:
            cached = await self._redis.get(cache_key)
            if cached:
                event(logger, "message.duplicate", conversation=pseudonym(sender))
                return AssistantResponse.model_validate_json(cached)

        if inbound.payload is not None:
            text = check_payload(inbound.payload)
            detection: Detection | None = None
        elif inbound.text is not None:
            text = clean_text(inbound.text, self._settings.max_message_chars)
            detection = self._detector.detect(text)
        else:
            raise InvalidMessage("text or payload is required")

        if (
            inbound.verified_phone
            and self._identities is not None
            and E164.fullmatch(inbound.verified_phone)
        ):
            await self._identities.prove(sender, inbound.verified_phone, "channel")
        remembered = await self.remembered_language(sender)
        fallback_lang = self._fallback_language(inbound.lang, detection, remembered)
        metadata = {
            "channel": inbound.channel,
            "apuri": {
                "lang_explicit": inbound.lang,
                "detected": None
                if detection is None
                else {
                    "lang": detection.lang,
                    "probability": detection.probability,
                    "confident": detection.confident,
                },
                "default_lang": self._settings.default_language,
                "client": inbound.client,
            },
        }
        phone = self._settings.helpline_phone
        try:
            turn = await self._rasa.send(sender, text, metadata)
        except RasaUnavailable:
            event(logger, "message.unavailable", logging.WARNING, conversation=pseudonym(sender))
            raise AssistantUnavailable(
                fallback_lang, message("unavailable", fallback_lang, phone)
            ) from None
        except RasaFailed as error:
            event(
                logger,
                "message.failed",
                logging.ERROR,
                conversation=pseudonym(sender),
                reason=str(error),
            )
            raise AssistantFailed(fallback_lang, message("failed", fallback_lang, phone)) from None

        lang = turn.language if turn.language in LANGUAGES else fallback_lang
        replies = turn.replies or [Reply(text=message("no_answer", lang, phone))]
        response = AssistantResponse(
            conversation_id=inbound.conversation_id, lang=lang, replies=replies
        )
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(f"apuri:lang:{sender}", lang, ex=LANGUAGE_TTL_SECONDS)
            if cache_key:
                pipe.set(cache_key, response.model_dump_json(), ex=REPLY_CACHE_SECONDS)
            await pipe.execute()
        event(
            logger,
            "message.handled",
            conversation=pseudonym(sender),
            channel=inbound.channel,
            lang=lang,
            replies=len(replies),
            ms=round((time.perf_counter() - started) * 1000, 1),
        )
        return response

    def _fallback_language(
        self,
        explicit: Language | None,
        detection: Detection | None,
        remembered: Language | None,
    ) -> Language:
        """The language to use when Rasa cannot tell us (it is down or failed)."""
        return choose_language(
            explicit=explicit,
            detection=detection,
            remembered=remembered,
            default=cast(Language, self._settings.default_language),
        )
