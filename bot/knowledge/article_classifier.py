"""A classifier over the shared sentence embedding, learned from the knowledge base's phrasings.

Nearest-neighbour search asks "which single phrasing is closest?"; a customer's wording rarely
matches one phrasing, and a word such as "jacket" or "boots" pulls a query towards whichever
article happens to mention it. The classifier looks at all of an article's phrasings at once
and learns which directions of the embedding tell this knowledge base's articles apart: a
multinomial logistic regression (a softmax head) on the phrasings and the article documents,
each labelled with its article.

It is trained by ``supportbot kb build`` in about a second (scikit-learn, deterministic) and
stored beside the index as a weight matrix, so nothing changes at run time but one small
matrix product on the query vector the search already has. Its probability for an article is
one part of that article's score (``classifier_weight`` in ``search.yml``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.embeddings.base import Vectors

#: Inverse regularisation strength. Chosen on the demo's calibration queries among 1, 4, 16,
#: 64 and 256; above 16 it changed nothing there, below it the head was too unsure to help.
REGULARISATION_C = 16.0
_MAX_ITERATIONS = 3000
#: Above these sizes the classifier is not trained (its fit grows with phrasings × articles:
#: minutes at 50k phrasings, hours and gigabytes beyond); the search then ranks without it.
MAX_TRAINING_ROWS = 50_000
MAX_ARTICLES = 2_000


@dataclass(frozen=True)
class ArticleClassifier:
    """Softmax weights: ``probabilities(q) = softmax(weights @ q + bias)``, one row per article."""

    weights: Vectors  # (articles, dimension)
    bias: Vectors  # (articles,)
    #: False when the knowledge base was too large to train on: every probability is 0.
    trained: bool = True

    @classmethod
    def untrained(cls, articles: int, dimension: int) -> ArticleClassifier:
        return cls(
            np.zeros((articles, dimension), dtype=np.float32),
            np.zeros(articles, dtype=np.float32),
            trained=False,
        )

    @staticmethod
    def can_train(rows: int, articles: int) -> bool:
        return rows <= MAX_TRAINING_ROWS and articles <= MAX_ARTICLES

    @classmethod
    def train(cls, vectors: Vectors, labels: Sequence[int], *, articles: int) -> ArticleClassifier:
        """Fit on ``vectors`` labelled with article positions ``0 .. articles-1``."""
        if not cls.can_train(len(vectors), articles):
            return cls.untrained(articles, vectors.shape[1])
        if articles == 1:  # a single article: nothing to tell apart
            return cls(
                np.zeros((1, vectors.shape[1]), dtype=np.float32), np.zeros(1, dtype=np.float32)
            )
        from sklearn.linear_model import LogisticRegression  # build time only

        model = LogisticRegression(C=REGULARISATION_C, max_iter=_MAX_ITERATIONS)
        model.fit(vectors, np.asarray(labels))
        weights = np.zeros((articles, vectors.shape[1]), dtype=np.float32)
        bias = np.full(articles, -1e4, dtype=np.float32)  # a class never seen gets nothing
        if len(model.classes_) == 2:  # scikit-learn keeps one row: the odds of the second
            weights[model.classes_[1]] = model.coef_[0]
            bias[model.classes_] = (0.0, model.intercept_[0])
        else:
            weights[model.classes_] = model.coef_
            bias[model.classes_] = model.intercept_
        return cls(weights, bias)

    def probabilities(self, vector: Vectors) -> Vectors:
        """The probability of each article (by position) for one query vector."""
        if not self.trained:
            return np.zeros(len(self.bias), dtype=np.float32)
        logits = self.weights @ vector + self.bias
        logits -= logits.max()
        exp = np.exp(logits)
        probabilities: Vectors = exp / exp.sum()
        return probabilities

    def save(self, path: Path) -> None:
        with path.open("wb") as handle:
            np.savez(handle, weights=self.weights, bias=self.bias, trained=np.array(self.trained))

    @classmethod
    def load(cls, path: Path) -> ArticleClassifier:
        with np.load(path) as data:
            trained = bool(data["trained"]) if "trained" in data else True
            return cls(data["weights"], data["bias"], trained=trained)
