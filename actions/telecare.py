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
from redis.exceptions import RedisError

from actions.deps import WithDependencies
from actions.services import conversation_lang
from assistant.logs import event, pseudonym
from assistant.replies import Card, CardLink, Handoff, Reply, send
from telecare.links import join_link
from telecare.queue import Urgency
from telecare.tokens import new_room_id

log = logging.getLogger(__name__)

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


class ActionRequestNurse(WithDependencies, Action):
    def name(self) -> str:
        return "action_request_nurse"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        lang = conversation_lang(tracker)
        settings = self.deps.settings
        reason, summary = conversation_summary(tracker)
        metadata = (tracker.latest_message or {}).get("metadata") or {}
        channel = str(metadata.get("channel", "web"))[:16]
        room = new_room_id()
        try:
            request = await self.deps.calls.enqueue(
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
            send(
                dispatcher,
                Reply(
                    text=TEXTS["failed"][lang].format(phone=settings.helpline_phone),
                    handoff=Handoff(kind="helpline", reason="nurse_queue_down"),
                ),
            )
            return []
        base = settings.public_base_url or f"http://127.0.0.1:{settings.port}"
        link = join_link(settings.secret, base, room, lang)
        event(
            log,
            "telecare.requested",
            conversation=pseudonym(tracker.sender_id),
            request=pseudonym(request.id),
            urgency=request.urgency,
            channel=channel,
        )
        send(
            dispatcher,
            Reply(
                text=TEXTS["queued"][lang].format(link=link),
                handoff=Handoff(
                    kind="nurse", reason="resident_asked", join_url=link, urgency=request.urgency
                ),
                card=Card(
                    kind="telecare",
                    lang=lang,
                    title=TEXTS["title"][lang],
                    links=[CardLink(title=TEXTS["join"][lang], url=link)],
                ),
            ),
        )
        return []
