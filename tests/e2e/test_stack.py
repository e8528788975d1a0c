"""The real stack, started once: a private Redis, the action server, Rasa with the trained
model, and the gateway, all under `apuri run` on free ports in a temporary var/ directory.

`make test` trains the model (var/models) before pytest runs.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.language import LANGUAGE_SWITCHED
from actions.service_replies import TEXTS
from tests.e2e.codes import code_sent_to
from tests.e2e.conftest import Stack, open_weekday

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())


def response_texts(name: str) -> dict[str, str]:
    """A domain response's text per language (fi is the unconditional variation)."""
    texts = {}
    for variation in DOMAIN["responses"][name]:
        conditions = variation.get("condition") or [{"value": "fi"}]
        texts[conditions[0]["value"]] = variation["text"].strip()
    return texts


def new_conversation() -> str:
    return "e2e-" + uuid.uuid4().hex[:12]


def test_health_reports_every_part_ok(stack: Stack) -> None:
    body = stack.wait_health(200, 10)
    assert {name: part["status"] for name, part in body["parts"].items()} == {
        "redis": "ok",
        "rasa": "ok",
        "actions": "ok",
        "database": "ok",
        "knowledge_base": "ok",
    }


@pytest.mark.parametrize(
    ("text", "lang"),
    [("moi moi, hyvää huomenta", "fi"), ("hej, god morgon", "sv"), ("hello, good morning", "en")],
)
def test_greeting_is_answered_in_its_language(stack: Stack, text: str, lang: str) -> None:
    body = stack.say(new_conversation(), text)
    assert body["lang"] == lang
    assert body["replies"][0]["text"].strip() == response_texts("utter_greet")[lang]


def test_language_switch_mid_conversation(stack: Stack) -> None:
    conversation = new_conversation()
    assert stack.say(conversation, "moi")["lang"] == "fi"
    switched = stack.say(conversation, "voidaanko jatkaa englanniksi?")
    assert switched["lang"] == "en"
    assert switched["replies"][0]["text"].strip() == LANGUAGE_SWITCHED["en"]
    # A short Finnish word does not move the conversation back.
    thanks = stack.say(conversation, "kiitos")
    assert thanks["lang"] == "en"
    assert thanks["replies"][0]["text"].strip() == response_texts("utter_you_are_welcome")["en"]


def test_switch_button_changes_language(stack: Stack) -> None:
    conversation = new_conversation()
    stack.say(conversation, "hello there")
    status, body = stack.request(
        "POST",
        "/api/messages",
        {"conversation_id": conversation, "payload": '/switch_language{"language": "sv"}'},
    )
    assert status == 200
    assert body["lang"] == "sv"
    assert body["replies"][0]["text"].strip() == LANGUAGE_SWITCHED["sv"]


def test_gibberish_does_not_trigger_a_consequential_intent(stack: Stack) -> None:
    body = stack.say(new_conversation(), "xyzzy qwerty plugh")
    texts = [r["text"].strip() for r in body["replies"] if r["text"]]
    refusals = set(response_texts("utter_out_of_scope").values())
    not_found = tuple(TEXTS["not_found"].values())
    assert texts and (texts[0] in refusals or texts[0].startswith(not_found)), texts
    assert not any(r["card"] for r in body["replies"]), "no guessed answer card"


