"""Which bookable space a resident means: "Itäkeskuksen liikuntahallista", "bastun i Kampen".

Words are compared by prefix, so Finnish and Swedish inflections still match the
keywords in the seed data ("liikuntamyllyyn" starts with "liikuntamylly", "bastun" with
"bastu"). Every keyword, unit name, space name and area counts; the best-scoring spaces
are returned, so the dialogue can ask which one when several fit equally.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from booking.models import Resource

# Words that name a kind of space, in fi/sv/en (also matched by prefix).
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "sports_hall": (
        "liikuntahall", "liikuntasal", "sali", "salivuoro", "sähly", "salibandy",
        "sulkapallo", "koripallo", "lentopallo", "futis", "jalkapallo", "kenttä",
        "idrottshall", "idrottssal", "innebandy", "badminton", "basket", "fotboll",
        "sports hall", "gym", "floorball", "football", "pitch", "hall",
    ),
    "sauna": ("sauna", "saunavuoro", "bastu"),
    "meeting_room": (
        "kokoushuone", "kokoustila", "neuvotteluhuone", "ryhmätila", "ryhmätyötila",
        "mötesrum", "grupprum", "meeting room", "group room", "meeting",
    ),
    "music_studio": (
        "studio", "musiikkistudio", "bändikämppä", "treenikämppä", "musikstudio",
        "replokal", "music", "rehearsal",
    ),
}  # fmt: skip

_WORD = re.compile(r"[\wåäö-]+", re.IGNORECASE)
MIN_PREFIX = 4
LONG_WORD = 7


@dataclass(frozen=True)
class Match:
    resource: Resource
    score: float


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _prefix(word: str) -> str:
    """The part of a keyword that its inflected forms keep: "itäkeskus" -> "itäkesk"
    (itäkeskuksen), "liikuntahalli" -> "liikuntahal" (liikuntahallista)."""
    return word[:-2] if len(word) >= LONG_WORD else word


def _phrase_in(phrase: str, words: Sequence[str], joined: str) -> bool:
    """Whether `phrase` occurs in the text: a multi-word phrase as is, a word by prefix."""
    phrase = phrase.lower()
    if " " in phrase:
        return phrase in joined
    if len(phrase) < MIN_PREFIX:
        return phrase in words
    stem = _prefix(phrase)
    return any(word.startswith(stem) for word in words)


def _named(name: str, words: Sequence[str], joined: str) -> bool:
    parts = [part for part in _words(name) if len(part) >= MIN_PREFIX]
    return bool(parts) and all(_phrase_in(part, words, joined) for part in parts)


def kind_of(text: str) -> str | None:
    """The kind of space `text` names, if it names exactly one kind."""
    words = _words(text)
    joined = " ".join(words)
    kinds = {
        kind
        for kind, phrases in KIND_WORDS.items()
        if any(_phrase_in(p, words, joined) for p in phrases)
    }
    return kinds.pop() if len(kinds) == 1 else None


def match_resources(text: str, resources: Sequence[Resource]) -> list[Match]:
    """The spaces `text` may mean, best first (empty when it names none)."""
    words = _words(text)
    joined = " ".join(words)
    kind = kind_of(text)
    scored = []
    for resource in resources:
        score = 0.0
        for keyword in resource.keywords:
            if _phrase_in(keyword, words, joined):
                score += 1.0
        # The unit's own name weighs most; a space's name ("Sauna") mostly repeats the kind.
        for names, weight in ((resource.unit_name, 2.0), (resource.name, 0.5)):
            if any(_named(name, words, joined) for name in names.values()):
                score += weight
        if _phrase_in(resource.area, words, joined):
            score += 1.0
        if kind is not None:
            score = score + 1.0 if resource.kind == kind else score - 2.0
        if score > 0:
            scored.append(Match(resource, score))
    scored.sort(key=lambda m: (-m.score, m.resource.id))
    if not scored:
        return []
    best = scored[0].score
    return [m for m in scored if m.score >= best - 0.5]
