"""Scoring knowledge-base search against labelled queries (``supportbot kb eval``).

A labelled query is ``text,expected_id``; an empty ``expected_id`` means nothing in the
knowledge base answers it and the bot should decline. Definitions (all fractions 0..1):

* ``top1`` / ``top3`` — answerable queries whose expected article ranks first / in the top 3;
* ``mrr`` — mean reciprocal rank of the expected article over answerable queries
  (0 when it is not among the 10 best);
* ``answered_rate`` — all queries where the bot answered (or asked "Did you mean") rather than
  declining;
* ``answered_precision`` — answered queries whose first article is the expected one (an
  answered out-of-scope query counts as wrong);
* ``abstain_recall`` — out-of-scope queries the bot declined;
* ``confident_wrong`` — of the queries the bot answered outright (no "Did you mean"), those
  answered with another article than the expected one, out-of-scope queries included: the
  customer is misinformed and nothing flags it;
* ``clarify_right`` — of the "Did you mean ...?" questions, those offering the expected article;
* ``p50_ms`` / ``p95_ms`` — time to search one query (embedding + index), one at a time.
"""

from __future__ import annotations

import csv
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import KnowledgeBaseError
from bot.knowledge.search import (
    Candidate,
    Decision,
    KnowledgeSearcher,
    clarify_choices,
    classifier_pick,
    decide,
    rank,
)
from bot.knowledge.search_config import SearchConfig

RANK_DEPTH = 10


@dataclass(frozen=True)
class LabelledQuery:
    text: str
    expected_id: str | None  # None: out of scope, the bot should decline


@dataclass(frozen=True)
class QueryOutcome:
    """What the search returned for one labelled query."""

    query: LabelledQuery
    ranked_ids: tuple[str, ...]
    scores: tuple[float, ...]
    latency_ms: float
    #: The article classifier's likeliest article, when it is another than ``ranked_ids[0]``.
    disagreeing_pick: str | None = None

    @property
    def disagreement(self) -> bool:
        return self.disagreeing_pick is not None

    def rank(self) -> int | None:
        """1-based rank of the expected article, None when absent or out of scope."""
        expected = self.query.expected_id
        if expected is None or expected not in self.ranked_ids:
            return None
        return self.ranked_ids.index(expected) + 1


def load_queries(path: Path) -> list[LabelledQuery]:
    """Read a ``text,expected_id`` CSV."""
    if not path.is_file():
        raise KnowledgeBaseError(f"queries file not found: {path}")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"text", "expected_id"} <= set(reader.fieldnames):
            raise KnowledgeBaseError(f"{path}: needs the columns text,expected_id")
        queries = [
            LabelledQuery(
                text=row["text"] or "", expected_id=(row["expected_id"] or "").strip() or None
            )
            for row in reader
        ]
    if not queries:
        raise KnowledgeBaseError(f"{path}: no queries")
    return queries


@dataclass(frozen=True)
class QueryCandidates:
    """The candidates found for one query, before ranking (so weights can be varied)."""

    query: LabelledQuery
    candidates: tuple[Candidate, ...]
    latency_ms: float


def collect_candidates(
    searcher: KnowledgeSearcher, queries: Sequence[LabelledQuery]
) -> list[QueryCandidates]:
    """Search every query one at a time (timing each search, ranking included)."""
    unknown = sorted(
        {q.expected_id for q in queries if q.expected_id} - set(searcher.index.articles)
    )
    if unknown:
        raise KnowledgeBaseError(
            f"expected_id(s) not in the index: {', '.join(unknown[:10])}"
            + (" ..." if len(unknown) > 10 else ""),
            hint="check the queries file against the knowledge base it was written for",
        )
    for warm in ("warm up", "where is my order"):  # load the model outside the timings
        searcher.search(warm)
    collected = []
    for query in queries:
        started = time.perf_counter()
        candidates = searcher.candidates(query.text)
        rank(query.text, candidates, searcher.config, limit=RANK_DEPTH)
        elapsed = (time.perf_counter() - started) * 1000
        collected.append(QueryCandidates(query, tuple(candidates), elapsed))
    return collected


