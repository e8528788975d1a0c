"""Words to index terms: lower-casing, stop words, Snowball stems and character n-grams."""

from __future__ import annotations

import re
import threading

import Stemmer  # type: ignore[import-not-found]

from knowledge_base.models import Lang
from knowledge_base.stopwords import stopwords

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
GRAM_SIZE = 5
_SNOWBALL: dict[Lang, str] = {"fi": "finnish", "sv": "swedish", "en": "english"}


class Analyzer:
    """Turns text of one language into BM25 terms; safe to share between threads."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang
        self._stopwords = stopwords(lang)
        self._stemmer = Stemmer.Stemmer(_SNOWBALL[lang])
        self._lock = threading.Lock()  # a Snowball stemmer is not thread-safe

    def words(self, text: str) -> list[str]:
        """The lower-cased words of `text`, stop words included."""
        return _WORD.findall(text.lower())

    def terms(self, text: str) -> list[str]:
        """The stemmed words of `text` that are not stop words."""
        words = [w for w in self.words(text) if w not in self._stopwords]
        with self._lock:
            return list(self._stemmer.stemWords(words))

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
