"""Knowledge-base search quality on the held-out queries (``supportbot kb eval``).

Builds the demo index into a temporary folder and runs the public command exactly as a user
would, on both held-out sets: ``kb_queries_test.csv`` and the customer-style
``kb_queries_customer.csv`` (written apart from the articles: vague, long, order numbers,
typos). It records the thresholds used and what they were calibrated on.

Then it measures what each part of the score adds: each variant below is calibrated on the
calibration queries only (weights, threshold, margin: ``supportbot kb calibrate``'s own
procedure, with the other parts left out) and scored on the held-out sets. The first variant
is plain nearest-neighbour search over the phrasings, the baseline. Two more rows show a new
company's first day, without labelled queries: the uncalibrated defaults, and the calibration
``kb calibrate --from-articles`` makes from the articles alone.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from bench.common import PROJECT, percentile, supportbot_json, write_result
from bot.embeddings import SentenceTransformerEmbedder, resolve_model_path
from bot.knowledge import KnowledgeSearcher, load_index
from bot.knowledge.answer_kind import question_kind
from bot.knowledge.calibration import WeightGrid, calibrate
from bot.knowledge.evaluation import collect_candidates, load_queries, outcomes_for, score
from bot.knowledge.search import LONG_QUERY_CHARS, query_parts
from bot.knowledge.search_config import SearchConfig
from bot.knowledge.self_calibration import QUERIES_NAME, held_out_phrasings
from bot.knowledge.store import read_source

DATA = PROJECT / "bench" / "data"
HELD_OUT = {"test": "kb_queries_test.csv", "customer": "kb_queries_customer.csv"}
CALIBRATION = "kb_queries_calibration.csv"
GOALS = {"top1": 0.96, "confident_wrong_at_most": 0.02, "abstain_recall": 0.90}
NONE = (0.0,)
NO_ASKING = (False,)
#: Each variant: the weights calibration may choose, and whether a question is also searched
#: without its condition clause.
VARIANTS: dict[str, tuple[WeightGrid, bool]] = {
    "nearest phrasing only (plain nearest-neighbour search)": (
        WeightGrid(
            answer=NONE, lexical=NONE, classifier=NONE, kind=NONE, on_disagreement=NO_ASKING
        ),
        False,
    ),
    "+ answer and word overlap": (
        WeightGrid(classifier=NONE, kind=NONE, on_disagreement=NO_ASKING),
        False,
    ),
    "+ answer, word overlap, classifier": (WeightGrid(kind=NONE), False),
    "+ answer, word overlap, kind of answer": (
        WeightGrid(classifier=NONE, on_disagreement=NO_ASKING),
        False,
    ),
    "+ answer, word overlap, classifier, kind of answer": (WeightGrid(), False),
    "all parts, the condition clause too": (WeightGrid(), True),
}
#: The last row: all of the above on the index whose encoder was tuned on the phrasings.
TUNED = "all parts, the condition clause, the tuned encoder (the demo's search.yml)"
UNCALIBRATED = "no calibration at all (the defaults a new knowledge base had)"
FROM_ARTICLES = "calibrated from the articles alone (kb calibrate --from-articles)"
REPORTED = (
    "top1",
    "answered_rate",
    "answered_precision",
    "abstain_recall",
    "confident_wrong",
    "clarify_rate",
)


def weights_of(config: SearchConfig) -> dict[str, Any]:
    """What a calibration chose, as recorded with each variant (kb_eval and kb_public)."""
    return {
        "answer": config.answer_weight,
        "lexical": config.lexical_weight,
        "classifier": config.classifier_weight,
        "kind": config.kind_weight,
        "answer_threshold": round(config.answer_threshold, 4),
        "clarify_margin": config.clarify_margin,
        "clarify_on_disagreement": config.clarify_on_disagreement,
    }


def goals_met(metrics: dict[str, Any]) -> dict[str, bool]:
    return {
        "top1": float(metrics["top1"] or 0) >= GOALS["top1"],
        "confident_wrong_at_most": float(metrics["confident_wrong"] or 0)
        <= GOALS["confident_wrong_at_most"],
        "abstain_recall": float(metrics["abstain_recall"] or 0) >= GOALS["abstain_recall"],
    }


def added_cost(
    searcher: KnowledgeSearcher, embedder: SentenceTransformerEmbedder, texts: list[str]
) -> dict[str, Any]:
    """What the classifier, the kind of answer and the condition clause add to one search."""
    index = searcher.index
    vectors = embedder.embed(texts)
    per_query = []
    for text, vector in zip(texts, vectors, strict=True):
        started = time.perf_counter()
        index.classifier.probabilities(vector)
        asked = question_kind(text)
        for article_id in index.article_order:
            asked.match(index.article_kind(article_id))
        per_query.append((time.perf_counter() - started) * 1000)
    clause = [t for t in texts if len(query_parts(t)) == 2 and len(t) <= LONG_QUERY_CHARS]
    embed_ms = []
    for text in clause:
        started = time.perf_counter()
        embedder.embed([query_parts(text)[1]])
        embed_ms.append((time.perf_counter() - started) * 1000)
    return {
        "classifier_and_kind_ms_p50": round(percentile(per_query, 50), 3),
        "classifier_and_kind_ms_p95": round(percentile(per_query, 95), 3),
        "searched_again_without_a_clause": len(clause),
        "of_queries": len(texts),
        "extra_embedding_ms_p50": round(percentile(embed_ms, 50), 2) if embed_ms else None,
    }


def tuned_encoder_cost(
    searcher: KnowledgeSearcher, embedder: SentenceTransformerEmbedder, texts: list[str]
) -> dict[str, Any]:
    """One query embedded by the base model, and by the tuned encoder (its whole pass)."""
    tuned = searcher.index.query_embedder(embedder)
    timings: dict[str, list[float]] = {"base": [], "tuned": []}
    for text in texts:
        for name, model in (("base", embedder), ("tuned", tuned)):
            started = time.perf_counter()
            model.embed([text])
            timings[name].append((time.perf_counter() - started) * 1000)
    return {
        "base_embedding_ms_p50": round(percentile(timings["base"], 50), 2),
        "tuned_embedding_ms_p50": round(percentile(timings["tuned"], 50), 2),
        "note": "the Rasa server continues its forward pass with the tuned layers "
        "(KnowledgeQueryEncoder): the difference is what a message costs more; "
        "without the Rasa server (kb eval, kb search) the whole pass is run",
    }


def _collect(searcher: KnowledgeSearcher) -> dict[str, Any]:
    return {
        name: collect_candidates(searcher, load_queries(DATA / file))
        for name, file in {"calibration": CALIBRATION, **HELD_OUT}.items()
    }


def ablation(tuned_dir: Path, untuned_dir: Path) -> dict[str, Any]:
    """Each part of the score calibrated alone, on the index without and with the tuned encoder."""
    embedder = SentenceTransformerEmbedder(resolve_model_path(None))
    index = load_index(untuned_dir)
    collected = {}  # (split clauses?) -> calibration and held-out candidates
    for split in (False, True):
        collected[split] = _collect(KnowledgeSearcher(index, embedder, split_clauses=split))
    tuned_index = load_index(tuned_dir)
    collected["tuned"] = _collect(KnowledgeSearcher(tuned_index, embedder))
    results: dict[str, Any] = {}
    configs: dict[str, tuple[SearchConfig, Any]] = {}
    for variant, (grid, split) in [*VARIANTS.items(), (TUNED, (WeightGrid(), "tuned"))]:
        config, _, _ = calibrate(
            collected[split]["calibration"],
            base=index.search_config,
            queries_name=CALIBRATION,
            model_id=embedder.model_id,
            grid=grid,
        )
        configs[variant] = (config, split)
    # A new company's first day: no labelled queries, only the articles.
    configs[UNCALIBRATED] = (SearchConfig(), True)
    from_articles, _, _ = calibrate(
        held_out_phrasings(read_source(PROJECT / "knowledge_base"), embedder, base=SearchConfig()),
        base=SearchConfig(),
        queries_name=QUERIES_NAME,
        model_id=embedder.model_id,
    )
    configs[FROM_ARTICLES] = (from_articles, True)
    for variant, (config, split) in configs.items():
        row: dict[str, Any] = {"weights": weights_of(config)}
        row["condition_clause"] = bool(split)
        row["tuned_encoder"] = split == "tuned"
        for name in HELD_OUT:
            metrics = score(outcomes_for(collected[split][name], config), config)
            row[name] = {key: metrics[key] for key in REPORTED}
        results[variant] = row
        print(variant, json.dumps({k: v for k, v in row.items() if k != "weights"}))
    test_texts = [q.text for q in load_queries(DATA / HELD_OUT["test"])]
    results["added_cost"] = added_cost(KnowledgeSearcher(index, embedder), embedder, test_texts)
    results["added_cost"]["tuned_encoder"] = tuned_encoder_cost(
        KnowledgeSearcher(tuned_index, embedder), embedder, test_texts
    )
    print("added cost", json.dumps(results["added_cost"]))
    return results


def main() -> None:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        supportbot_json("kb", "build", "--out", str(index))
        for name, file in HELD_OUT.items():
            metrics = supportbot_json(
                "kb", "eval", "--index", str(index), "--queries", f"bench/data/{file}"
            )
            results[name] = {
                "command": f"supportbot kb eval --index <demo index> --queries bench/data/{file}",
                "metrics": metrics,
                "goals_met": goals_met(metrics),
            }
            print(name, json.dumps(metrics))
        # The same articles without the tuned encoder, for the rows that measure the parts.
        untuned = Path(tmp) / "search.yml"
        untuned.write_text(
            (PROJECT / "knowledge_base" / "search.yml")
            .read_text(encoding="utf-8")
            .replace("tune_encoder: true", "tune_encoder: false"),
            encoding="utf-8",
        )
        supportbot_json(
            "kb", "build", "--out", str(Path(tmp) / "untuned"), "--search-config", str(untuned)
        )
        parts = ablation(index, Path(tmp) / "untuned")
    calibration = yaml.safe_load((PROJECT / "knowledge_base" / "search.yml").read_text())
    write_result(
        "kb_eval",
        {
            **results,
            # The test set's figures also at the top level, as before.
            "metrics": results["test"]["metrics"],
            "goals": GOALS,
            "search_config": calibration,
            "parts": parts,
        },
    )


if __name__ == "__main__":
    main()
