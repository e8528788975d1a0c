"""The reply model the actions build: payloads the gateway accepts, replies sent through
the dispatcher and read back by the gateway unchanged, and malformed parts refused."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError
from rasa_sdk.executor import CollectingDispatcher

from assistant.core import InvalidMessage, check_payload
from assistant.replies import Button, Card, CardLink, Handoff, Reply, payload, send


@pytest.mark.parametrize(
    ("built", "expected"),
    [
        (payload("affirm"), "/affirm"),
        (payload("inform", booking_minutes="90"), '/inform{"booking_minutes":"90"}'),
        (payload("choose_result", result_index="2"), '/choose_result{"result_index":"2"}'),
        (
            payload("inform", booking_alt="hall-1|2026-12-01T18:00:00+02:00|60"),
            '/inform{"booking_alt":"hall-1|2026-12-01T18:00:00+02:00|60"}',
        ),
        (
            payload("inform", booking_resource="kinapori-sauna"),
            '/inform{"booking_resource":"kinapori-sauna"}',
        ),
        (payload("inform", booking_kind="sauna"), '/inform{"booking_kind":"sauna"}'),
    ],
)
def test_a_payload_is_one_the_gateway_accepts(built: str, expected: str) -> None:
    assert built == expected
    assert check_payload(built) == built


@pytest.mark.parametrize(
    ("intent", "entities"),
    [("Inform", {}), ("inform now", {}), ("inform", {"booking_alt": "x" * 600})],
)
def test_a_payload_the_gateway_would_refuse_is_not_built(
    intent: str, entities: dict[str, str]
) -> None:
    with pytest.raises(ValueError, match="not a button payload"):
        payload(intent, **entities)
    body = json.dumps(entities, separators=(",", ":")) if entities else ""
    with pytest.raises(InvalidMessage):
        check_payload(f"/{intent}{body}")


def test_a_reply_sent_through_the_dispatcher_is_read_back_whole() -> None:
    reply = Reply(
        text="Open the video call: https://apuri.example/call/t?lang=en",
        buttons=[Button(title="Yes", payload=payload("affirm"))],
        card=Card(
            kind="telecare",
            lang="en",
            title="Video call",
            links=[CardLink(title="Open", url="https://apuri.example/call/t?lang=en")],
        ),
        handoff=Handoff(
            kind="nurse",
            reason="resident_asked",
            join_url="https://apuri.example/call/t?lang=en",
            urgency="soon",
        ),
    )
    dispatcher = CollectingDispatcher()
    send(dispatcher, reply)
    (message,) = dispatcher.messages
    assert message["custom"]["handoff"]["join_url"] == "https://apuri.example/call/t?lang=en"
    assert Reply.from_rasa(message) == reply


def test_a_text_reply_has_no_custom_payload() -> None:
    dispatcher = CollectingDispatcher()
    send(dispatcher, Reply(text="Hei"))
    (message,) = dispatcher.messages
    assert (message["text"], message["buttons"], message["custom"]) == ("Hei", [], {})
    assert Reply.from_rasa(message) == Reply(text="Hei")


def test_a_hand_off_keeps_only_what_it_was_given() -> None:
    dispatcher = CollectingDispatcher()
    send(dispatcher, Reply(text="x", handoff=Handoff(kind="helpline", reason="resident_asked")))
    assert dispatcher.messages[0]["custom"] == {
        "handoff": {"kind": "helpline", "reason": "resident_asked"}
    }


@pytest.mark.parametrize(
    "card",
    [
        {"kind": "servce", "title": "A misspelt kind"},
        {"kind": "service"},
        {"kind": "service", "title": "x", "links": [{"title": "no url"}]},
        {"kind": "service", "title": "x", "join_url": "https://apuri.example/call/t"},
        {"kind": "service", "title": "x", "lang": "de"},
    ],
)
def test_a_malformed_card_is_refused_where_it_is_built(card: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Card.model_validate(card)
    with pytest.raises(ValidationError):
        Reply.from_rasa({"text": "x", "custom": {"card": card}})


def test_a_custom_field_outside_the_model_is_refused_not_dropped() -> None:
    with pytest.raises(ValidationError):
        Reply.from_rasa({"text": "x", "custom": {"join_url": "https://apuri.example/call/t"}})
    with pytest.raises(ValidationError):
        Reply.from_rasa({"text": "x", "custom": {"handoff": {"kind": "nurse", "room": "r1"}}})
