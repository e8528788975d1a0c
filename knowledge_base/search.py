"""Hybrid, cross-lingual search over Helsinki's errand services.

Search is synchronous, CPU-bound and thread-safe: an asyncio caller runs it in an
executor. Every document in every language is searched and the evidence is pooled per
service, so a Swedish question finds a service whose Swedish text is thin or missing;
the answer card is then given in the asked language where the service has it.
"""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from knowledge_base.analysis import mentions_organisation, names_other_municipality
from knowledge_base.build import load_or_build
from knowledge_base.cache import LRUCache
from knowledge_base.cards import answer_card
from knowledge_base.confidence import (
    DEFAULT_CALIBRATIONS,
    Calibration,
    Features,
    Mode,
    confidence,
    features,
)
from knowledge_base.embedders import DEFAULT_EMBEDDER, Embedder, Vectors, make_embedder
from knowledge_base.fusion import Floats, FusionParams, ServiceScores, max_by_group, z_scores
from knowledge_base.glossary import Glossary
from knowledge_base.index import LoadedIndex
from knowledge_base.ingest import default_data_path
from knowledge_base.models import AnswerCard, SearchHit, SearchResult
from knowledge_base.paths import default_index_dir
from texts import LANGUAGES, Language

DEFAULT_LANG: Language = "fi"


def as_lang(value: str | None) -> Language | None:
    """`value` as one of Apuri's languages, or None."""
    for lang in LANGUAGES:
        if value == lang:
            return lang
    return None


