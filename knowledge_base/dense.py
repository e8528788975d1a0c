"""Dense passage index: FAISS inner product over L2-normalised vectors (cosine)."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
from numpy.typing import NDArray

Vectors = NDArray[np.float32]


class DenseIndex:
    """Cosine similarity of a query vector to every passage vector."""

    def __init__(self, index: faiss.IndexFlatIP) -> None:
        self._index = index
        self.size = int(index.ntotal)
        self.dim = int(index.d)

    @classmethod
    def build(cls, vectors: Vectors) -> DenseIndex:
        """An exact index over `vectors` (rows L2-normalised)."""
        index = faiss.IndexFlatIP(int(vectors.shape[1]))
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index)

    def save(self, path: Path) -> None:
        """Writes the index to `path`."""
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> DenseIndex:
        """Reads an index written by `save`."""
        index = faiss.read_index(str(path))
        if not isinstance(index, faiss.IndexFlatIP):
            raise ValueError(f"{path} is not a flat inner-product index")
        return cls(index)

    def similarities(self, query: Vectors) -> Vectors:
        """The cosine of `query` (one row) to every passage, in passage order."""
        if self.size == 0:
            return np.empty(0, dtype=np.float32)
        distances, labels = self._index.search(query.reshape(1, -1), self.size)
        result = np.empty(self.size, dtype=np.float32)
        result[labels[0]] = distances[0]
        return result
