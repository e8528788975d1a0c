"""The texts a service document is indexed by: short passages to embed, one text for BM25."""

from __future__ import annotations

from knowledge_base.models import SearchWords, ServiceDocument
from knowledge_base.text import one_line, shorten

MAIN_CHARS = 480
DETAIL_CHARS = 420


def _heading(doc: ServiceDocument) -> str:
    if doc.synonyms:
        return f"{doc.name} ({', '.join(doc.synonyms)})"
    return doc.name


def _channel_names(doc: ServiceDocument) -> str:
    names = dict.fromkeys(c.name for c in doc.channels if c.name and c.name != doc.name)
    return ". ".join(names)


def passages(doc: ServiceDocument) -> list[str]:
    """Short passages that together describe `doc`, each worth one embedding.

    The name alone (with its synonyms) is one: a short passage matches short questions, and
    across languages, better than a long one. The name with the description is another; a
    service with no description borrows its further information and channel names. How to
    apply gets a passage of its own when present.
    """
    body = doc.description or " ".join(
        part for part in (doc.information, _channel_names(doc)) if part
    )
    result = [_heading(doc)]
    if body:
        result.append(shorten(f"{_heading(doc)}. {one_line(body)}", MAIN_CHARS))
    if doc.how_to_apply:
        result.append(shorten(f"{doc.name}: {one_line(doc.how_to_apply)}", DETAIL_CHARS))
    return result


def lexical_text(doc: ServiceDocument) -> str:
    """All of `doc`'s searchable text, the name and synonyms counted twice."""
    heading = f"{doc.name} {' '.join(doc.synonyms)}"
    parts = [
        heading,
        heading,
        doc.description,
        doc.how_to_apply,
        doc.information,
        doc.cost,
        _channel_names(doc),
    ]
    return "\n".join(part for part in parts if part)


def words_passage(words: SearchWords) -> str:
    """The one passage of a service's search words: the name, then the other words."""
    first, *rest = words.words
    return f"{first} ({', '.join(rest)})" if rest else first


def words_lexical_text(words: SearchWords) -> str:
    """A service's search words for BM25, counted twice like a document's heading."""
    line = " ".join(words.words)
    return f"{line}\n{line}"