class ServiceSearch:
    """Finds the services that answer a resident's question.

    Loading warms the model and the indexes. Query vectors are kept in a small LRU
    cache. FAISS is set to one thread (process-wide): the flat index is small, and
    threads would only compete with the embedder and the event loop.
    """

    def __init__(
        self,
        index: LoadedIndex,
        embedder: Embedder,
        *,
        params: FusionParams | None = None,
        calibrations: dict[Mode, Calibration] | None = None,
        glossary: Glossary | None = None,
        cache_size: int = 1024,
        faiss_threads: int = 1,
    ) -> None:
        if index.manifest.model_name != embedder.name:
            raise ValueError(
                f"the index was built with {index.manifest.model_name}, not {embedder.name}"
            )
        faiss.omp_set_num_threads(faiss_threads)
        self.index = index
        self.embedder = embedder
        self.params = params or FusionParams()
        self.calibrations = calibrations or DEFAULT_CALIBRATIONS
        self.glossary = glossary
        self._vectors: LRUCache[str, Vectors] = LRUCache(cache_size)
        self._warm_up()

    @classmethod
    def open(
        cls,
        index_dir: Path | None = None,
        embedder: Embedder | str = DEFAULT_EMBEDDER,
        data_path: Path | None = None,
        progress: bool = False,
    ) -> ServiceSearch:
        """Loads the index in `index_dir`, building it first when missing or out of date."""
        directory = index_dir or default_index_dir()
        model = make_embedder(embedder) if isinstance(embedder, str) else embedder
        load_or_build(data_path or default_data_path(), directory, model, progress=progress)
        return cls(LoadedIndex.load(directory), model, glossary=Glossary.load())

    def _warm_up(self) -> None:
        """Runs the model and every index once, so the first real query is not slow."""
        self.search("Helsinki", "fi", k=1)
        self._vectors.clear()

    def _query_vector(self, query: str) -> Vectors:
        vector = self._vectors.get(query)
        if vector is None:
            vector = self.embedder.embed_queries([query])[0]
            self._vectors.put(query, vector)
        return vector

    def resolve_lang(self, query: str, lang: str | None) -> Language:
        """`lang` when it is one of Apuri's languages, else a guess from the query's words."""
        return as_lang(lang) or self.index.lexical.guess_language(query) or DEFAULT_LANG

    def service_scores(self, query: str, lang: Language, dense: bool = True) -> ServiceScores:
        """Every service's dense and lexical evidence for `query` asked in `lang`."""
        index = self.index
        services = len(index.service_ids)
        rows = len(index.row_service)
        if dense:
            similarities = index.dense.similarities(self._query_vector(query))
            by_row = max_by_group(similarities, index.passage_row, rows, -1.0)
            dense_z = z_scores(max_by_group(by_row, index.row_service, services, -1.0))
        else:
            dense_z = np.zeros(services, dtype=np.float32)
        other = self.params.other_language
        weights = {code: (1.0 if code == lang else other) for code in LANGUAGES}
        lexical = index.lexical.scores(query, weights)
        stems, grams = lexical.stems, lexical.grams
        if self.glossary is not None:
            weight = self.params.glossary_weight
            for code, words in self.glossary.translations(query, lang).items():
                translated = index.lexical.scores(words, {code: weight})
                stems = np.maximum(stems, translated.stems)
                grams = np.maximum(grams, translated.grams)
        # Rows after the documents are Apuri's search words: they count less than the
        # register's own text. (Both arrays are this query's own.)
        first_words = len(index.documents)
        stems[first_words:] *= self.params.search_words_weight
        grams[first_words:] *= self.params.search_words_weight
        return ServiceScores(
            dense_z=dense_z,
            stems=max_by_group(stems, index.row_service, services, 0.0),
            grams=max_by_group(grams, index.row_service, services, 0.0),
        )

    def rank(self, query: str, lang: Language, mode: Mode = "hybrid") -> tuple[Floats, Features]:
        """Every service's score for `query` under `mode`, and the calibration's features."""
        evidence = self.service_scores(query, lang, dense=mode != "lexical")
        penalty = self.params.organisation_penalty
        if penalty and not mentions_organisation(query):
            prior = -penalty * self.index.for_organisations.astype(np.float32)
        else:
            prior = np.zeros(len(self.index.service_ids), dtype=np.float32)
        if mode == "hybrid":
            lexical = evidence.lexical(self.params)
            scores: Floats = evidence.dense_z + lexical + prior
            return scores, features(scores, lexical)
        chosen = evidence.dense_z if mode == "dense" else evidence.lexical(self.params)
        scores = chosen + prior
        return scores, features(scores, None)

    def search(
        self, query: str, lang: str | None = None, k: int = 5, mode: Mode = "hybrid"
    ) -> SearchResult:
        """The `k` best services for `query`, with answer cards in `lang` where possible.

        `answered` is False when the confidence is under the threshold (out-of-scope
        questions); the best candidates are still listed.
        """
        query = " ".join(query.split())
        asked = self.resolve_lang(query, lang)
        if not query or k <= 0 or not self.index.service_ids:
            return SearchResult(query=query, lang=asked, answered=False, confidence=0.0)
        scores, found = self.rank(query, asked, mode)
        calibration = self.calibrations[mode]
        conf = confidence(found, calibration)
        order = np.argsort(-scores, kind="stable")[:k]
        hits = []
        for position in order:
            service_id = self.index.service_ids[int(position)]
            card = self.get_service(service_id, asked)
            if card is not None:
                hits.append(
                    SearchHit(
                        service_id=service_id,
                        score=round(float(scores[position]), 4),
                        name=card.name,
                        card=card,
                    )
                )
        return SearchResult(
            query=query,
            lang=asked,
            # Apuri answers for Helsinki: "Espoon kirjaston aukioloajat" is not ours to answer.
            answered=conf >= calibration.threshold and not names_other_municipality(query),
            confidence=round(conf, 4),
            results=tuple(hits),
        )

    def get_service(self, service_id: int, lang: str | None = None) -> AnswerCard | None:
        """The answer card of one service, in `lang` or the best language it has."""
        found = self.index.document(service_id, as_lang(lang) or DEFAULT_LANG)
        if found is None:
            return None
        doc, fallback = found
        asked = as_lang(lang) or DEFAULT_LANG
        translated = self.index.translated_names.get((service_id, asked), "")
        return answer_card(doc, fallback, translated)
