"""The on-disk layout of a built index and the reading of its parts."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from pydantic import TypeAdapter

from knowledge_base.models import Manifest, SearchWords, ServiceDocument

# Bump when documents, passages or index files change shape, so old indexes are rebuilt.
FORMAT_VERSION = 4

MANIFEST = "manifest.json"
DOCUMENTS = "documents.jsonl.gz"
PASSAGES = "passages.json"
DENSE = "dense.faiss"
LEXICAL = "lexical"
SERVICES = "services.json"
SEARCH_WORDS = "search_words.json"

_DOCUMENT = TypeAdapter(ServiceDocument)
_SEARCH_WORDS = TypeAdapter(list[SearchWords])


def read_manifest(directory: Path) -> Manifest | None:
    """The manifest of the index in `directory`, or None when there is no readable one."""
    try:
        return Manifest.model_validate_json((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_manifest(directory: Path, manifest: Manifest) -> None:
    """Writes `manifest` into `directory`."""
    (directory / MANIFEST).write_text(manifest.model_dump_json(indent=2) + "\n", "utf-8")


def write_documents(directory: Path, documents: list[ServiceDocument]) -> None:
    """Writes the documents, one JSON object a line, gzipped."""
    lines = "".join(doc.model_dump_json() + "\n" for doc in documents)
    (directory / DOCUMENTS).write_bytes(gzip.compress(lines.encode("utf-8"), mtime=0))


def read_documents(directory: Path) -> list[ServiceDocument]:
    """The documents written by `write_documents`."""
    text = gzip.decompress((directory / DOCUMENTS).read_bytes()).decode("utf-8")
    return [_DOCUMENT.validate_json(line) for line in text.splitlines() if line]


def write_organisation_services(directory: Path, service_ids: list[int]) -> None:
    """Writes which services are only for companies and associations."""
    (directory / SERVICES).write_text(json.dumps({"organisations": service_ids}), "utf-8")


def read_organisation_services(directory: Path) -> frozenset[int]:
    """The services written by `write_organisation_services`."""
    raw = json.loads((directory / SERVICES).read_text(encoding="utf-8"))
    return frozenset(int(sid) for sid in raw["organisations"])


def write_search_words(directory: Path, words: list[SearchWords]) -> None:
    """Writes the search words indexed after the documents, in row order."""
    (directory / SEARCH_WORDS).write_bytes(_SEARCH_WORDS.dump_json(words))


def read_search_words(directory: Path) -> list[SearchWords]:
    """The search words written by `write_search_words`."""
    return _SEARCH_WORDS.validate_json((directory / SEARCH_WORDS).read_bytes())


def write_passage_rows(directory: Path, rows: list[int]) -> None:
    """Writes which row (a document, then the search words) each passage belongs to."""
    (directory / PASSAGES).write_text(json.dumps({"rows": rows}), encoding="utf-8")


def read_passage_rows(directory: Path) -> NDArray[np.int64]:
    """The row of each passage."""
    raw = json.loads((directory / PASSAGES).read_text(encoding="utf-8"))
    return np.array(raw["rows"], dtype=np.int64)
