"""The ``Embedder`` role: text in, unit-length vectors out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors, so inner product = cosine similarity."""

    @property
    def model_id(self) -> str:
        """Identifies the model and its exact weights; indexes record it to detect a change."""
        ...

    @property
    def dimension(self) -> int:
        """Length of each vector."""
        ...

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed ``texts`` into an array of shape ``(len(texts), dimension)``."""
        ...
