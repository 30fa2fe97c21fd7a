"""Choosing the ranking weights, the answer threshold and the clarify margin from labelled queries.

First the weights of the answer, lexical, classifier and kind scores (see ``SearchConfig``): the
combination from a small grid whose scores allow the best outcome at their best threshold
(the utility below: ranking the right article first only counts when its score also stands
above the wrong answers' and the out-of-scope queries'), then the one that ranks the expected
article first most often, then by mean reciprocal rank; ties go to the smaller weights, the
simpler model.

The answer threshold trades answered questions against wrong answers. We pick the one that
maximises correct outcomes — an answerable query answered with the right article, or an
out-of-scope query declined — where each wrong answer counts ``wrong_answer_cost`` times as
bad as a missed answer (an unnecessary "I don't know, here is a person" is less harmful than
a confident wrong answer). Among equally good thresholds, the middle of the best run is taken
so that small shifts in scores do not flip decisions.

The clarify margin is chosen next, with whether to ask when the article classifier favours
another article than the score: asking "Did you mean ...?" rescues queries whose right
article came second, at the price of one extra click on queries that were already right.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from bot.knowledge.evaluation import (
    QueryCandidates,
    QueryOutcome,
    decision_for,
    offered,
    outcomes_for,
    score,
)
from bot.knowledge.search import Decision
from bot.knowledge.search_config import SearchConfig

#: Weights tried for the answer and lexical scores.
ANSWER_WEIGHTS = (0.0, 0.15, 0.3, 0.5)
LEXICAL_WEIGHTS = (0.0, 0.1, 0.2, 0.3)
CLASSIFIER_WEIGHTS = (0.0, 0.25, 0.5, 1.0)
KIND_WEIGHTS = (0.0, 0.1, 0.25, 0.5)


@dataclass(frozen=True)
class WeightGrid:
    """The weights tried for each part of the score (``(0.0,)`` leaves a part out)."""

    answer: tuple[float, ...] = ANSWER_WEIGHTS
    lexical: tuple[float, ...] = LEXICAL_WEIGHTS
    classifier: tuple[float, ...] = CLASSIFIER_WEIGHTS
    kind: tuple[float, ...] = KIND_WEIGHTS
    #: Whether asking "Did you mean" when the classifier disagrees may be chosen.
    on_disagreement: tuple[bool, ...] = (False, True)


FULL_GRID = WeightGrid()
#: Margins tried for "Did you mean ...?" (score units).
MARGIN_CANDIDATES = tuple(round(0.005 * i, 3) for i in range(0, 21))
#: A needless clarification costs this much relative to a rescued wrong answer.
NEEDLESS_CLARIFY_COST = 0.5


@dataclass(frozen=True)
class ThresholdPoint:
    """Outcome counts at one candidate threshold (the trade-off ``kb calibrate`` prints)."""

    threshold: float
    utility: float
    correct_answers: int
    wrong_answers: int
    declined_answerable: int
    declined_out_of_scope: int


def sweep_thresholds(
    outcomes: Sequence[QueryOutcome], *, wrong_answer_cost: float
) -> list[ThresholdPoint]:
    """Evaluate every threshold that changes a decision (each observed best score)."""
    tops = sorted({o.scores[0] for o in outcomes if o.scores})
    candidates = [tops[0] - 1e-4, *tops, tops[-1] + 1e-4] if tops else [0.5]
    points = []
    for threshold in candidates:
        correct = wrong = declined_answerable = declined_oos = 0
        for o in outcomes:
            top_score = o.scores[0] if o.scores else float("-inf")
            if top_score < threshold:
                if o.query.expected_id is None:
                    declined_oos += 1
                else:
                    declined_answerable += 1
            elif o.query.expected_id is not None and o.ranked_ids[0] == o.query.expected_id:
                correct += 1
            else:
                wrong += 1
        utility = correct + declined_oos - wrong_answer_cost * wrong
        points.append(
            ThresholdPoint(
                threshold=threshold,
                utility=utility,
                correct_answers=correct,
                wrong_answers=wrong,
                declined_answerable=declined_answerable,
                declined_out_of_scope=declined_oos,
            )
        )
    return points


def choose_threshold(points: Sequence[ThresholdPoint]) -> float:
    """The middle of the longest run of best-utility thresholds.

    ``points`` are sorted by threshold; point ``i`` stands for every threshold in
    ``(points[i-1].threshold, points[i].threshold]`` (they all make the same decisions).
    """
    best = max(p.utility for p in points)
    runs: list[tuple[int, int]] = []
    for i, point in enumerate(points):
        if point.utility != best:
            continue
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    first, last = max(runs, key=lambda run: run[1] - run[0])
    low = points[first - 1].threshold if first > 0 else points[first].threshold
    return (low + points[last].threshold) / 2


def choose_clarifying(
    outcomes: Sequence[QueryOutcome],
    base: SearchConfig,
    *,
    on_disagreement_options: Sequence[bool] = (False, True),
) -> SearchConfig:
    """The clarify margin, and whether to ask when the classifier disagrees, that rescue the
    most wrong answers (the right article among the choices) for the fewest extra clicks."""
    best_config, best_value = base, float("-inf")
    for on_disagreement in on_disagreement_options:
        for margin in MARGIN_CANDIDATES:
            config = replace(base, clarify_margin=margin, clarify_on_disagreement=on_disagreement)
            value = 0.0
            for o in outcomes:
                if decision_for(o, config) is not Decision.CLARIFY:
                    continue
                expected = o.query.expected_id
                if o.ranked_ids[0] == expected:
                    value -= NEEDLESS_CLARIFY_COST
                elif expected in offered(o, config):
                    value += 1
            if value > best_value:
                best_config, best_value = config, value
    return best_config


def best_utility(outcomes: Sequence[QueryOutcome], *, wrong_answer_cost: float) -> float:
    """The utility of ``sweep_thresholds``' best threshold, computed in one pass."""
    # Lowering the threshold past a query's best score turns its decline into an answer;
    # queries with the same best score change together (no threshold separates them).
    changes: dict[float, float] = {}
    for o in outcomes:
        if not o.scores:
            continue
        declined = 1.0 if o.query.expected_id is None else 0.0
        if o.query.expected_id is not None and o.ranked_ids[0] == o.query.expected_id:
            answered = 1.0
        else:
            answered = -wrong_answer_cost
        changes[o.scores[0]] = changes.get(o.scores[0], 0.0) + answered - declined
    utility = float(sum(o.query.expected_id is None for o in outcomes))  # decline everything
    best = utility
    for _, change in sorted(changes.items(), reverse=True):
        utility += change
        best = max(best, utility)
    return best


