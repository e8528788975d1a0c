"""Every response Apuri can give, rendered for every channel in every language: none is
empty, none exceeds what a text message (three segments) or a spoken turn may hold.

The responses are those in domain.yml and the texts the actions and the channels compose
(placeholders filled with long, realistic values).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.booking_texts import TEXTS as BOOKING_TEXTS
from actions.language import LANGUAGE_SWITCHED
from actions.service_replies import TEXTS as SERVICE_TEXTS
from assistant.messages import MESSAGES
from assistant.replies import AssistantResponse, Button, Reply
from channels import sms
from channels import voice_speech as voice
from channels.gsm import segments
from channels.phone_texts import TEXTS as PHONE_TEXTS

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())
LANGS = ("fi", "sv", "en")
MORE_URL = "https://apuri.hel.fi/m/AbCdEfGhIjKl"


class Filled(dict[str, str]):
    """Any placeholder, filled with a value as long as real ones get."""

    def __missing__(self, key: str) -> str:
        return "Itäkeskuksen liikuntahalli, sali 2 (Turunlinnantie 1)"


def domain_replies() -> list[tuple[str, str, Reply]]:
    cases = []
    for name, variations in DOMAIN["responses"].items():
        for variation in variations:
            lang = (variation.get("condition") or [{"value": "fi"}])[0]["value"]
            buttons = [Button(**b) for b in variation.get("buttons", [])]
            cases.append((name, lang, Reply(text=variation.get("text"), buttons=buttons)))
    return cases


def composed_replies() -> list[tuple[str, str, Reply]]:
    cases = []
    tables: dict[str, Mapping[Any, str]] = {
        **{f"booking.{k}": v for k, v in BOOKING_TEXTS.items()},
        **{f"service.{k}": v for k, v in SERVICE_TEXTS.items()},
        **{f"gateway.{k}": v for k, v in MESSAGES.items()},
        **{f"channel.{k}": v for k, v in PHONE_TEXTS.items()},
        "language_switched": LANGUAGE_SWITCHED,
    }
    for name, texts in tables.items():
        for lang in LANGS:
            filled = texts[lang].format_map(Filled(phone="09 310 11111"))
            cases.append((name, lang, Reply(text=filled)))
    return cases


CASES = domain_replies() + composed_replies()


def test_every_response_exists_in_every_language() -> None:
    for name in DOMAIN["responses"]:
        langs = {lang for case, lang, _ in CASES if case == name}
        assert langs == set(LANGS), f"{name} lacks {set(LANGS) - langs}"


@pytest.mark.parametrize(("name", "lang", "reply"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_response_renders_within_each_channels_limits(name: str, lang: str, reply: Reply) -> None:
    response = AssistantResponse(conversation_id="render-test", lang=lang, replies=[reply])  # type: ignore[arg-type]
    # Web: the widget shows the reply model as it is.
    web = response.model_dump(mode="json")["replies"][0]
    assert web["text"] or web["buttons"], f"{name}: empty for the web"
    # SMS: plain text, at most three segments, with or without a link to the rest.
    body, buttons = sms.compose(response)
    text_message = sms.render(body, buttons, response.lang, MORE_URL)
    assert text_message.strip(), f"{name}: empty SMS"
    assert segments(text_message) <= sms.MAX_SEGMENTS, f"{name}: {segments(text_message)} segments"
    # Voice: plain speech, shortened to one turn, choices read out.
    spoken, _ = voice.shorten_spoken(voice.speakable(body, response.lang))
    assert spoken.strip(), f"{name}: nothing to say"
    assert len(spoken) <= voice.MAX_SPOKEN_CHARS
    assert "http" not in spoken
    if buttons:
        menu = voice.choices_speech(buttons, response.lang)
        assert all(title in menu for title, _ in buttons)