def test_a_service_question_and_its_follow_ups_through_the_real_stack(stack: Stack) -> None:
    conversation = new_conversation()
    answer = stack.say(conversation, "mistä voin ostaa asukaspysäköintitunnuksen?")
    assert answer["lang"] == "fi"
    (reply,) = answer["replies"]
    card = reply["card"]
    assert card["kind"] == "service"
    assert card["lang"] == "fi"
    assert "asukaspysäköintitunnus" in card["title"].lower()
    assert [b["payload"] for b in reply["buttons"]] == [
        "/service_more",
        "/service_others",
        "/talk_to_person",
    ]
    service_id = card["id"]

    cost = stack.say(conversation, "paljonko se maksaa?")
    assert cost["replies"][0]["text"].startswith(card["title"])

    swedish = stack.say(conversation, "entä ruotsiksi?")
    assert swedish["lang"] == "sv"
    again = swedish["replies"][0]["card"]
    assert (again["id"], again["lang"]) == (service_id, "sv")

    status, others = stack.request(
        "POST", "/api/messages", {"conversation_id": conversation, "payload": "/service_others"}
    )
    assert status == 200
    choices = others["replies"][0]["buttons"]
    assert choices and all(b["payload"].startswith("/choose_result") for b in choices)
    status, chosen = stack.request(
        "POST", "/api/messages", {"conversation_id": conversation, "payload": choices[0]["payload"]}
    )
    assert status == 200
    assert chosen["replies"][0]["card"]["title"] == choices[0]["title"]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("mikä on huomisen sääennuste helsingissä", "fi"),
        ("vem vann fotbollsmatchen igår kväll", "sv"),
        ("who won the football match last night", "en"),
    ],
)
def test_out_of_scope_questions_are_refused_in_their_language(
    stack: Stack, text: str, lang: str
) -> None:
    body = stack.say(new_conversation(), text)
    assert body["lang"] == lang
    first = body["replies"][0]["text"].strip()
    not_found = {str(code): text for code, text in TEXTS["not_found"].items()}
    assert first == response_texts("utter_out_of_scope")[lang] or first.startswith(
        not_found[lang]
    ), first
    assert not any(r["card"] for r in body["replies"])


def texts_of(body: dict[str, Any]) -> str:
    return "\n".join(r["text"] for r in body["replies"] if r["text"])


def test_a_booking_conversation_in_finnish_and_its_cancellation(stack: Stack) -> None:
    conversation = new_conversation()
    day = open_weekday(3)
    asked = stack.say(
        conversation,
        f"voinko varata sählyvuoron Itäkeskuksen liikuntahallista {day.day}.{day.month}. klo 18?",
    )
    assert asked["lang"] == "fi"
    assert texts_of(asked).startswith("Kuinka pitkäksi aikaa?"), texts_of(asked)
    assert texts_of(stack.say(conversation, "tunniksi")).startswith("Mihin matkapuhelinnumeroon")
    # On the web a typed number is proved by a code texted to it.
    asked_code = texts_of(stack.say(conversation, "040 123 4567"))
    assert asked_code.startswith("Lähetin 6-numeroisen koodin"), asked_code
    assert "päättyy 67" in asked_code
    summary = texts_of(stack.say(conversation, code_sent_to(stack, "+358401234567")))
    assert summary.startswith("Varataanko Liikuntamylly, Palloilusali 1,"), summary
    assert f"{day.day}.{day.month}. klo 18.00-19.00? Hinta 26,00 euroa." in summary
    booked = stack.say(conversation, "kyllä")
    assert texts_of(booked).startswith("Varaus on tehty: Liikuntamylly, Palloilusali 1"), booked
    card = next(r["card"] for r in booked["replies"] if r["card"])
    assert card["kind"] == "booking"

    cancel = stack.say(conversation, "haluan perua varaukseni")
    assert texts_of(cancel).startswith("Perutaanko varaus Liikuntamylly"), texts_of(cancel)
    button = cancel["replies"][0]["buttons"][0]
    status, cancelled = stack.request(
        "POST", "/api/messages", {"conversation_id": conversation, "payload": button["payload"]}
    )
    assert status == 200
    assert texts_of(cancelled).startswith("Varaus on peruttu: Liikuntamylly"), cancelled


def test_a_booking_in_swedish_with_everything_said_at_once(stack: Stack) -> None:
    conversation = new_conversation()
    day = open_weekday(4)
    asked_code = texts_of(
        stack.say(
            conversation,
            f"jag vill boka bastun i Kampens servicecentral den {day.day}.{day.month} kl 14 "
            "i en timme, mitt nummer är 040 765 4321",
        )
    )
    assert asked_code.startswith("Jag skickade en sexsiffrig kod"), asked_code
    code = code_sent_to(stack, "+358407654321")
    summary = texts_of(stack.say(conversation, f"{code[:3]} {code[3:]}"))
    assert summary.startswith("Ska jag boka Kampens servicecentral, Bastu,"), summary
    booked = texts_of(stack.say(conversation, "ja tack"))
    assert booked.startswith("Bokningen är gjord: Kampens servicecentral, Bastu"), booked


