"""Choosing the tuned encoder's recipe on the calibration queries only.

Each candidate recipe tunes the encoder on the demo knowledge base's phrasings
(``bot.knowledge.tuned_encoder``), the index is built with it, and ``supportbot kb calibrate``'s
own procedure chooses weights and threshold on ``kb_queries_calibration.csv``. The recipe whose
calibration reaches the best utility there (right answers plus right declines, a wrong answer
counting twice) is the one in use; the held-out sets are never read here. Candidates: the
number of tuned layers (2, 3 or 4 of 6) and the learning rate. About 6 minutes on 2 cores.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import PROJECT, write_result
from bot.embeddings import SentenceTransformerEmbedder, resolve_model_path
from bot.knowledge import KnowledgeSearcher, load_index
from bot.knowledge import tuned_encoder as tuning
from bot.knowledge.calibration import calibrate, sweep_thresholds
from bot.knowledge.evaluation import collect_candidates, load_queries, outcomes_for
from bot.knowledge.search_config import SearchConfig
from bot.knowledge.store import read_source, write_index

CALIBRATION = PROJECT / "bench" / "data" / "kb_queries_calibration.csv"
#: Each candidate: what it changes in the recipe in use.
CANDIDATES: list[dict[str, Any]] = [
    {},
    {"learning_rate": 2e-4},
    {"from_layer": 4},
    {"from_layer": 2},
]
WRONG_ANSWER_COST = 2.0


def measure(change: dict[str, Any], embedder: SentenceTransformerEmbedder) -> dict[str, Any]:
    in_use = dict(tuning.RECIPE)
    tuning.RECIPE.update(change)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            started = time.monotonic()
            config = SearchConfig(tune_encoder=True)
            articles = read_source(PROJECT / "knowledge_base")
            write_index(
                articles, Path(tmp), embedder=embedder, search_config=config,
                fingerprint="recipe", source="knowledge_base",
            )  # fmt: skip
            seconds = time.monotonic() - started
            searcher = KnowledgeSearcher(load_index(Path(tmp)), embedder)
            collected = collect_candidates(searcher, load_queries(CALIBRATION))
        chosen, _, metrics = calibrate(
            collected,
            base=config,
            wrong_answer_cost=WRONG_ANSWER_COST,
            queries_name=CALIBRATION.name,
            model_id=embedder.model_id,
        )
        outcomes = outcomes_for(collected, chosen)
        points = sweep_thresholds(outcomes, wrong_answer_cost=WRONG_ANSWER_COST)
        return {
            "recipe": dict(tuning.RECIPE),
            "build_seconds": round(seconds, 1),
            "utility": max(p.utility for p in points),
            **{k: metrics[k] for k in ("top1", "answered_rate", "answered_precision")},
            "abstain_recall": metrics["abstain_recall"],
        }
    finally:
        tuning.RECIPE.clear()
        tuning.RECIPE.update(in_use)


def main() -> None:
    embedder = SentenceTransformerEmbedder(resolve_model_path(None))
    results = []
    for change in CANDIDATES:
        results.append(measure(change, embedder))
        print(json.dumps(results[-1]), flush=True)
    best = max(results, key=lambda r: r["utility"])
    write_result(
        "kb_tuning",
        {
            "setup": "demo knowledge base; each recipe's index calibrated on the calibration "
            "queries (kb calibrate's procedure); the held-out sets are not read",
            "selection": f"the best utility (a wrong answer counts {WRONG_ANSWER_COST}x)",
            "results": results,
            "chosen": best["recipe"],
            "recipe_in_use": dict(tuning.RECIPE),
        },
    )


if __name__ == "__main__":
    main()
