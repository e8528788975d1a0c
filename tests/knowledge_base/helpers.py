"""Test helpers: the tiny data set's services and a model-free embedder."""

from __future__ import annotations

import hashlib

import numpy as np

from knowledge_base.embedders import Vectors

TINY_IDS = (4217, 5445, 5294, 4091, 5671)


class HashingEmbedder:
    """A deterministic stand-in: bag of hashed words, L2-normalised (no model)."""

    def __init__(self, name: str = "hashing-test", dim: int = 64) -> None:
        self.name = name
        self.dim = dim

    def _embed(self, texts: list[str]) -> Vectors:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % self.dim] += 1.0
            out[row] /= max(float(np.linalg.norm(out[row])), 1e-6)
        return out

    def embed_queries(self, texts: list[str]) -> Vectors:
        return self._embed(texts)

    def embed_passages(self, texts: list[str]) -> Vectors:
        return self._embed(texts)
