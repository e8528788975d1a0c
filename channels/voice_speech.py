"""What the phone channel says: written replies made speakable and short, choices as keys.

Links are named, never read out; a masked phone number is said by its last digits (no
asterisks read aloud); lines become sentences; a long answer is cut at a sentence.
"""

from __future__ import annotations

import re

from assistant.replies import AssistantResponse
from channels.phone_texts import text
from privacy.phones import masked_endings
from texts import Language

MAX_SPOKEN_CHARS = 320
_URL = re.compile(r"https?://\S+|www\.\S+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# Finnish says "numeroon <number>" where the spoken form names the number itself.
_NUMBER_WORD = "numeroon "


def has_link(written: str) -> bool:
    return bool(_URL.search(written))


def _say_masked_numbers(written: str, lang: Language) -> str:
    spoken, done = "", 0
    for start, end, digits in masked_endings(written):
        before = written[done:start]
        if before.endswith(_NUMBER_WORD):
            before = before[: -len(_NUMBER_WORD)]
        spoken += before + text("number_ending", lang, digits=digits)
        done = end
    return spoken + written[done:]


def speakable(written: str, lang: Language) -> str:
    """Written text as it is spoken: links named, not read; a masked phone number by its
    last digits (no asterisks read aloud); lines joined into sentences."""
    spoken = _URL.sub(text("link_in_text", lang), written)
    spoken = _say_masked_numbers(spoken, lang)
    lines = [line.strip(" -•*") for line in spoken.splitlines()]
    sentences = [
        line if line.endswith((".", "!", "?", ":")) else f"{line}." for line in lines if line
    ]
    return re.sub(r"\s+", " ", " ".join(sentences)).strip()


def shorten_spoken(spoken: str, limit: int = MAX_SPOKEN_CHARS) -> tuple[str, bool]:
    """At most `limit` characters, ending at a sentence; and whether anything was left out."""
    if len(spoken) <= limit:
        return spoken, False
    kept = ""
    for sentence in _SENTENCE_END.split(spoken):
        if len(kept) + len(sentence) + 1 > limit:
            break
        kept = f"{kept} {sentence}".strip()
    if not kept:
        kept = spoken[:limit].rsplit(" ", 1)[0] + "."
    return kept, True


def choices_speech(buttons: list[tuple[str, str]], lang: Language) -> str:
    items = ". ".join(
        text("press", lang, n=str(n), title=title) for n, (title, _) in enumerate(buttons, 1)
    )
    return text("choices", lang, items=items)


def wants_person(response: AssistantResponse) -> bool:
    """Whether the resident asked for a person (the dialogue hands off to the helpline)."""
    return any(
        r.handoff is not None
        and r.handoff.kind == "helpline"
        and r.handoff.reason == "resident_asked"
        for r in response.replies
    )