def choose_weights(
    collected: Sequence[QueryCandidates],
    base: SearchConfig,
    *,
    wrong_answer_cost: float,
    grid: WeightGrid = FULL_GRID,
) -> SearchConfig:
    """``base`` with the weights that reach the best outcome (see above)."""
    best: tuple[float, ...] | None = None  # (utility, top1, mrr, -weights...)
    chosen = base
    for answer, lexical, classifier, kind in itertools.product(
        grid.answer, grid.lexical, grid.classifier, grid.kind
    ):
        config = replace(
            base,
            answer_weight=answer,
            lexical_weight=lexical,
            classifier_weight=classifier,
            kind_weight=kind,
        )
        outcomes = outcomes_for(collected, config)
        metrics = score(outcomes, config)
        key = (
            best_utility(outcomes, wrong_answer_cost=wrong_answer_cost),
            metrics["top1"] or 0.0,
            metrics["mrr"] or 0.0,
            -answer,
            -lexical,
            -classifier,
            -kind,
        )
        if best is None or key > best:
            best, chosen = key, config
    return chosen


def calibrate(
    collected: Sequence[QueryCandidates],
    *,
    base: SearchConfig,
    wrong_answer_cost: float = 2.0,
    queries_name: str,
    model_id: str,
    grid: WeightGrid = FULL_GRID,
) -> tuple[SearchConfig, list[ThresholdPoint], dict[str, Any]]:
    """Choose weights and thresholds; return them, the sweep, and their metrics on ``collected``."""
    weighted = choose_weights(collected, base, wrong_answer_cost=wrong_answer_cost, grid=grid)
    outcomes = outcomes_for(collected, weighted)
    points = sweep_thresholds(outcomes, wrong_answer_cost=wrong_answer_cost)
    threshold = choose_threshold(points)
    provisional = choose_clarifying(
        outcomes,
        replace(weighted, answer_threshold=threshold),
        on_disagreement_options=grid.on_disagreement,
    )
    metrics = score(outcomes, provisional)
    config = replace(
        provisional,
        calibration={
            "queries": queries_name,
            "n": len(outcomes),
            "model": model_id,
            "wrong_answer_cost": wrong_answer_cost,
            "date": datetime.now(UTC).date().isoformat(),
            "metrics_on_these_queries": {
                k: metrics[k]
                for k in ("top1", "answered_rate", "answered_precision", "abstain_recall")
            },
        },
    )
    return config, points, metrics
