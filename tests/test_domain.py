"""Every response a resident can see exists in Finnish, Swedish and English, alike in shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())
RESPONSES: dict[str, list[dict[str, Any]]] = DOMAIN["responses"]


def language_of(variation: dict[str, Any]) -> str:
    conditions = variation.get("condition") or []
    languages = [
        c["value"] for c in conditions if c.get("type") == "slot" and c.get("name") == "language"
    ]
    assert len(languages) <= 1, f"a variation with several language conditions: {variation}"
    return languages[0] if languages else "fi"


def test_there_are_responses() -> None:
    assert len(RESPONSES) >= 10


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_response_exists_once_in_each_language(name: str) -> None:
    languages = sorted(language_of(v) for v in RESPONSES[name])
    assert languages == ["en", "fi", "sv"], f"{name} has variations for {languages}"


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_variations_have_text_and_the_same_buttons(name: str) -> None:
    by_lang = {language_of(v): v for v in RESPONSES[name]}
    payloads = {lang: [b["payload"] for b in v.get("buttons") or []] for lang, v in by_lang.items()}
    assert payloads["fi"] == payloads["sv"] == payloads["en"], f"{name}: {payloads}"
    for lang, variation in by_lang.items():
        assert (variation.get("text") or "").strip(), f"{name} has no {lang} text"
        for button in variation.get("buttons") or []:
            assert button["title"].strip(), f"{name} has an empty {lang} button title"


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_finnish_is_the_unconditional_default(name: str) -> None:
    defaults = [v for v in RESPONSES[name] if not v.get("condition")]
    assert len(defaults) == 1, f"{name} needs exactly one unconditional (fi) variation"


def test_language_slot_is_set_by_the_action_after_every_message() -> None:
    slot = DOMAIN["slots"]["language"]
    assert slot["values"] == ["fi", "sv", "en"]
    assert slot["mappings"] == [{"type": "custom", "action": "action_set_language"}]
    assert "action_set_language" in DOMAIN["actions"]
