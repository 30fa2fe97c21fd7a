"""Calibrating a knowledge base that has no labelled queries yet, from its own articles.

A new company has articles but no log of customers' questions to calibrate on. Its articles'
phrasings stand in for them, each searched in an index that does not contain it:

* **answerable**: the variants are split into ``folds``; for each fold, an index is built
  without that fold's variants (every article keeps its question), and each held-out variant
  is searched, expecting its own article;
* **out of scope**: the articles are split into ``folds``; for each fold, an index is built
  without those articles, and their questions are searched, expecting a decline (the
  questions alone: about one out-of-scope query to five answerable ones, as in labelled
  sets, where all phrasings would outnumber the answerable queries and make the threshold
  decline nearly everything). They are questions of the same domain that the knowledge
  base does not answer, the hardest kind of out-of-scope question: a sibling article on a
  near topic is then counted as a wrong answer, which makes the threshold careful.

``supportbot kb calibrate --from-articles`` then chooses the weights and thresholds from these
exactly as from labelled queries. Phrasings are written more cleanly than customers type, so
labelled queries, once the review inbox has collected some, calibrate better.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from bot.embeddings import Embedder
from bot.embeddings.base import Vectors
from bot.errors import KnowledgeBaseError
from bot.knowledge.articles import Article
from bot.knowledge.evaluation import LabelledQuery, QueryCandidates, collect_candidates
from bot.knowledge.search import KnowledgeSearcher
from bot.knowledge.search_config import SearchConfig
from bot.knowledge.store import load_index, write_index

FOLDS = 5
SEED = 19
#: Fewer held-out variants than this say too little to calibrate on.
MIN_VARIANTS = 20
#: The name calibration records for these queries.
QUERIES_NAME = f"held-out phrasings of the knowledge base's own articles ({FOLDS} folds)"


class CachingEmbedder:
    """Embeds each text once across the folds' builds (the folds share most phrasings)."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._cache: dict[str, Vectors] = {}

    @property
    def base(self) -> Embedder:
        """The embedder it caches for (a tuned encoder of a fold continues its pass)."""
        return self._embedder

    @property
    def model_id(self) -> str:
        return self._embedder.model_id

    @property
    def dimension(self) -> int:
        return self._embedder.dimension

    def embed(self, texts: Sequence[str]) -> Vectors:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            for text, vector in zip(missing, self._embedder.embed(missing), strict=True):
                self._cache[text] = vector
        return np.stack([self._cache[t] for t in texts]) if texts else self._embedder.embed([])


def held_out_phrasings(
    articles: Sequence[Article], embedder: Embedder, *, base: SearchConfig, folds: int = FOLDS
) -> list[QueryCandidates]:
    """The candidates found for every held-out phrasing (see the module's description)."""
    variant_count = sum(len(a.variants) for a in articles)
    if len(articles) < 2 or variant_count < MIN_VARIANTS:
        raise KnowledgeBaseError(
            f"{len(articles)} article(s) with {variant_count} variant(s) in all: too few to "
            f"calibrate from (at least 2 articles and {MIN_VARIANTS} variants)",
            hint="add other ways customers ask each question (variants), or calibrate "
            "from labelled queries with --index and --queries",
        )
    folds = min(folds, len(articles))
    rng = random.Random(SEED)
    caching = CachingEmbedder(embedder)
    collected: list[QueryCandidates] = []

    variants = [(a.id, v) for a in articles for v in a.variants]
    rng.shuffle(variants)
    for fold in range(folds):
        held = set(variants[fold::folds])
        if not held:
            continue
        kept = [
            replace(a, variants=tuple(v for v in a.variants if (a.id, v) not in held))
            for a in articles
        ]
        queries = [LabelledQuery(text, article_id) for article_id, text in sorted(held)]
        collected += _search(kept, queries, caching, base)

    order = [a.id for a in articles]
    rng.shuffle(order)
    for fold in range(folds):
        removed = set(order[fold::folds])
        kept = [a for a in articles if a.id not in removed]
        queries = [LabelledQuery(a.question, None) for a in articles if a.id in removed]
        collected += _search(kept, queries, caching, base)
    return collected


def _search(
    articles: list[Article],
    queries: list[LabelledQuery],
    embedder: CachingEmbedder,
    base: SearchConfig,
) -> list[QueryCandidates]:
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp)
        write_index(
            articles,
            index_dir,
            embedder=embedder,
            search_config=base,
            fingerprint="held-out-fold",
            source="held-out fold",
        )
        searcher = KnowledgeSearcher(load_index(index_dir), embedder)
        return collect_candidates(searcher, queries)
