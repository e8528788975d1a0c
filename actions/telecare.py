"""`action_request_nurse`: queues a home-care client for a video call with a nurse.

Runs after the resident said yes to "do you want to contact a home-care nurse?" (the
question also asks to share this conversation with the nurse). It puts a call request on
the nurse team's queue (`telecare.queue`) and answers with the join link: a card link and
a button target in the web chat, and the same short signed link in the text, which the
SMS and phone channels send as it is.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from redis.asyncio import Redis
from redis.exceptions import RedisError

from actions.services import conversation_lang
from assistant.logs import event, pseudonym
from assistant.settings import Settings
from telecare.queue import CallQueue, Urgency
from telecare.tokens import new_room_id, sign

log = logging.getLogger(__name__)

LINK_TTL_S = 4 * 3600
SUMMARY_MESSAGES = 6
# Words that move a request ahead of routine ones (emergencies are told to call 112).
SOON_WORDS = (
    "kaatu",
    "kipu",
    "kipe",
    "lääke",
    "huono",
    "hengen",  # fi
    "föll",
    "ont",
    "smärt",
    "medicin",
    "dålig",
    "andn",  # sv
    "fell",
    "fall",
    "pain",
    "medicine",
    "medication",
    "unwell",
    "breath",  # en
)

TEXTS = {
    "queued": {
        "fi": "Pyyntösi on nyt kotihoidon hoitajien jonossa. Avaa videopuhelu tästä linkistä "
        "ja odota, hoitaja liittyy pian: {link} Hätätilanteessa soita 112.",
        "sv": "Din begäran står nu i kö hos hemvårdens skötare. Öppna videosamtalet med den "
        "här länken och vänta, skötaren kommer snart: {link} Ring 112 i en nödsituation.",
        "en": "Your request is now in the home-care nurses' queue. Open the video call with "
        "this link and wait, a nurse will join soon: {link} In an emergency, call 112.",
    },
    "join": {"fi": "Avaa videopuhelu", "sv": "Öppna videosamtalet", "en": "Open the video call"},
    "title": {
        "fi": "Videopuhelu kotihoitajan kanssa",
        "sv": "Videosamtal med hemvårdens skötare",
        "en": "Video call with a home-care nurse",
    },
    "failed": {
        "fi": "Hoitajan jonoon ei juuri nyt saatu yhteyttä. Soita kotihoitoon tai "
        "Helsinki-infoon, puhelin {phone}. Hätätilanteessa soita 112.",
        "sv": "Det gick inte att nå skötarnas kö just nu. Ring hemvården eller "
        "Helsingfors-info, telefon {phone}. Ring 112 i en nödsituation.",
        "en": "The nurses' queue could not be reached right now. Call home care or "
        "Helsinki-info, phone {phone}. In an emergency, call 112.",
    },
}


def urgency_of(text: str) -> Urgency:
    lowered = text.lower()
    return "soon" if any(word in lowered for word in SOON_WORDS) else "normal"


def conversation_summary(tracker: Tracker) -> tuple[str, str]:
    """The reason (the message that asked for a nurse) and the resident's recent messages.

    The resident agreed to share them by answering yes to the confirming question.
    """
    said = [
        (str(e.get("text") or ""), ((e.get("parse_data") or {}).get("intent") or {}).get("name"))
        for e in tracker.events
        if e.get("event") == "user" and e.get("text") and not str(e.get("text")).startswith("/")
    ]
    reason = next((text for text, intent in reversed(said) if intent == "request_nurse"), "")
    summary = "\n".join(text for text, _intent in said[-SUMMARY_MESSAGES:])
    return reason[:200], summary


class ActionRequestNurse(Action):
    def name(self) -> str:
        return "action_request_nurse"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        lang = conversation_lang(tracker)
        settings = Settings.from_env()
        reason, summary = conversation_summary(tracker)
        metadata = (tracker.latest_message or {}).get("metadata") or {}
        channel = str(metadata.get("channel", "web"))[:16]
        room = new_room_id()
        redis = Redis.from_url(settings.effective_redis_url, socket_timeout=5)
        try:
            request = await CallQueue(redis, settings.telecare_team).enqueue(
                room=room,
                urgency=urgency_of(f"{reason} {summary}"),
                lang=lang,
                reason=reason or "-",
                summary=summary,
                channel=channel,
                callback=channel == "voice",
            )
        except (OSError, RedisError) as error:
            event(log, "telecare.enqueue_failed", logging.ERROR, error=type(error).__name__)
            dispatcher.utter_message(
                text=TEXTS["failed"][lang].format(phone=settings.helpline_phone),
                json_message={"handoff": {"kind": "helpline", "reason": "nurse_queue_down"}},
            )
            return []
        finally:
            await redis.aclose()
        token = sign(settings.secret, room, "client", purpose="link", ttl_s=LINK_TTL_S)
        base = settings.public_base_url or f"http://127.0.0.1:{settings.port}"
        link = f"{base}/call/{token}?lang={lang}"
        event(
            log,
            "telecare.requested",
            conversation=pseudonym(tracker.sender_id),
            request=pseudonym(request.id),
            urgency=request.urgency,
            channel=channel,
        )
        dispatcher.utter_message(
            text=TEXTS["queued"][lang].format(link=link),
            json_message={
                "handoff": {
                    "kind": "nurse",
                    "reason": "resident_asked",
                    "join_url": link,
                    "urgency": request.urgency,
                },
                "join_url": link,
                "card": {
                    "kind": "telecare",
                    "lang": lang,
                    "title": TEXTS["title"][lang],
                    "links": [{"title": TEXTS["join"][lang], "url": link}],
                },
            },
        )
        return []
