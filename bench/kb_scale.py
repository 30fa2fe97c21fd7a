"""Knowledge-base index at scale: exact (flat) versus approximate (HNSW) search.

For 1k, 100k and 1M entries of 384-dimensional unit vectors: build time, memory, search
latency (one query at a time) and recall@1 / recall@10 of HNSW against exact search. Also the
exact-search latency curve that sets ``EXACT_SEARCH_MAX_ENTRIES`` (bot/knowledge/vector_index.py).

The vectors are synthetic but shaped like sentence embeddings: clustered (topics), unit length;
queries are perturbed entries (like paraphrases of indexed questions). Usage:
``python -m bench.kb_scale [sizes...]`` (default 1000 100000 1000000; 1M takes ~15 minutes).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import percentile, write_result
from bot.knowledge.vector_index import (
    EXACT_SEARCH_MAX_ENTRIES,
    HNSW_EF_CONSTRUCTION,
    HNSW_EF_SEARCH,
    HNSW_M,
    IndexKind,
    VectorIndex,
)

DIM = 384
QUERIES = 300


def embedding_like(n: int, *, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centroids = rng.normal(size=(max(10, n // 500), DIM)).astype(np.float32)
    vectors = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 100_000):
        stop = min(n, start + 100_000)
        chosen = centroids[rng.integers(0, len(centroids), stop - start)]
        vectors[start:stop] = chosen + 0.8 * rng.normal(size=(stop - start, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def queries_for(vectors: np.ndarray, *, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    picked = vectors[rng.integers(0, len(vectors), QUERIES)]
    noisy = picked + 0.6 * rng.normal(size=picked.shape).astype(np.float32) / np.sqrt(DIM)
    return noisy / np.linalg.norm(noisy, axis=1, keepdims=True)


def measure(index: VectorIndex, queries: np.ndarray) -> tuple[list[float], np.ndarray]:
    timings, ids = [], []
    for query in queries:
        started = time.perf_counter()
        found = index.search(query, 10)
        timings.append((time.perf_counter() - started) * 1000)
        ids.append(found.ids[0])
    return timings, np.stack(ids)


def run_size(n: int) -> dict[str, object]:
    vectors = embedding_like(n, seed=n)
    queries = queries_for(vectors, seed=n + 1)
    result: dict[str, object] = {"entries": n, "vectors_mb": round(vectors.nbytes / 1024 / 1024, 1)}
    exact_ids = None
    for kind in (IndexKind.FLAT, IndexKind.HNSW):
        started = time.perf_counter()
        index = VectorIndex.build(vectors, kind=kind)
        build = time.perf_counter() - started
        timings, ids = measure(index, queries)
        with tempfile.TemporaryDirectory() as tmp:
            index.save(Path(tmp) / "index.faiss")
            size = (Path(tmp) / "index.faiss").stat().st_size
        entry: dict[str, object] = {
            "build_seconds": round(build, 2),
            "index_mb": round(size / 1024 / 1024, 1),
            "search_p50_ms": round(percentile(timings, 50), 3),
            "search_p95_ms": round(percentile(timings, 95), 3),
        }
        if kind is IndexKind.FLAT:
            exact_ids = ids
        else:
            assert exact_ids is not None
            entry["recall_at_1"] = round(float((ids[:, 0] == exact_ids[:, 0]).mean()), 4)
            entry["recall_at_10"] = round(
                float(
                    np.mean(
                        [len(set(a) & set(b)) / 10 for a, b in zip(ids, exact_ids, strict=True)]
                    )
                ),
                4,
            )
        result[kind.value] = entry
        print(n, kind.value, entry, flush=True)
        del index
    return result


def exact_curve() -> list[dict[str, float]]:
    curve = []
    for n in (10_000, 25_000, 50_000, 100_000, 200_000):
        vectors = embedding_like(n, seed=7)
        index = VectorIndex.build(vectors, kind=IndexKind.FLAT)
        timings, _ = measure(index, queries_for(vectors, seed=8))
        curve.append({"entries": n, "search_p95_ms": round(percentile(timings, 95), 3)})
        print("flat", curve[-1], flush=True)
    return curve


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1_000, 100_000, 1_000_000]
    results = [run_size(n) for n in sizes]
    write_result(
        "kb_scale",
        {
            "dimension": DIM,
            "queries": QUERIES,
            "hnsw": {
                "M": HNSW_M,
                "ef_construction": HNSW_EF_CONSTRUCTION,
                "ef_search": HNSW_EF_SEARCH,
            },
            "exact_search_max_entries": EXACT_SEARCH_MAX_ENTRIES,
            "exact_search_curve": exact_curve(),
            "sizes": results,
            "note": "synthetic clustered unit vectors; queries are perturbed entries; "
            "one query at a time",
        },
    )


if __name__ == "__main__":
    main()
