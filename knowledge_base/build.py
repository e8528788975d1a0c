"""Building the index (documents, embeddings, BM25) and reusing it while it is current."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from tqdm import tqdm

from knowledge_base.dense import DenseIndex
from knowledge_base.embedders import Embedder, Vectors
from knowledge_base.ingest import (
    data_sha256,
    default_search_words_path,
    for_organisations,
    load_documents,
    load_search_words,
    read_records,
)
from knowledge_base.lexical import LexicalIndex
from knowledge_base.models import Manifest
from knowledge_base.passages import lexical_text, passages, words_lexical_text, words_passage
from knowledge_base.store import (
    DENSE,
    FORMAT_VERSION,
    LEXICAL,
    read_manifest,
    write_documents,
    write_manifest,
    write_organisation_services,
    write_passage_rows,
    write_search_words,
)
from texts import LANGUAGES

BATCH = 16


def is_current(manifest: Manifest | None, data_sha: str, model_name: str) -> bool:
    """Whether an index with `manifest` was built from this data with this model.

    The search words shipped with the package count as data too.
    """
    return (
        manifest is not None
        and manifest.format_version == FORMAT_VERSION
        and manifest.data_sha256 == data_sha
        and manifest.search_words_sha256 == data_sha256(default_search_words_path())
        and manifest.model_name == model_name
    )


def load_or_build(
    data_path: Path,
    out_dir: Path,
    embedder: Embedder,
    *,
    force: bool = False,
    progress: bool = False,
) -> Manifest:
    """The manifest of the index in `out_dir`, built first unless data and model match."""
    manifest = read_manifest(out_dir)
    if not force and is_current(manifest, data_sha256(data_path), embedder.name):
        assert manifest is not None
        return manifest
    return build_index(data_path, out_dir, embedder, progress=progress)


def _embed(embedder: Embedder, texts: list[str], progress: bool) -> Vectors:
    parts = []
    with tqdm(
        total=len(texts), desc="Embedding passages", unit="passage", disable=not progress
    ) as bar:
        for start in range(0, len(texts), BATCH):
            batch = texts[start : start + BATCH]
            parts.append(embedder.embed_passages(batch))
            bar.update(len(batch))
    if not parts:
        return np.empty((0, embedder.dim), dtype=np.float32)
    return np.concatenate(parts)


def build_index(
    data_path: Path, out_dir: Path, embedder: Embedder, progress: bool = True
) -> Manifest:
    """Builds the index of the services in `data_path` into `out_dir`, replacing any there.

    The new index is written beside `out_dir` and moved into place when complete, so a
    reader never sees half an index.
    """
    started = time.perf_counter()
    data_sha = data_sha256(data_path)
    documents = load_documents(data_path)
    words_path = default_search_words_path()
    words = load_search_words(words_path, documents)
    organisations = sorted(int(r["id"]) for r in read_records(data_path) if for_organisations(r))
    # Rows: the documents, then the search words; passages and BM25 rows refer to them.
    texts: list[str] = []
    rows: list[int] = []
    for row, doc in enumerate(documents):
        for text in passages(doc):
            texts.append(text)
            rows.append(row)
    for row, entry in enumerate(words, start=len(documents)):
        texts.append(words_passage(entry))
        rows.append(row)
    vectors = _embed(embedder, texts, progress)
    lexical = LexicalIndex.build(
        [lexical_text(d) for d in documents] + [words_lexical_text(w) for w in words],
        [d.lang for d in documents] + [w.lang for w in words],
    )
    counts = Counter(doc.lang for doc in documents)
    word_counts = Counter(entry.lang for entry in words)

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        write_documents(staging, documents)
        write_passage_rows(staging, rows)
        write_search_words(staging, words)
        write_organisation_services(staging, organisations)
        DenseIndex.build(vectors).save(staging / DENSE)
        (staging / LEXICAL).mkdir()
        lexical.save(staging / LEXICAL)
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            data_sha256=data_sha,
            search_words_sha256=data_sha256(words_path),
            model_name=embedder.name,
            dimensions=embedder.dim,
            documents={lang: counts.get(lang, 0) for lang in LANGUAGES},
            search_words={lang: word_counts.get(lang, 0) for lang in LANGUAGES},
            passages=len(texts),
            services=len({doc.service_id for doc in documents}),
            build_seconds=round(time.perf_counter() - started, 2),
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        write_manifest(staging, manifest)
        _replace(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _replace(new: Path, target: Path) -> None:
    old = target.with_name(f".{target.name}-old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)
