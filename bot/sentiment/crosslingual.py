"""The sentiment of a message in another language: a head on the multilingual encoder.

The built-in model reads English (MiniLM's top layers, fine-tuned). A message clearly in
another language gets its sentiment from a logistic regression on multilingual USE v3 vectors
(``bot.embeddings.multilingual``), trained on the same English messages: the encoder puts a
sentence in any of its languages near the same sentence in English, so the head reads
Italian, German, French or Spanish anger as it reads English anger. Lithuanian, which the
encoder does not read, gets no sentiment.

Its regularisation (``C``) and its threshold for negative were chosen on the English
validation part of the training split (``RECIPE``); ``bench/sentiment_eval.py`` measures it on
held-out messages written in Italian, German, French and Spanish
(``bench/data/sentiment_other_languages.csv``). Trained by ``supportbot sentiment train``
with the built-in model (a few seconds more: every training message encoded once) and saved
beside it as ``crosslingual.npz``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.embeddings.multilingual import ENCODER_LANGUAGES, Matrix, SentenceEncoder
from bot.sentiment.base import LABELS, Sentiment

FILE = "crosslingual.npz"
#: Chosen on the English validation part (see the module's docstring).
C = 0.3
NEGATIVE_AT = 0.5
_BATCH = 64


class CrossLingualSentiment:
    """Texts in a language the encoder reads in, one ``Sentiment`` each out."""

    def __init__(self, encoder: SentenceEncoder, weights: Matrix, bias: Matrix) -> None:
        self._encoder = encoder
        self._weights = weights  # (dimensions, labels), labels in ``LABELS`` order
        self._bias = bias
        digest = hashlib.sha256(weights.tobytes() + bias.tobytes()).hexdigest()[:16]
        self.model_id = f"sentiment-multilingual@{digest}"

    @staticmethod
    def reads(language: str | None) -> bool:
        return language in ENCODER_LANGUAGES

    @classmethod
    def train(
        cls, encoder: SentenceEncoder, texts: Sequence[str], labels: Sequence[str]
    ) -> CrossLingualSentiment:
        from sklearn.linear_model import LogisticRegression  # 0.3 s to import: only to train

        vectors = encode(encoder, texts)
        model = LogisticRegression(C=C, max_iter=2000).fit(vectors, list(labels))
        order = [list(model.classes_).index(label) for label in LABELS]
        weights = np.asarray(model.coef_[order].T, dtype=np.float32)
        return cls(encoder, weights, np.asarray(model.intercept_[order], dtype=np.float32))

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / FILE, weights=self._weights, bias=self._bias)

    @classmethod
    def load(cls, folder: Path, encoder: SentenceEncoder) -> CrossLingualSentiment | None:
        """The head saved in ``folder``; None when there is none (trained before it existed:
        messages in other languages then get no sentiment)."""
        path = folder / FILE
        if not path.is_file():
            return None
        with np.load(path) as saved:
            return cls(encoder, saved["weights"], saved["bias"])

    def predict(self, texts: Sequence[str]) -> list[Sentiment]:
        logits = encode(self._encoder, texts) @ self._weights + self._bias
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        return [
            Sentiment.from_scores(
                {label: float(p) for label, p in zip(LABELS, row, strict=True)},
                model=self.model_id,
                negative_at=NEGATIVE_AT,
            )
            for row in probabilities
        ]


def encode(encoder: SentenceEncoder, texts: Sequence[str]) -> Matrix:
    parts = [encoder.encode(texts[i : i + _BATCH]) for i in range(0, len(texts), _BATCH)]
    return np.vstack(parts) if parts else np.zeros((0, 512), dtype=np.float32)
