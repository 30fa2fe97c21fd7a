from __future__ import annotations

import numpy as np
import pytest

from bot.knowledge.vector_index import EXACT_SEARCH_MAX_ENTRIES, IndexKind, VectorIndex, choose_kind


def unit_vectors(n: int, dim: int = 32, seed: int = 7) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_exact_search_for_small_collections_approximate_above_the_cut_over():
    assert choose_kind(EXACT_SEARCH_MAX_ENTRIES) is IndexKind.FLAT
    assert choose_kind(EXACT_SEARCH_MAX_ENTRIES + 1) is IndexKind.HNSW


def test_flat_index_returns_the_nearest_vector_first():
    vectors = unit_vectors(200)
    index = VectorIndex.build(vectors)

    found = index.search(vectors[42], k=3)

    assert found.ids[0][0] == 42
    assert found.scores[0][0] == pytest.approx(1.0, abs=1e-5)


def test_hnsw_agrees_with_exact_search_on_almost_every_query():
    vectors = unit_vectors(3000)
    queries = unit_vectors(200, seed=8)
    exact = VectorIndex.build(vectors, kind=IndexKind.FLAT).search(queries, k=1).ids[:, 0]

    approx = VectorIndex.build(vectors, kind=IndexKind.HNSW).search(queries, k=1).ids[:, 0]

    assert (exact == approx).mean() >= 0.95


def test_asking_for_more_neighbours_than_exist_is_safe():
    index = VectorIndex.build(unit_vectors(3))

    assert index.search(unit_vectors(1), k=10).ids.shape == (1, 3)


def test_saved_index_loads_identically(tmp_path):
    vectors = unit_vectors(50)
    VectorIndex.build(vectors).save(tmp_path / "i.faiss")

    loaded = VectorIndex.load(tmp_path / "i.faiss", kind=IndexKind.FLAT)

    assert loaded.size == 50 and loaded.search(vectors[3], k=1).ids[0][0] == 3


def test_an_empty_collection_cannot_be_indexed():
    with pytest.raises(ValueError, match="non-empty"):
        VectorIndex.build(np.zeros((0, 4), dtype=np.float32))
