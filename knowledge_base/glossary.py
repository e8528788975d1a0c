"""The city's service ontology as a Finnish-Swedish-English glossary for questions.

Many services are described in Finnish only, or thinly in the other languages, so a
Swedish or English question shares no words with them. The service register's
ontology names about 1,900 service topics in all three languages ("hittegodsservice" =
"löytötavarapalvelu" = "lost property service", "ergoterapi" = "toimintaterapia").
When most of a topic's name appears in a question, the topic's names in the other
languages are searched too, in those languages' lexical indexes.

Matching is by character 5-grams, so inflected and compounded forms count
("närståendevården" finds "närståendevård"), and a topic must be mostly contained in
the question, so a single shared word of a long topic name does not count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path

from knowledge_base.analysis import Analyzer
from knowledge_base.ingest import read_records
from texts import LANGUAGES, Language

BUNDLED_TERMS = "ontology_terms.jsonl.gz"
MIN_OVERLAP = 0.6  # share of a topic's 5-grams the question must contain
MIN_GRAMS = 3  # shorter topic names ("Wilma", "IT") are names, the same in every language

Term = Mapping[Language, str]


def default_terms_path() -> Path:
    """The ontology glossary shipped with the package."""
    return Path(str(resources.files("knowledge_base") / "data" / BUNDLED_TERMS))


def read_terms(path: Path) -> list[dict[Language, str]]:
    """The fi/sv/en name triples of a glossary file (JSON lines, gzipped or not)."""
    return [{lang: str(raw[lang]) for lang in LANGUAGES} for raw in read_records(path)]


def _topic(name: str) -> str:
    """`name` without a parenthesised qualifier: "skadedjur inomhus (miljöhälsovård)"."""
    head, _, _ = name.partition("(")
    return head.strip() or name


class Glossary:
    """Finds the ontology topic a question names and gives its names in other languages."""

    def __init__(self, terms: Sequence[Term], min_overlap: float = MIN_OVERLAP) -> None:
        self.terms = tuple(terms)
        self.min_overlap = min_overlap
        self._analyzers = {lang: Analyzer(lang) for lang in LANGUAGES}
        self._postings: dict[Language, dict[str, list[int]]] = {lang: {} for lang in LANGUAGES}
        self._sizes: dict[Language, list[int]] = {lang: [] for lang in LANGUAGES}
        for position, term in enumerate(self.terms):
            for lang in LANGUAGES:
                grams = set(self._analyzers[lang].grams(_topic(term[lang])))
                self._sizes[lang].append(len(grams))
                for gram in grams:
                    self._postings[lang].setdefault(gram, []).append(position)

    @classmethod
    def load(cls, path: Path | None = None) -> Glossary:
        """The glossary in `path`, by default the one shipped with the package."""
        return cls(read_terms(path or default_terms_path()))

    def best_term(self, query: str, lang: Language) -> Term | None:
        """The topic most of whose `lang` name `query` contains, if any contains enough.

        Ties go to the longer name: "stöd för närståendevård för äldre" over "stöd".
        """
        shared: Counter[int] = Counter()
        postings = self._postings[lang]
        for gram in set(self._analyzers[lang].grams(query)):
            shared.update(postings.get(gram, ()))
        sizes = self._sizes[lang]
        best: tuple[float, int, int] | None = None
        for position, count in shared.items():
            size = sizes[position]
            if size < MIN_GRAMS:
                continue
            overlap = count / size
            if overlap >= self.min_overlap:
                candidate = (overlap, size, -position)
                if best is None or candidate > best:
                    best = candidate
        return None if best is None else self.terms[-best[2]]

    def translations(self, query: str, lang: Language) -> dict[Language, str]:
        """The names, in the other languages, of the topic `query` names; empty if none."""
        term = self.best_term(query, lang)
        if term is None:
            return {}
        return {other: term[other] for other in LANGUAGES if other != lang}
