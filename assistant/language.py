"""Which of Apuri's languages a message is written in.

Detection uses lingua (its models ship inside the wheel) restricted to Finnish, Swedish
and English. A short message ("ok", "hej") is ambiguous, so a detection carries a
confidence: the dialogue keeps the resident's remembered language unless the new message
is clearly in another one (see `actions/language.py`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from texts import Language as LangCode

_CODES: dict[Language, LangCode] = {
    Language.FINNISH: "fi",
    Language.SWEDISH: "sv",
    Language.ENGLISH: "en",
}

# Below these, a detection is only a best guess: good for a first message, not strong
# enough to move a conversation out of the language it is already in.
CONFIDENT_PROBABILITY = 0.7
CONFIDENT_MIN_LETTERS = 8
CONFIDENT_MIN_WORDS = 2

_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)


@dataclass(frozen=True)
class Detection:
    """The most likely language of a message and how sure the detector is."""

    lang: LangCode
    probability: float
    confident: bool


class LanguageDetectorService:
    """A lingua detector for fi/sv/en, built once per process (about 0.4 s, 100 MB)."""

    @cached_property
    def _detector(self) -> LanguageDetector:
        return (
            LanguageDetectorBuilder.from_languages(*_CODES).with_preloaded_language_models().build()
        )

    def warm_up(self) -> None:
        """Load the models now rather than on the first resident's message."""
        self.detect("Hei, miten voin auttaa?")

    def detect(self, text: str) -> Detection | None:
        """Detect the language of `text`; None when it has no letters to judge by."""
        text = unicodedata.normalize("NFC", text)
        letters = len(_LETTERS.findall(text))
        if letters == 0:
            return None
        values = self._detector.compute_language_confidence_values(text)
        if not values:
            return None
        best = values[0]
        lang = _CODES[best.language]
        confident = (
            best.value >= CONFIDENT_PROBABILITY
            and letters >= CONFIDENT_MIN_LETTERS
            and len(text.split()) >= CONFIDENT_MIN_WORDS
        )
        return Detection(lang=lang, probability=round(best.value, 3), confident=confident)


def choose_language(
    *,
    requested: LangCode | None = None,
    explicit: LangCode | None = None,
    detection: Detection | None = None,
    remembered: LangCode | None = None,
    default: LangCode = "fi",
) -> LangCode:
    """Decide the conversation's language for this turn.

    In order: a language the resident asked for in words or with a button ("på svenska"),
    one the channel set explicitly (the widget's language switch), a confident detection,
    the language the conversation is already in, a best guess, and the default.
    """
    if requested:
        return requested
    if explicit:
        return explicit
    if detection and detection.confident:
        return detection.lang
    if remembered:
        return remembered
    if detection:
        return detection.lang
    return default


# Words that name a language in a request to switch ("suomeksi", "på svenska", "english").
_REQUEST_WORDS: dict[LangCode, tuple[str, ...]] = {
    "fi": ("suomeksi", "suomea", "suomi", "finska", "finnish", "finsk"),
    "sv": ("ruotsiksi", "ruotsia", "ruotsi", "svenska", "swedish", "svensk"),
    "en": ("englanniksi", "englantia", "englanti", "engelska", "english", "engelsk", "enkuksi"),
}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def requested_language(text: str) -> LangCode | None:
    """The language a switch request names, if exactly one is named."""
    words = {w.lower() for w in _WORD.findall(text)}
    named = [
        lang
        for lang, stems in _REQUEST_WORDS.items()
        if any(word.startswith(stem) for word in words for stem in stems)
    ]
    return named[0] if len(named) == 1 else None
