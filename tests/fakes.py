"""Test doubles: real implementations of our roles, small and deterministic (no mocks)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from bot.embeddings.base import Vectors
from bot.knowledge.lexical import stem


class HashEmbedder:
    """An ``Embedder`` that hashes words and character trigrams into a fixed-size vector.

    Texts sharing words get similar vectors, so search behaves sensibly, with no model to
    load. Deterministic across runs and machines.
    """

    def __init__(self, dimension: int = 256) -> None:
        self._dimension = dimension
        self.calls = 0

    @property
    def model_id(self) -> str:
        return f"hash-embedder-{self._dimension}"

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.calls += 1
        vectors = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            words = [stem(w) for w in re.findall(r"[a-z0-9]+", text.lower())]
            features = words + [w[i : i + 3] for w in words for i in range(max(1, len(w) - 2))]
            for feature in features:
                digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
                index = int.from_bytes(digest[:4], "little") % self._dimension
                sign = 1.0 if digest[4] & 1 else -1.0
                vectors[row, index] += sign * (2.0 if feature in words else 1.0)
            norm = np.linalg.norm(vectors[row])
            if norm > 0:
                vectors[row] /= norm
        return vectors


class FixedClock:
    """A clock that always says the same time (and can be moved)."""

    def __init__(self, now: datetime) -> None:
        self.now = now if now.tzinfo else now.replace(tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now
