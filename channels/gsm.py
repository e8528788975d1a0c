"""Text-message arithmetic: the GSM 03.38 alphabet, segments, and fitting a text into them.

A text message written only in the GSM-7 alphabet carries 160 characters, or 153 per segment
when it is split; one character outside it (an emoji, a typographic quote, "š") turns the
whole message into UCS-2, 70 or 67 characters per segment, and triples what it costs.
Finnish and Swedish fit in GSM-7 (ä ö å Ä Ö Å are in it), so Apuri replaces the few
characters that would break that (dashes, quotes, ellipses, non-breaking spaces) and keeps
UCS-2 only for text that cannot be written otherwise.
"""

from __future__ import annotations

import unicodedata

# The basic character set (one septet each) and the extension table (escape + septet).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")

SINGLE_GSM7, PART_GSM7 = 160, 153
SINGLE_UCS2, PART_UCS2 = 70, 67
ELLIPSIS = "..."  # three full stops: "…" is not in GSM-7

# Look-alikes residents never notice, written the GSM-7 way.
_REPLACEMENTS = {
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2212": "-",  # minus
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2026": "...",
    "\u00a0": " ",  # no-break space
    "\u202f": " ",
    "\u2009": " ",
    "\u00b7": "-",
    "\u2022": "-",
    "\t": " ",
    "`": "'",
    "\u00e1": "a",
    "\u00e2": "a",
    "\u00e7": "c",
    "\u00ea": "e",
    "\u00eb": "e",
    "\u00ed": "i",
    "\u00ee": "i",
    "\u00ef": "i",
    "\u00f3": "o",
    "\u00f4": "o",
    "\u00fa": "u",
    "\u00fb": "u",
    "\u0161": "s",  # š
    "\u0160": "S",
    "\u017e": "z",  # ž
    "\u017d": "Z",
}


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def septets(text: str) -> int:
    """Septets `text` takes in GSM-7 (extension characters take two)."""
    return sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)


def to_gsm7(text: str) -> str:
    """`text` with look-alike characters replaced so that it stays in GSM-7 where it can.

    Characters with no GSM-7 form (other scripts, emoji) are kept: the message is then sent
    as UCS-2, which is still correct, only shorter per segment.
    """
    replaced = "".join(_REPLACEMENTS.get(ch, ch) for ch in unicodedata.normalize("NFC", text))
    # Emoji and other symbols carry no meaning a text message needs.
    return "".join(
        ch for ch in replaced if not unicodedata.category(ch).startswith(("So", "Cs", "Co"))
    )


def segments(text: str) -> int:
    """How many message segments `text` is sent as."""
    if not text:
        return 1
    if is_gsm7(text):
        length = septets(text)
        return 1 if length <= SINGLE_GSM7 else -(-length // PART_GSM7)
    # UCS-2 counts UTF-16 code units.
    length = len(text.encode("utf-16-le")) // 2
    return 1 if length <= SINGLE_UCS2 else -(-length // PART_UCS2)


def capacity(text: str, max_segments: int) -> int:
    """The most characters of `text`'s encoding that fit in `max_segments`."""
    if is_gsm7(text):
        return SINGLE_GSM7 if max_segments == 1 else PART_GSM7 * max_segments
    return SINGLE_UCS2 if max_segments == 1 else PART_UCS2 * max_segments


def fit(text: str, max_segments: int, tail: str) -> str:
    """`text` and `tail` (a short "more: <link>", the choices) within `max_segments`: when
    both do not fit, `text` is cut at a word and marked with "..." before `tail`."""
    if segments(text + tail) <= max_segments:
        return text + tail
    room = capacity(text + tail, max_segments) - _length(tail) - len(ELLIPSIS)
    cut = text
    while _length(cut) > room:
        cut = cut[: max(1, len(cut) - max(1, _length(cut) - room))]
    boundary = max(cut.rfind(" "), cut.rfind("\n"))
    if boundary > len(cut) // 2:
        cut = cut[:boundary]
    while True:
        result = f"{cut.rstrip(' ,.;:-')}{ELLIPSIS}{tail}"
        if segments(result) <= max_segments or not cut:
            return result
        cut = cut[:-1]


def _length(text: str) -> int:
    return septets(text) if is_gsm7(text) else len(text.encode("utf-16-le")) // 2
