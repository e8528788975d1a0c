"""Text clean-up for service texts: HTML remnants, zero-width characters, sentences."""

from __future__ import annotations

import html
import re
import unicodedata

_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9]*)[^>]*>")
_BLOCK_TAGS = frozenset({"p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "tr"})
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad"))
_SPACES = re.compile(r"[ \t\u00a0\u202f\u2009]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9\"'(])")
_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


def clean_text(text: str | None) -> str:
    """`text` without HTML tags or entities, zero-width characters and runs of spaces.

    Paragraph breaks survive as one blank line; block-level tags become line breaks.
    """
    if not text:
        return ""

    def _tag(match: re.Match[str]) -> str:
        return "\n" if match.group(2).lower() in _BLOCK_TAGS else ""

    text = _TAG.sub(_tag, html.unescape(_TAG.sub(_tag, text)))  # also tags escaped once
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return _BLANK_LINES.sub("\n\n", text).strip()


def one_line(text: str) -> str:
    """`text` with every line break turned into a space."""
    return " ".join(text.split())


def sentences(text: str) -> list[str]:
    """The sentences of `text`, list items and paragraphs counted as sentences."""
    result: list[str] = []
    for raw_line in text.split("\n"):
        line = _LIST_ITEM.sub("", raw_line).strip()
        if line:
            result.extend(part.strip() for part in _SENTENCE_END.split(line) if part.strip())
    return result


def first_sentences(text: str, count: int = 2, max_chars: int = 320) -> str:
    """At most `count` leading sentences of `text`, cut to about `max_chars` characters."""
    chosen: list[str] = []
    length = 0
    for sentence in sentences(text):
        if chosen and length + len(sentence) > max_chars:
            break
        chosen.append(sentence)
        length += len(sentence) + 1
        if len(chosen) == count:
            break
    return shorten(" ".join(chosen), max_chars)


def shorten(text: str, max_chars: int) -> str:
    """`text` cut at a word boundary to at most `max_chars` characters, with an ellipsis."""
    text = one_line(text)
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1].rsplit(" ", 1)[0].rstrip(",;:–-")
    return cut + "…"
