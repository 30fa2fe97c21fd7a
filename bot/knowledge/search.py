"""Answering a customer's question from the knowledge base, honestly.

``KnowledgeSearcher.search`` ranks articles by meaning and decides what the bot should do:

* ``ANSWER`` — the best article is similar enough and clearly ahead of the next one;
* ``CLARIFY`` — two or more articles are similarly good, or the article classifier favours
  another article than the score does: ask "Did you mean ...?";
* ``DECLINE`` — nothing is close enough: say so and offer a person. The bot never guesses.
"""

from __future__ import annotations

import enum
import logging
import re
import threading
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bot.embeddings import Embedder
from bot.embeddings.base import Vectors
from bot.embeddings.shared import KB_EMBEDDING, TEXT_EMBEDDING, decode_vector
from bot.knowledge.answer_kind import question_kind
from bot.knowledge.articles import Article
from bot.knowledge.search_config import SearchConfig
from bot.knowledge.store import KnowledgeIndex, load_index
from bot.text import inspect_message

logger = logging.getLogger(__name__)

#: How many phrasings to fetch before grouping them by article.
_CANDIDATE_PHRASINGS = 64
#: Messages longer than this are read in parts (sentences, or runs of words): one embedding
#: of a long message dilutes the question in it.
LONG_QUERY_CHARS = 300
_MAX_PARTS = 8
_WORDS_PER_PART = 40
#: Where a condition or a reason starts ("... if it doesn't fit", "... because it's late").
#: Not "as", "since" or "when": they more often belong to the question ("pay as a guest").
_CLAUSE = re.compile(r"\s*[,;]?\s+(?:if|because|cause|cuz|coz)\s+", re.IGNORECASE)
_MIN_MAIN_CLAUSE_WORDS = 3
#: At most this many articles are offered as "Did you mean ...?" choices.
MAX_CHOICES = 3


