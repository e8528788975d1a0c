"""action_set_language with a fresh Tracker and CollectingDispatcher."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.language import ActionSetLanguage


def tracker(
    text: str,
    intent: str = "greet",
    slot: str | None = None,
    explicit: str | None = None,
    detected: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
) -> Tracker:
    metadata = {
        "channel": "api",
        "apuri": {"lang_explicit": explicit, "detected": detected, "default_lang": "fi"},
    }
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.95},
        "entities": entities or [],
        "metadata": metadata,
    }
    return Tracker(
        sender_id="api-test",
        slots={"language": slot},
        latest_message=latest,
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


async def run(t: Tracker) -> list[dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = await ActionSetLanguage().run(dispatcher, t, {})
    assert dispatcher.messages == [], "the action sets a slot and says nothing"
    return events


def guess(lang: str, confident: bool) -> dict[str, Any]:
    return {"lang": lang, "probability": 0.99 if confident else 0.6, "confident": confident}


async def test_first_message_sets_the_detected_language() -> None:
    events = await run(tracker("hej", detected=guess("sv", confident=False)))
    assert events == [SlotSet("language", "sv")]


async def test_a_guess_does_not_move_an_ongoing_conversation() -> None:
    events = await run(tracker("ok", slot="en", detected=guess("fi", confident=False)))
    assert events == []


async def test_a_confident_detection_moves_it() -> None:
    events = await run(tracker("tack så mycket", slot="fi", detected=guess("sv", confident=True)))
    assert events == [SlotSet("language", "sv")]


async def test_switch_request_in_words_uses_the_named_language() -> None:
    events = await run(
        tracker(
            "voidaanko puhua englanniksi",
            intent="switch_language",
            slot="fi",
            detected=guess("fi", confident=True),
        )
    )
    assert events == [SlotSet("language", "en")]


async def test_switch_button_entity_is_used() -> None:
    events = await run(
        tracker(
            '/switch_language{"language": "sv"}',
            intent="switch_language",
            slot="en",
            entities=[{"entity": "language", "value": "sv"}],
        )
    )
    assert events == [SlotSet("language", "sv")]


async def test_language_named_outside_a_switch_request_changes_nothing() -> None:
    events = await run(tracker("where is the swedish school", intent="ask_service", slot="fi"))
    assert events == []


async def test_the_channels_explicit_language_is_used() -> None:
    events = await run(
        tracker("moi", slot="fi", explicit="en", detected=guess("fi", confident=False))
    )
    assert events == [SlotSet("language", "en")]


async def test_no_clue_at_all_gives_the_default() -> None:
    events = await run(tracker("123"))
    assert events == [SlotSet("language", "fi")]


async def test_of_several_named_languages_the_new_one_wins() -> None:
    events = await run(
        tracker(
            "I don't understand Finnish, English please",
            intent="switch_language",
            slot="fi",
            entities=[
                {"entity": "language", "value": "fi"},
                {"entity": "language", "value": "en"},
            ],
        )
    )
    assert events == [SlotSet("language", "en")]
