"""A built index loaded into memory: documents, passages and both retrieval indexes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from knowledge_base.dense import DenseIndex
from knowledge_base.lexical import LexicalIndex
from knowledge_base.models import FALLBACK_ORDER, Manifest, SearchWords, ServiceDocument
from knowledge_base.store import (
    DENSE,
    LEXICAL,
    read_documents,
    read_manifest,
    read_organisation_services,
    read_passage_rows,
    read_search_words,
)
from texts import Language

Ints = NDArray[np.int64]


@dataclass(frozen=True)
class LoadedIndex:
    """Everything a search reads; never changed after loading, so threads may share it.

    Rows are the documents, then the search words: `row_service` gives each row's
    position in `service_ids`, `passage_row` each dense passage's row; BM25 scores come
    per row.
    """

    manifest: Manifest
    documents: tuple[ServiceDocument, ...]
    search_words: tuple[SearchWords, ...]
    translated_names: dict[tuple[int, Language], str]  # the first search word: a name
    service_ids: tuple[int, ...]
    row_service: Ints
    passage_row: Ints
    dense: DenseIndex
    lexical: LexicalIndex
    by_service: dict[int, dict[Language, int]]
    for_organisations: NDArray[np.bool_]

    @classmethod
    def load(cls, directory: Path) -> LoadedIndex:
        """Reads the index built into `directory`."""
        manifest = read_manifest(directory)
        if manifest is None:
            raise FileNotFoundError(f"no knowledge-base index in {directory}")
        documents = tuple(read_documents(directory))
        service_ids = tuple(dict.fromkeys(doc.service_id for doc in documents))
        position = {sid: i for i, sid in enumerate(service_ids)}
        by_service: dict[int, dict[Language, int]] = {sid: {} for sid in service_ids}
        for row, doc in enumerate(documents):
            by_service[doc.service_id][doc.lang] = row
        dense = DenseIndex.load(directory / DENSE)
        organisations = read_organisation_services(directory)
        words = tuple(read_search_words(directory))
        passage_row = read_passage_rows(directory)
        if dense.size != len(passage_row):
            raise ValueError(f"{directory}: {dense.size} vectors for {len(passage_row)} passages")
        row_ids = [d.service_id for d in documents] + [w.service_id for w in words]
        return cls(
            manifest=manifest,
            documents=documents,
            search_words=words,
            translated_names={(w.service_id, w.lang): w.words[0] for w in words},
            service_ids=service_ids,
            row_service=np.array([position[sid] for sid in row_ids], dtype=np.int64),
            passage_row=passage_row,
            dense=dense,
            lexical=LexicalIndex.load(directory / LEXICAL),
            by_service=by_service,
            for_organisations=np.array([sid in organisations for sid in service_ids], dtype=bool),
        )

    def document(
        self, service_id: int, lang: Language
    ) -> tuple[ServiceDocument, Language | None] | None:
        """The service's document in `lang`, else in the best other language with that one.

        The second item is None when `lang` itself was found; None for an unknown service.
        """
        rows = self.by_service.get(service_id)
        if not rows:
            return None
        for candidate in FALLBACK_ORDER[lang]:
            if candidate in rows:
                doc = self.documents[rows[candidate]]
                return doc, (None if candidate == lang else candidate)
        return None
