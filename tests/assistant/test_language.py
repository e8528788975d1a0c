"""Language detection and the choice of a conversation's language."""

from __future__ import annotations

import pytest

from assistant.language import (
    Detection,
    LanguageDetectorService,
    choose_language,
    requested_language,
)


@pytest.fixture(scope="module")
def detector() -> LanguageDetectorService:
    return LanguageDetectorService()


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("mistä saan pysäköintitunnuksen?", "fi"),
        ("voinko varata saunavuoron huomiseksi", "fi"),
        ("mä haluisin puhua hoitajan kaa", "fi"),
        ("hur ansöker jag om dagvård", "sv"),
        ("tack så mycket för hjälpen", "sv"),
        ("my bin wasn't emptied this week", "en"),
        ("where can I renew my library card", "en"),
    ],
)
def test_sentences_are_detected_confidently(
    detector: LanguageDetectorService, text: str, lang: str
) -> None:
    detection = detector.detect(text)
    assert detection is not None
    assert detection.lang == lang
    assert detection.confident


@pytest.mark.parametrize("text", ["ok", "moi", "hej", "Itäkeskus", "xyzzy qwerty"])
def test_short_or_odd_messages_are_only_a_best_guess(
    detector: LanguageDetectorService, text: str
) -> None:
    detection = detector.detect(text)
    assert detection is not None
    assert not detection.confident


@pytest.mark.parametrize("text", ["", "123 456", "?!", "🙂🙂"])
def test_text_without_letters_has_no_language(detector: LanguageDetectorService, text: str) -> None:
    assert detector.detect(text) is None


def test_first_short_message_uses_the_best_guess() -> None:
    hej = Detection(lang="sv", probability=0.61, confident=False)
    assert choose_language(detection=hej) == "sv"


def test_remembered_language_wins_over_a_guess() -> None:
    ok = Detection(lang="fi", probability=0.65, confident=False)
    assert choose_language(detection=ok, remembered="en") == "en"


def test_a_confident_detection_moves_the_conversation() -> None:
    swedish = Detection(lang="sv", probability=0.99, confident=True)
    assert choose_language(detection=swedish, remembered="fi") == "sv"


def test_requested_language_beats_everything() -> None:
    finnish = Detection(lang="fi", probability=0.99, confident=True)
    chosen = choose_language(requested="en", explicit="sv", detection=finnish, remembered="fi")
    assert chosen == "en"


def test_explicit_channel_language_beats_detection() -> None:
    finnish = Detection(lang="fi", probability=0.99, confident=True)
    assert choose_language(explicit="sv", detection=finnish) == "sv"


def test_default_when_nothing_is_known() -> None:
    assert choose_language(default="sv") == "sv"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("suomeksi kiitos", "fi"),
        ("puhu ruotsia", "sv"),
        ("voidaanko jatkaa englanniksi", "en"),
        ("på svenska tack", "sv"),
        ("kan vi tala finska", "fi"),
        ("in English please", "en"),
        ("can we speak Swedish", "sv"),
        ("Can you do this in Finnish?", "fi"),
    ],
)
def test_switch_requests_name_their_language(text: str, lang: str) -> None:
    assert requested_language(text) == lang


@pytest.mark.parametrize("text", ["vaihda kieli", "change language", "english or swedish?"])
def test_requests_naming_no_single_language_give_none(text: str) -> None:
    assert requested_language(text) is None
