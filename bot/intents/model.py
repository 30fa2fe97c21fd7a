"""``IntentModel``: logistic regression over a sentence embedding and character n-grams.

Chosen by measurement (``bench/nlu_eval.py``): on the demo's training data it is far more
accurate in cross-validation than Rasa's DIET (which overfits a few hundred examples), trains
in about a second, and needs no TensorFlow to predict. The embedding carries the meaning of
the message; character 2-4-grams (TF-IDF) catch typos and keywords.

It also keeps the training examples' embeddings, to tell how *familiar* a message is: its
cosine similarity to the nearest example. A logistic regression always names some intent with
confidence, even for a question unlike anything it was trained on; a message less familiar
than ``unfamiliar_below`` (config.yml) is better left to the fallback ladder.

A trained model is plain arrays (coefficients, vocabulary, IDF weights, example embeddings)
saved as JSON and ``.npy`` — nothing is unpickled when it is loaded.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix, hstack

Matrix = npt.NDArray[np.float64]

DEFAULT_C = 20.0
DEFAULT_CHAR_WEIGHT = 0.5
NGRAM_RANGE = (2, 4)


def _vectorizer(vocabulary: dict[str, int] | None = None) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=NGRAM_RANGE,
        sublinear_tf=True,
        lowercase=True,
        vocabulary=vocabulary,
    )


@dataclass(frozen=True)
class IntentModel:
    labels: tuple[str, ...]
    coef: Matrix  # (labels, features)
    intercept: Matrix  # (labels,)
    vocabulary: dict[str, int]
    idf: Matrix
    char_weight: float
    #: The training examples' embeddings (unit length), for ``familiarity``; None for a model
    #: saved before they were kept.
    examples: npt.NDArray[np.float32] | None = None

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        embeddings: npt.NDArray[np.float32],
        labels: Sequence[str],
        *,
        c: float = DEFAULT_C,
        char_weight: float = DEFAULT_CHAR_WEIGHT,
    ) -> IntentModel:
        """Train on ``texts`` (with their sentence ``embeddings``) labelled with intents."""
        from sklearn.linear_model import LogisticRegression

        if len(set(labels)) < 2:
            raise ValueError("need examples of at least two intents")
        vectorizer = _vectorizer().fit(texts)
        features = _features(vectorizer.transform(texts), embeddings, char_weight)
        classifier = LogisticRegression(C=c, max_iter=5000).fit(features, list(labels))
        return cls(
            labels=tuple(str(label) for label in classifier.classes_),
            coef=np.asarray(classifier.coef_, dtype=np.float64),
            intercept=np.asarray(classifier.intercept_, dtype=np.float64),
            vocabulary={str(k): int(v) for k, v in vectorizer.vocabulary_.items()},
            idf=np.asarray(vectorizer.idf_, dtype=np.float64),
            char_weight=char_weight,
            examples=np.asarray(embeddings, dtype=np.float32),
        )

    def familiarity(self, embedding: npt.NDArray[np.float32]) -> float | None:
        """Cosine similarity of a message to the nearest training example (None for a model
        saved without its examples: retrain it to let the classifier abstain)."""
        return self.familiarities(embedding.reshape(1, -1))[0]

    def familiarities(self, embeddings: npt.NDArray[np.float32]) -> list[float | None]:
        """``familiarity`` of each row of ``embeddings``."""
        if self.examples is None or not len(self.examples):
            return [None] * len(embeddings)
        return [float(v) for v in (embeddings @ self.examples.T).max(axis=1)]

    @functools.cached_property
    def _vectorizer(self) -> Any:
        vectorizer = _vectorizer(self.vocabulary)
        vectorizer.idf_ = self.idf
        return vectorizer

    def predict_proba(self, texts: Sequence[str], embeddings: npt.NDArray[np.float32]) -> Matrix:
        """Probability of every label (columns in ``labels`` order) for each text."""
        features = _features(self._vectorizer.transform(texts), embeddings, self.char_weight)
        scores = np.asarray(features @ self.coef.T) + self.intercept
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True))

    def rank(
        self, text: str, embedding: npt.NDArray[np.float32], *, limit: int = 10
    ) -> list[tuple[str, float]]:
        """The ``limit`` most likely intents for one text, best first."""
        return self.rankings([text], embedding.reshape(1, -1), limit=limit)[0]

    def rankings(
        self, texts: Sequence[str], embeddings: npt.NDArray[np.float32], *, limit: int = 10
    ) -> list[list[tuple[str, float]]]:
        """``rank`` of each text (the messages parsed together, in one go)."""
        rows = self.predict_proba(texts, embeddings)
        return [[(self.labels[i], float(row[i])) for i in np.argsort(-row)[:limit]] for row in rows]

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "coef.npy", self.coef)
        np.save(folder / "intercept.npy", self.intercept)
        np.save(folder / "idf.npy", self.idf)
        if self.examples is not None:
            np.save(folder / "examples.npy", self.examples)
        meta = {
            "labels": list(self.labels),
            "vocabulary": self.vocabulary,
            "char_weight": self.char_weight,
        }
        (folder / "intent_model.json").write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> IntentModel:
        meta = json.loads((folder / "intent_model.json").read_text(encoding="utf-8"))
        examples = folder / "examples.npy"
        return cls(
            labels=tuple(meta["labels"]),
            coef=np.load(folder / "coef.npy"),
            intercept=np.load(folder / "intercept.npy"),
            vocabulary={str(k): int(v) for k, v in meta["vocabulary"].items()},
            idf=np.load(folder / "idf.npy"),
            char_weight=float(meta["char_weight"]),
            examples=np.load(examples) if examples.is_file() else None,
        )


def _features(char_ngrams: Any, embeddings: npt.NDArray[np.float32], char_weight: float) -> Any:
    return hstack(
        [csr_matrix(np.asarray(embeddings, dtype=np.float64)), char_ngrams * char_weight]
    ).tocsr()
