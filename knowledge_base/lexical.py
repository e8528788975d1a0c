"""BM25 over the service documents, per language: Snowball stems and character n-grams.

Stems match inflected words, and compounds also by their parts where the language's
corpus uses those on their own ("pysäköintitunnus" in "asukaspysäköintitunnuksen");
5-grams match what is left of compounds, and typos.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s  # type: ignore[import-untyped]
import numpy as np
from numpy.typing import NDArray

from knowledge_base.analysis import PART_MIN, Analyzer
from texts import LANGUAGES, Language

Scores = NDArray[np.float32]
FIELDS = ("stems", "grams")


@dataclass(frozen=True)
class LexicalScores:
    """BM25 of every document row, by stems and by character n-grams."""

    stems: Scores
    grams: Scores


def _terms(analyzer: Analyzer, field: str) -> Callable[[str], list[str]]:
    return analyzer.terms if field == "stems" else analyzer.grams


class LexicalIndex:
    """BM25 scores of every document for a query, in any of the three languages."""

    def __init__(
        self,
        indexes: dict[tuple[str, Language], bm25s.BM25],
        rows: dict[Language, NDArray[np.int64]],
        vocabularies: dict[Language, frozenset[str]] | None = None,
    ) -> None:
        self._indexes = indexes
        self._rows = rows
        self._vocabularies = vocabularies or {}
        self._analyzers = {
            lang: Analyzer(lang, self._vocabularies.get(lang, frozenset())) for lang in LANGUAGES
        }
        self.size = sum(len(r) for r in rows.values())

    @classmethod
    def build(cls, texts: Sequence[str], langs: Sequence[Language]) -> LexicalIndex:
        """Indexes `texts[i]`, written in `langs[i]`, as document row `i`."""
        indexes: dict[tuple[str, Language], bm25s.BM25] = {}
        rows: dict[Language, NDArray[np.int64]] = {}
        vocabularies: dict[Language, frozenset[str]] = {}
        for lang in LANGUAGES:
            mine = np.array([i for i, lg in enumerate(langs) if lg == lang], dtype=np.int64)
            rows[lang] = mine
            vocabularies[lang] = vocabulary(Analyzer(lang), (texts[i] for i in mine))
            analyzer = Analyzer(lang, vocabularies[lang])
            for field in FIELDS:
                terms = _terms(analyzer, field)
                index = bm25s.BM25()
                if len(mine):
                    index.index([terms(texts[i]) or [""] for i in mine], show_progress=False)
                indexes[field, lang] = index
        return cls(indexes, rows, vocabularies)

    def save(self, directory: Path) -> None:
        """Writes the index under `directory`."""
        for (field, lang), index in self._indexes.items():
            if len(self._rows[lang]):
                index.save(str(directory / f"{field}-{lang}"), show_progress=False)
        rows = {lang: self._rows[lang].tolist() for lang in LANGUAGES}
        (directory / "rows.json").write_text(json.dumps(rows), encoding="utf-8")
        words = {lang: sorted(self._vocabularies.get(lang, ())) for lang in LANGUAGES}
        (directory / "vocabulary.json").write_text(
            json.dumps(words, ensure_ascii=False), encoding="utf-8"
        )

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        """Reads an index written by `save`."""
        raw = json.loads((directory / "rows.json").read_text(encoding="utf-8"))
        rows = {lang: np.array(raw[lang], dtype=np.int64) for lang in LANGUAGES}
        indexes = {
            (field, lang): (
                bm25s.BM25.load(str(directory / f"{field}-{lang}"))
                if len(rows[lang])
                else bm25s.BM25()
            )
            for field in FIELDS
            for lang in LANGUAGES
        }
        words = json.loads((directory / "vocabulary.json").read_text(encoding="utf-8"))
        return cls(indexes, rows, {lang: frozenset(words[lang]) for lang in LANGUAGES})

    def _field_scores(self, field: str, query: str, weights: dict[Language, float]) -> Scores:
        result = np.zeros(self.size, dtype=np.float32)
        for lang, weight in weights.items():
            if weight <= 0 or not len(self._rows[lang]):
                continue
            index = self._indexes[field, lang]
            ids = index.get_tokens_ids(_terms(self._analyzers[lang], field)(query))
            if ids:
                result[self._rows[lang]] = weight * index.get_scores_from_ids(ids)
        return result

    def scores(self, query: str, weights: dict[Language, float]) -> LexicalScores:
        """BM25 of every document row; each language's scores times its weight."""
        return LexicalScores(
            stems=self._field_scores("stems", query, weights),
            grams=self._field_scores("grams", query, weights),
        )

    def guess_language(self, query: str) -> Language | None:
        """The language whose function words and vocabulary cover most of `query`."""
        best: Language | None = None
        best_count = 0
        for lang in LANGUAGES:
            analyzer = self._analyzers[lang]
            known = 0
            if len(self._rows[lang]):
                known = len(self._indexes["stems", lang].get_tokens_ids(analyzer.terms(query)))
            count = 2 * analyzer.function_word_count(query) + known
            if count > best_count:
                best, best_count = lang, count
        return best


def vocabulary(analyzer: Analyzer, texts: Iterable[str]) -> frozenset[str]:
    """The stems `texts` use as words of their own: the parts compounds are split into."""
    known: set[str] = set()
    for text in texts:
        known.update(stem for stem in analyzer.stems(text) if len(stem) >= PART_MIN)
    return frozenset(known)
