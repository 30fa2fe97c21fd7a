"""What a support lead needs from ``supportbot kb eval``: which articles are mixed up, how
often each article is right when the bot gives it, and the confident wrong answers.

A confident wrong answer is an outright answer (no "Did you mean ...?") with another article
than the expected one, an out-of-scope query included: the customer is misinformed and
nothing flags it. Fix one by adding the query's wording as a variant of the right article,
or by making the two articles' questions say what tells them apart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from bot.knowledge.evaluation import QueryOutcome, decision_for
from bot.knowledge.search import Decision
from bot.knowledge.search_config import SearchConfig

#: How an out-of-scope query's "expected article" is shown.
OUT_OF_SCOPE = "(out of scope)"


def confusions(outcomes: Sequence[QueryOutcome]) -> list[dict[str, Any]]:
    """Pairs (expected article, article ranked first instead), most frequent first.

    Only answerable queries: which article an out-of-scope query lands on matters only when
    the bot answers it, and then it is a confident wrong answer.
    """
    pairs = Counter(
        (o.query.expected_id, o.ranked_ids[0])
        for o in outcomes
        if o.query.expected_id and o.ranked_ids and o.ranked_ids[0] != o.query.expected_id
    )
    return [
        {"expected": expected, "ranked_first": got, "queries": count}
        for (expected, got), count in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def per_article(outcomes: Sequence[QueryOutcome], config: SearchConfig) -> dict[str, Any]:
    """For each article: queries expecting it, how many got it first, and how often an
    outright answer with it was right (its precision)."""
    expected = Counter(o.query.expected_id for o in outcomes if o.query.expected_id)
    first = Counter(o.query.expected_id for o in outcomes if o.rank() == 1)
    answered: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for o in outcomes:
        if decision_for(o, config) is Decision.ANSWER:
            answered[o.ranked_ids[0]] += 1
            right[o.ranked_ids[0]] += o.ranked_ids[0] == o.query.expected_id
    report = {}
    for article_id in sorted(set(expected) | set(answered)):
        report[article_id] = {
            "queries": expected[article_id],
            "ranked_first": first[article_id],
            "answered_with_it": answered[article_id],
            "precision": round(right[article_id] / answered[article_id], 4)
            if answered[article_id]
            else None,
        }
    return report


def confident_wrong_answers(
    outcomes: Sequence[QueryOutcome], config: SearchConfig
) -> list[dict[str, Any]]:
    """Every outright answer with another article than the expected one, highest score first."""
    wrong = [
        o
        for o in outcomes
        if decision_for(o, config) is Decision.ANSWER and o.ranked_ids[0] != o.query.expected_id
    ]
    return [
        {
            "text": o.query.text,
            "expected": o.query.expected_id or OUT_OF_SCOPE,
            "answered": o.ranked_ids[0],
            "score": round(o.scores[0], 4),
        }
        for o in sorted(wrong, key=lambda o: -o.scores[0])
    ]


def diagnose(outcomes: Sequence[QueryOutcome], config: SearchConfig) -> dict[str, Any]:
    """The whole report ``kb eval --report`` writes."""
    return {
        "confusions": confusions(outcomes),
        "confident_wrong_answers": confident_wrong_answers(outcomes, config),
        "per_article": per_article(outcomes, config),
    }
