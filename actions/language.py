"""Keeps the conversation's `language` slot: Rasa runs this after every user message.

The gateway detects the language of each message and passes it as metadata; this action
decides with `assistant.language.choose_language`, so the dialogue, the gateway and every
channel agree on one language per conversation.
"""

from __future__ import annotations

from typing import Any, cast

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from assistant.language import Detection, choose_language, requested_language
from texts import LANGUAGES, Language

SWITCH_INTENT = "switch_language"

# Said after a switch, in the new language (action_language_switched).
LANGUAGE_SWITCHED: dict[Language, str] = {
    "fi": "Selvä, jatketaan suomeksi. Miten voin auttaa?",
    "sv": "Gärna, vi fortsätter på svenska. Hur kan jag hjälpa dig?",
    "en": "Sure, let's continue in English. How can I help you?",
}


def _lang(value: Any) -> Language | None:
    return cast(Language, value) if value in LANGUAGES else None


def _detection(value: Any) -> Detection | None:
    if not isinstance(value, dict) or _lang(value.get("lang")) is None:
        return None
    return Detection(
        lang=cast(Language, value["lang"]),
        probability=float(value.get("probability") or 0.0),
        confident=bool(value.get("confident")),
    )


class ActionSetLanguage(Action):
    """Sets the `language` slot from a request, the channel, detection or memory."""

    def name(self) -> str:
        return "action_set_language"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[dict[str, Any]]:
        latest = tracker.latest_message or {}
        metadata = latest.get("metadata") or {}
        apuri: dict[str, Any] = metadata.get("apuri") or {}
        requested: Language | None = None
        remembered = _lang(tracker.get_slot("language"))
        if (latest.get("intent") or {}).get("name") == SWITCH_INTENT:
            named = [
                lang
                for lang in map(_lang, tracker.get_latest_entity_values("language"))
                if lang is not None
            ]
            # "I don't understand Finnish, English please": of several languages named,
            # the one to move to is the one the conversation is not in.
            moving = [lang for lang in named if lang != remembered]
            candidates = moving or named
            requested = (
                candidates[-1] if candidates else requested_language(latest.get("text") or "")
            )
        lang = choose_language(
            requested=requested,
            explicit=_lang(apuri.get("lang_explicit")),
            detection=_detection(apuri.get("detected")),
            remembered=remembered,
            default=_lang(apuri.get("default_lang")) or "fi",
        )
        return [] if lang == remembered else [SlotSet("language", lang)]