class Decision(enum.StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    DECLINE = "decline"


@dataclass(frozen=True)
class Candidate:
    """An article found for a query, with the parts of its score (see ``SearchConfig``)."""

    article: Article
    matched_text: str  # the article's phrasing closest to the query
    phrasing: float  # cosine similarity of that phrasing
    answer: float  # cosine similarity of the article's question and answer
    lexical: float  # saturated word overlap, 0..1
    classifier: float = 0.0  # the article classifier's probability, 0..1
    kind: float = 0.0  # how well the article's kind fits the kind of answer asked for, 0..1

    def score(self, config: SearchConfig) -> float:
        return (
            self.phrasing
            + config.answer_weight * self.answer
            + config.lexical_weight * self.lexical
            + config.classifier_weight * self.classifier
            + config.kind_weight * self.kind
        )


@dataclass(frozen=True)
class Match:
    """An article and its score for the query."""

    article: Article
    score: float
    matched_text: str


@dataclass(frozen=True)
class SearchResult:
    query: str
    matches: tuple[Match, ...]  # best first, one per article
    decision: Decision
    #: When clarifying: the articles to offer (above the threshold, within the margin of
    #: the best). Empty for the other decisions.
    choices: tuple[Match, ...] = ()

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None


def decide(scores: list[float], config: SearchConfig, *, disagreement: bool = False) -> Decision:
    """The decision for article scores sorted best first (shared by search and evaluation).

    ``disagreement``: the article classifier's likeliest article is not the best-scored one.
    """
    if not scores or scores[0] < config.answer_threshold:
        return Decision.DECLINE
    runner_up_also_good = len(scores) > 1 and scores[1] >= config.answer_threshold
    if runner_up_also_good and scores[0] - scores[1] < config.clarify_margin:
        return Decision.CLARIFY
    if disagreement and config.clarify_on_disagreement:
        return Decision.CLARIFY
    return Decision.ANSWER


def classifier_pick(candidates: Sequence[Candidate]) -> str | None:
    """The article the classifier finds likeliest among ``candidates`` (None without one)."""
    best = max(candidates, key=lambda c: c.classifier, default=None)
    return best.article.id if best is not None and best.classifier > 0 else None


def clarify_choices(
    scored: Sequence[tuple[str, float]], pick: str | None, config: SearchConfig
) -> list[str]:
    """The articles a "Did you mean ...?" offers: those within the margin of the best, or when
    the classifier disagrees, the best-scored and the classifier's pick first."""
    top = scored[0][1]
    close = [
        article_id
        for article_id, value in scored
        if value >= config.answer_threshold and top - value < config.clarify_margin
    ]
    if pick is not None and pick != scored[0][0] and config.clarify_on_disagreement:
        close = [scored[0][0], pick, *(a for a in close[1:] if a != pick)]
    return close[:MAX_CHOICES]


def rank(
    query: str, candidates: Sequence[Candidate], config: SearchConfig, *, limit: int = 5
) -> SearchResult:
    """Order candidates by their score under ``config`` (one per article: its best part) and
    decide what to do."""
    best: dict[str, Match] = {}  # an article's best part, when a message has several
    for c in candidates:
        value = c.score(config)
        if c.article.id not in best or value > best[c.article.id].score:
            best[c.article.id] = Match(c.article, value, c.matched_text)
    ranked = sorted(best.values(), key=lambda m: m.score, reverse=True)
    pick = classifier_pick(candidates)
    disagreement = pick is not None and pick != ranked[0].article.id
    decision = decide([m.score for m in ranked[:2]], config, disagreement=disagreement)
    choices: tuple[Match, ...] = ()
    if decision is Decision.CLARIFY:
        by_id = {m.article.id: m for m in ranked}
        scored = [(m.article.id, m.score) for m in ranked]
        choices = tuple(by_id[i] for i in clarify_choices(scored, pick, config))
    return SearchResult(
        query=query, matches=tuple(ranked[:limit]), decision=decision, choices=choices
    )


class Searcher(Protocol):
    """The role actions depend on: search the knowledge base and fetch an article."""

    @property
    def model_id(self) -> str:
        """The embedding model's id."""
        ...

    def search(
        self,
        text: str,
        *,
        limit: int = 5,
        categories: Collection[str] | None = None,
        shared_vectors: Mapping[str, Any] | None = None,
    ) -> SearchResult: ...

    def article(self, article_id: str) -> Article | None: ...

    @property
    def articles(self) -> Mapping[str, Article]:
        """Every article of the index searched now, by id."""
        ...

    @property
    def translations(self) -> Mapping[str, Mapping[str, Article]]:
        """Their translations: ``{language: {article id: translation}}``."""
        ...


class KnowledgeSearcher:
    """Searches one loaded ``KnowledgeIndex`` with an ``Embedder``."""

    def __init__(
        self, index: KnowledgeIndex, embedder: Embedder, *, split_clauses: bool = True
    ) -> None:
        self.index = index
        #: The index's tuned encoder over ``embedder`` when it has one (see ``tuned_encoder``).
        self._embedder = index.query_embedder(embedder)
        #: Search a short question without its condition clause too (see ``query_parts``);
        #: off only to measure what that adds.
        self._split_clauses = split_clauses

    @property
    def config(self) -> SearchConfig:
        return self.index.search_config

    @property
    def model_id(self) -> str:
        return self._embedder.model_id

    def search(
        self,
        text: str,
        *,
        limit: int = 5,
        categories: Collection[str] | None = None,
        shared_vectors: Mapping[str, Any] | None = None,
    ) -> SearchResult:
        """Rank articles for ``text``; with ``categories``, only articles in those.

        ``shared_vectors``: the parse data of ``text``, whose vectors the NLU computed
        (``bot.embeddings.shared``); the one from this searcher's model saves a forward pass.
        """
        query_vector = self._shared_vector(shared_vectors) if shared_vectors else None
        candidates = self.candidates(text, categories=categories, query_vector=query_vector)
        return rank(text, candidates, self.config, limit=limit)

    def _shared_vector(self, shared: Mapping[str, Any]) -> Vectors | None:
        for key in (KB_EMBEDDING, TEXT_EMBEDDING):  # a tuned index's own, or the base model's
            vector = decode_vector(
                shared.get(key), model_id=self.model_id, dimension=self._embedder.dimension
            )
            if vector is not None:
                return vector
        return None

    def candidates(
        self,
        text: str,
        *,
        categories: Collection[str] | None = None,
        query_vector: Vectors | None = None,
    ) -> list[Candidate]:
        """Articles whose phrasings are nearest to ``text``, with their score components.

        A long message is searched part by part (its first sentences), a question with a
        condition also without it: an article then has a candidate for each part, and
        ``rank`` keeps its best-scoring one under the weights it ranks with.
        """
        inspected = inspect_message(text)
        if not inspected.is_usable:
            return []
        parts = query_parts(inspected.cleaned, split_clauses=self._split_clauses)
        if query_vector is not None and len(parts) == 1:
            return self._candidates_for(parts[0], categories, vector=query_vector)
        found: list[Candidate] = []
        for part in parts:
            # The whole message's vector is shared by the NLU when it is given.
            vector = query_vector if part == inspected.cleaned else None
            found += self._candidates_for(part, categories, vector=vector)
        return found

    def _candidates_for(
        self, query: str, categories: Collection[str] | None, *, vector: Vectors | None = None
    ) -> list[Candidate]:
        if vector is None:
            vector = self._embedder.embed([query])
        # With a category filter, look further so enough phrasings of those categories remain.
        depth = _CANDIDATE_PHRASINGS if categories is None else _CANDIDATE_PHRASINGS * 16
        neighbours = self.index.vectors.search(vector, depth)
        closest: dict[str, tuple[float, str]] = {}
        for score, row in zip(neighbours.scores[0], neighbours.ids[0], strict=True):
            if row < 0:
                continue
            entry = self.index.entries[int(row)]
            if (
                categories is not None
                and self.index.articles[entry.article_id].category not in categories
            ):
                continue
            if entry.article_id not in closest or score > closest[entry.article_id][0]:
                closest[entry.article_id] = (float(score), entry.text)
        if not closest:
            return []
        ids = list(closest)
        positions = [self.index.article_position(article_id) for article_id in ids]
        answers = self.index.answer_vectors[positions] @ vector[0]
        lexical = self.index.lexicon.scores(
            query, positions, saturation=self.config.lexical_saturation
        )
        classified = self.index.classifier.probabilities(vector[0])[positions]
        asked = question_kind(query)
        return [
            Candidate(
                article=self.index.articles[article_id],
                matched_text=closest[article_id][1],
                phrasing=closest[article_id][0],
                answer=float(answer),
                lexical=lexical_score,
                classifier=float(probability),
                kind=asked.match(self.index.article_kind(article_id)),
            )
            for article_id, answer, lexical_score, probability in zip(
                ids, answers, lexical, classified, strict=True
            )
        ]

    def article(self, article_id: str) -> Article | None:
        return self.index.articles.get(article_id)

    @property
    def articles(self) -> Mapping[str, Article]:
        return self.index.articles

    @property
    def translations(self) -> Mapping[str, Mapping[str, Article]]:
        return self.index.translations


def query_parts(text: str, *, split_clauses: bool = True) -> list[str]:
    """The parts a message is searched by: itself, or for a long one its first sentences.

    A question with a condition or a reason ("how long have I got to send it back if it
    doesn't fit?") is searched as a whole and without that clause: the clause's words can
    outweigh what is asked.
    """
    if len(text) <= LONG_QUERY_CHARS:
        if not split_clauses:
            return [text]
        main = _CLAUSE.split(text, maxsplit=1)[0]
        if main != text and len(main.split()) >= _MIN_MAIN_CLAUSE_WORDS:
            return [text, main]
        return [text]
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text) if any(ch.isalnum() for ch in s)]
    parts: list[str] = []
    for sentence in sentences:
        words = sentence.split()
        for start in range(0, len(words), _WORDS_PER_PART):
            parts.append(" ".join(words[start : start + _WORDS_PER_PART]))
    return parts[:_MAX_PARTS] or [text]