def outcomes_for(collected: Sequence[QueryCandidates], config: SearchConfig) -> list[QueryOutcome]:
    """Rank each query's candidates under ``config``."""
    outcomes = []
    for item in collected:
        result = rank(item.query.text, item.candidates, config, limit=RANK_DEPTH)
        ranked_ids = tuple(m.article.id for m in result.matches)
        pick = classifier_pick(item.candidates)
        outcomes.append(
            QueryOutcome(
                query=item.query,
                ranked_ids=ranked_ids,
                scores=tuple(m.score for m in result.matches),
                latency_ms=item.latency_ms,
                disagreeing_pick=pick if ranked_ids and pick != ranked_ids[0] else None,
            )
        )
    return outcomes


def run_queries(
    searcher: KnowledgeSearcher, queries: Sequence[LabelledQuery]
) -> list[QueryOutcome]:
    """Search every query one at a time with the index's own configuration."""
    return outcomes_for(collect_candidates(searcher, queries), searcher.config)


def score(outcomes: Sequence[QueryOutcome], config: SearchConfig) -> dict[str, Any]:
    """The ``kb eval`` figures for ``outcomes`` under the thresholds in ``config``."""
    answerable = [o for o in outcomes if o.query.expected_id is not None]
    out_of_scope = [o for o in outcomes if o.query.expected_id is None]
    decisions = [decision_for(o, config) for o in outcomes]
    answered = [o for o, d in zip(outcomes, decisions, strict=True) if d is not Decision.DECLINE]
    declined_oos = [
        o
        for o, d in zip(outcomes, decisions, strict=True)
        if o.query.expected_id is None and d is Decision.DECLINE
    ]
    ranks = [o.rank() for o in answerable]
    latencies = sorted(o.latency_ms for o in outcomes)
    clarified = sum(d is Decision.CLARIFY for d in decisions)
    answered_outright = [
        o for o, d in zip(outcomes, decisions, strict=True) if d is Decision.ANSWER
    ]
    clarified_right = sum(
        d is Decision.CLARIFY and o.query.expected_id in offered(o, config)
        for o, d in zip(outcomes, decisions, strict=True)
    )
    return {
        "n": len(outcomes),
        "answerable": len(answerable),
        "out_of_scope": len(out_of_scope),
        "top1": _ratio(sum(r == 1 for r in ranks), len(answerable)),
        "top3": _ratio(sum(r is not None and r <= 3 for r in ranks), len(answerable)),
        "mrr": _ratio(sum(1 / r for r in ranks if r is not None), len(answerable)),
        "answered_rate": _ratio(len(answered), len(outcomes)),
        "answered_precision": _ratio(
            sum(bool(o.ranked_ids) and o.ranked_ids[0] == o.query.expected_id for o in answered),
            len(answered),
        ),
        "abstain_recall": _ratio(len(declined_oos), len(out_of_scope)),
        "clarify_rate": _ratio(clarified, len(outcomes)),
        "confident_wrong": _ratio(
            sum(o.ranked_ids[0] != o.query.expected_id for o in answered_outright),
            len(answered_outright),
        ),
        "clarify_right": _ratio(clarified_right, clarified),
        "answer_threshold": round(config.answer_threshold, 4),
        "clarify_margin": round(config.clarify_margin, 4),
        "p50_ms": round(_percentile(latencies, 50), 2),
        "p95_ms": round(_percentile(latencies, 95), 2),
    }


def decision_for(outcome: QueryOutcome, config: SearchConfig) -> Decision:
    """What the bot does for ``outcome`` under ``config``'s thresholds."""
    return decide(list(outcome.scores), config, disagreement=outcome.disagreement)


def offered(outcome: QueryOutcome, config: SearchConfig) -> list[str]:
    """The articles a "Did you mean ...?" offers for ``outcome`` under ``config``."""
    if decision_for(outcome, config) is not Decision.CLARIFY:
        return []
    scored = list(zip(outcome.ranked_ids, outcome.scores, strict=True))
    return clarify_choices(scored, outcome.disagreeing_pick, config)


def _ratio(part: float, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _percentile(sorted_values: Sequence[float], pct: float) -> float:
    if not sorted_values:
        return 0.0
    if len(sorted_values) == 1:
        return sorted_values[0]
    return statistics.quantiles(sorted_values, n=100, method="inclusive")[int(pct) - 1]
