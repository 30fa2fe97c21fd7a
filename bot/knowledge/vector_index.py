"""Nearest-neighbour search over unit vectors with FAISS.

Small collections use an exact index (``IndexFlatIP``: every vector compared, inner product =
cosine similarity on unit vectors). Above ``EXACT_SEARCH_MAX_ENTRIES`` an approximate HNSW
graph is built instead; the cut-over size was measured by ``bench/kb_scale.py`` (see
``bench/results/kb_scale.json``): below it, exact search is already fast enough and has
perfect recall. faiss is imported lazily.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.embeddings.base import Vectors

#: Above this many entries, ``kind="auto"`` builds an approximate (HNSW) index.
EXACT_SEARCH_MAX_ENTRIES = 50_000

#: HNSW parameters: graph degree, build-time and search-time breadth. At 1M entries an
#: efSearch of 384 finds the exact nearest entry for 98% of queries (96: 93%) in ~1 ms
#: (bench/results/kb_scale.json).
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 384


class IndexKind(enum.StrEnum):
    FLAT = "flat"  # exact
    HNSW = "hnsw"  # approximate graph search


def choose_kind(entries: int) -> IndexKind:
    """Exact search for small collections, HNSW above the measured cut-over."""
    return IndexKind.FLAT if entries <= EXACT_SEARCH_MAX_ENTRIES else IndexKind.HNSW


@dataclass(frozen=True)
class Neighbours:
    """Search results for a batch of queries: row i holds query i's best matches."""

    scores: npt.NDArray[np.float32]
    ids: npt.NDArray[np.int64]  # -1 where fewer than k entries exist


class VectorIndex:
    """A FAISS index over L2-normalised vectors, searched by inner product."""

    def __init__(self, faiss_index: Any, kind: IndexKind) -> None:
        self._index = faiss_index
        self.kind = kind

    @classmethod
    def build(cls, vectors: Vectors, *, kind: IndexKind | None = None) -> VectorIndex:
        """Index ``vectors`` (shape ``(n, d)``); ``kind=None`` chooses by size."""
        import faiss

        if vectors.ndim != 2 or vectors.shape[0] == 0:
            raise ValueError("need a non-empty 2-D array of vectors")
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        chosen = kind or choose_kind(vectors.shape[0])
        dim = vectors.shape[1]
        if chosen is IndexKind.FLAT:
            index = faiss.IndexFlatIP(dim)
        else:
            index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.add(vectors)
        built = cls(index, chosen)
        built._configure()
        return built

    @classmethod
    def load(cls, path: Path, *, kind: IndexKind) -> VectorIndex:
        import faiss

        loaded = cls(faiss.read_index(str(path)), kind)
        loaded._configure()
        return loaded

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self._index, str(path))

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    def search(self, queries: Vectors, k: int) -> Neighbours:
        """The ``k`` most similar entries for each query vector."""
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if queries.ndim == 1:
            queries = queries.reshape(1, -1)
        k = max(1, min(k, self.size))
        scores, ids = self._index.search(queries, k)
        return Neighbours(scores=scores, ids=ids)

    def _configure(self) -> None:
        if self.kind is IndexKind.HNSW:
            self._index.hnsw.efSearch = HNSW_EF_SEARCH