def test_a_booking_in_english_then_my_bookings(stack: Stack) -> None:
    conversation = new_conversation()
    day = open_weekday(5)
    date = f"{day:%B} {day.day}"
    first = texts_of(
        stack.say(conversation, f"I'd like to book the music studio at Oodi on {date}")
    )
    assert first.startswith("At what time?"), first
    second = texts_of(stack.say(conversation, "at 6 pm for two hours"))
    assert second.startswith("Which mobile number"), second
    asked_code = texts_of(stack.say(conversation, "+358 40 111 2233"))
    assert asked_code.startswith("I sent a 6-digit code"), asked_code
    wrong = texts_of(stack.say(conversation, "000000"))
    code = code_sent_to(stack, "+358401112233")
    if code != "000000":
        assert wrong.startswith("That code is not right. You have 4 tries left."), wrong
        summary = texts_of(stack.say(conversation, code))
    else:
        summary = wrong
    assert summary.startswith("Shall I book Helsinki Central Library Oodi, Music studio,"), summary
    assert texts_of(stack.say(conversation, "yes")).startswith("Your booking is made")
    # The number proved for the booking is this conversation's: no second code.
    mine = texts_of(stack.say(conversation, "show my bookings"))
    assert mine.startswith("Your active bookings:"), mine
    assert "Helsinki Central Library Oodi, Music studio" in mine


def test_someone_elses_number_shows_none_of_their_bookings(stack: Stack) -> None:
    """The probe: a new conversation typing a resident's number used to list their bookings
    with cancel buttons. Now it gets a code question; guesses lock the code."""
    owner = new_conversation()
    day = open_weekday(12)
    stack.say(owner, f"I want to book the Maunula sports hall on {day:%B} {day.day} at 6 pm "
              "for an hour, my number is 040 555 0101")  # fmt: skip
    stack.say(owner, code_sent_to(stack, "+358405550101"))
    assert texts_of(stack.say(owner, "yes")).startswith("Your booking is made")

    attacker = new_conversation()
    stack.say(attacker, "show my bookings")
    asked = texts_of(stack.say(attacker, "040 555 0101"))
    assert asked.startswith("I sent a 6-digit code"), asked
    replies = [texts_of(stack.say(attacker, guess)) for guess in ("111111", "222222", "333333",
               "444444", "555555")]  # fmt: skip
    every = "\n".join(replies)
    assert "Maunula" not in every and "Your active bookings" not in every, every
    assert "too many times" in replies[-1], replies[-1]


def test_resident_text_never_reaches_the_logs(stack: Stack) -> None:
    marker = "Mannerheimintie " + uuid.uuid4().hex[:8]
    stack.say(new_conversation(), f"asun osoitteessa {marker}, voitteko auttaa")
    time.sleep(0.5)
    assert marker not in stack.logs()


def test_conversation_survives_a_rasa_crash_and_health_follows(stack: Stack) -> None:
    conversation = new_conversation()
    stack.say(conversation, "hej")
    stack.say(conversation, "in English please")

    os.kill(stack.pid("rasa"), signal.SIGKILL)
    body = stack.wait_health(503, 30)
    assert body["parts"]["rasa"]["status"] == "failing"
    assert body["parts"]["redis"]["status"] == "ok"

    status, error = stack.request(
        "POST", "/api/messages", {"conversation_id": conversation, "text": "kiitos"}
    )
    assert status == 503
    assert error["lang"] == "en", "the gateway remembers the conversation's language"
    assert error["processed"] is False

    stack.wait_health(200)
    after = stack.say(conversation, "kiitos")
    assert after["lang"] == "en", "the language slot survived the restart in Redis"
    assert after["replies"][0]["text"].strip() == response_texts("utter_you_are_welcome")["en"]