class ReloadingSearcher:
    """A searcher that picks up a rebuilt index without a restart.

    Before a search it looks at the index manifest (at most every ``check_every`` seconds,
    a single ``stat``); when a rebuild replaced it, the new index is loaded and used from
    then on. If loading fails, it keeps serving the index it has and logs why.
    """

    def __init__(self, index_dir: Path, embedder: Embedder, *, check_every: float = 2.0) -> None:
        self._dir = index_dir
        self._embedder = embedder
        self._check_every = check_every
        self._lock = threading.Lock()
        self._searcher: KnowledgeSearcher | None = None
        self._loaded_mtime = 0.0
        self._last_check = 0.0

    def current(self) -> KnowledgeSearcher:
        """The searcher for the newest index (loads it on first use)."""
        now = time.monotonic()
        if self._searcher is not None and now - self._last_check < self._check_every:
            return self._searcher
        with self._lock:
            self._last_check = now
            manifest_file = self._dir / "manifest.json"
            try:
                mtime = manifest_file.stat().st_mtime
            except FileNotFoundError:
                mtime = 0.0
            if self._searcher is None or mtime != self._loaded_mtime:
                self._reload(mtime)
            assert self._searcher is not None
            return self._searcher

    def _reload(self, mtime: float) -> None:
        if self._searcher is None:
            # First load: errors propagate (a missing index must be reported, not hidden).
            self._searcher = KnowledgeSearcher(load_index(self._dir), self._embedder)
            self._loaded_mtime = mtime
            return
        try:
            fresh = KnowledgeSearcher(load_index(self._dir), self._embedder)
        except Exception:
            logger.exception("could not load the rebuilt index; still serving the previous one")
            self._loaded_mtime = mtime  # do not retry on every message
            return
        self._searcher = fresh
        self._loaded_mtime = mtime
        manifest = fresh.index.manifest
        logger.info(
            "knowledge-base index reloaded: %d articles, built %s",
            manifest.articles,
            manifest.built_at,
        )

    @property
    def model_id(self) -> str:
        return self.current().model_id

    def search(
        self,
        text: str,
        *,
        limit: int = 5,
        categories: Collection[str] | None = None,
        shared_vectors: Mapping[str, Any] | None = None,
    ) -> SearchResult:
        return self.current().search(
            text, limit=limit, categories=categories, shared_vectors=shared_vectors
        )

    def article(self, article_id: str) -> Article | None:
        return self.current().article(article_id)

    @property
    def articles(self) -> Mapping[str, Article]:
        return self.current().articles

    @property
    def translations(self) -> Mapping[str, Mapping[str, Article]]:
        return self.current().translations
