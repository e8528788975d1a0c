"""Words to index terms: lower-casing, stop words, Snowball stems and character n-grams.

Finnish and Swedish write compounds as one word ("asukaspysäköintitunnus",
"boendeparkeringstillstånd"). Given the stems the corpus uses on their own, a compound's
stem is also indexed by its head (the longest known stem it ends with) and its modifier
(the known word it starts with), so "pysäköintitunnus" finds the resident's permit and
"yrityspysäköintitunnus" also matches "yritys". The same splitting is applied to queries.
"""

from __future__ import annotations

import re
import threading

import Stemmer  # type: ignore[import-not-found]

from knowledge_base.stopwords import stopwords
from texts import Language

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
GRAM_SIZE = 5
COMPOUND_MIN = 8  # shorter stems are not split
PART_MIN = 4  # the shortest head or modifier kept
COMPOUNDING: frozenset[Language] = frozenset({"fi", "sv"})  # English compounds are spaced
_SNOWBALL: dict[Language, str] = {"fi": "finnish", "sv": "swedish", "en": "english"}


# Word beginnings that make a question one of a company or an association.
_ORGANISATION = re.compile(
    r"\b(?:yritys|yrityk|yrittäj|firma|toiminime|yhdisty|seura|liikkee|liikeh|ravintol|"
    r"företag|förening|näringsidkar|restaurang|"
    r"business|compan|enterprise|associat|employer|restaurant|shop|store)",
    re.IGNORECASE,
)


# Other municipalities residents name, in Finnish and Swedish stems (inflections follow:
# "Espoon", "Esbo stads", "Vantaalla"). Apuri answers for the City of Helsinki only.
_OTHER_MUNICIPALITY = re.compile(
    r"\b(espoo|espoon|espoos|esbo|vantaa|vantaan|vanda|kauniai|grankulla|kerava|kervo|"
    r"sipoo|sipoon|sibbo|kirkkonummi|kirkkonumme|kyrkslätt|tuusula|tusby|järvenpää|"
    r"träskända|turku|turun|åbo|tampere|tampereen|tammerfors|oulu|oulun|uleåborg|"
    r"jyväskylä|lahti|lahden|lahtis|kuopio|kuopion|pori|porin|björneborg|joensuu|"
    r"lappeenrant|vaasa|vaasan|porvoo|porvoon|borgå|hämeenlinn|tavastehus|"
    r"rovaniemi|kotka|kotkan|seinäjo|mikkeli|st\.? michel)\w*",
    re.IGNORECASE,
)


def names_other_municipality(text: str) -> bool:
    """Whether `text` asks about another town's services (Espoo, Vantaa, Turku...)."""
    return _OTHER_MUNICIPALITY.search(text) is not None


def mentions_organisation(text: str) -> bool:
    """Whether `text` speaks of a company, an association, a shop or a restaurant."""
    return _ORGANISATION.search(text) is not None


class Analyzer:
    """Turns text of one language into BM25 terms; safe to share between threads."""

    def __init__(self, lang: Language, vocabulary: frozenset[str] = frozenset()) -> None:
        self.lang = lang
        self.vocabulary = vocabulary
        self._stopwords = stopwords(lang)
        self._stemmer = Stemmer.Stemmer(_SNOWBALL[lang])
        self._lock = threading.Lock()  # a Snowball stemmer is not thread-safe

    def words(self, text: str) -> list[str]:
        """The lower-cased words of `text`, stop words included."""
        return _WORD.findall(text.lower())

    def stems(self, text: str) -> list[str]:
        """The stemmed words of `text` that are not stop words, compounds unsplit."""
        words = [w for w in self.words(text) if w not in self._stopwords]
        with self._lock:
            return list(self._stemmer.stemWords(words))

    def terms(self, text: str) -> list[str]:
        """The stemmed words of `text` that are not stop words, plus compound parts."""
        result: list[str] = []
        for stem in self.stems(text):
            result.append(stem)
            if len(stem) >= COMPOUND_MIN and self.lang in COMPOUNDING:
                result.extend(self.compound_parts(stem))
        return result

    def compound_parts(self, stem: str) -> list[str]:
        """The known parts of a compound stem, found from its end, if it splits at all.

        The longest known tail is split off and the rest split again, so
        "asukaspysäköintitunnuks" gives "tunnuks", "pysäköint" and "asukas". A part known
        only without its last letter (a linking "s" in Swedish "parkerings-", the "i" of
        Finnish "pysäköinti-" that the stemmer drops) counts in that shorter form.
        """
        parts: list[str] = []
        rest = stem
        while len(rest) >= 2 * PART_MIN - 1:
            for start in range(PART_MIN - 1, len(rest) - PART_MIN + 1):
                part = self._known(rest[start:])
                if part:
                    parts.append(part)
                    rest = rest[:start]
                    break
            else:
                break
        last = self._known(rest) if parts and len(rest) >= PART_MIN - 1 else None
        if last:
            parts.append(last)
        return parts

    def _known(self, piece: str) -> str | None:
        if piece in self.vocabulary:
            return piece
        if len(piece) > PART_MIN and piece[:-1] in self.vocabulary:
            return piece[:-1]
        return None

    def grams(self, text: str, size: int = GRAM_SIZE) -> list[str]:
        """Character `size`-grams of the words of `text` that are not stop words.

        Each word is marked at both ends, so `#kela#` and a `#kela` prefix stay apart from a
        `kela` inside a longer word; compound parts of Finnish and Swedish words match.
        """
        result: list[str] = []
        for word in self.words(text):
            if word in self._stopwords:
                continue
            marked = f"#{word}#"
            if len(marked) <= size:
                result.append(marked)
            else:
                result.extend(marked[i : i + size] for i in range(len(marked) - size + 1))
        return result

    def function_word_count(self, text: str) -> int:
        """How many words of `text` are stop words of this language."""
        return sum(1 for w in self.words(text) if w in self._stopwords)
