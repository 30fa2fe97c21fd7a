"""The Rasa server's encoder in float32 and in bfloat16, side by side in one run.

``SUPPORTBOT_ENCODER_PRECISION=auto`` (the default) serves the encoder's weights in bfloat16
where the processor has bfloat16 instructions. This measures, for each format in the same run:

* the models' work on one message as the Rasa server does it (the MiniLM pass, then the
  sentiment branch and the knowledge base's tuned layers continuing it), p50 / p95;
* how far the vectors move: the cosine of each message's sentence and search vectors to
  float32's, and the largest change of a negative-sentiment probability;
* quality: the knowledge base's held-out sets (``kb eval``'s figures on the demo index, built
  in float32 as ``kb build`` does), sentiment on its held-out split, and the intent
  classifier's 5-fold cross-validated accuracy on data/nlu with features from that format.

Nothing is chosen here: the held-out sets only report. About 6 minutes on 2 cores.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import PROJECT, percentile, supportbot_json, write_result
from bench.kb_eval import DATA, HELD_OUT
from bench.nlu_eval import cross_validated, training_examples
from bot.embeddings import SentenceTransformerEmbedder, resolve_model_path
from bot.embeddings.sentence_transformer import PRECISIONS, serving_precision
from bot.knowledge import KnowledgeSearcher, load_index
from bot.knowledge.evaluation import load_queries, run_queries, score
from bot.sentiment import dataset
from bot.sentiment.evaluation import evaluate
from bot.sentiment.training import load_sentiment_model
from bot.settings import Settings

REPORTED = ("top1", "answered_precision", "abstain_recall", "confident_wrong")


def per_message(embedder: SentenceTransformerEmbedder, index_dir: Path) -> dict[str, Any]:
    """The Rasa server's model work on each test query, one message at a time."""
    settings = Settings.from_env()
    sentiment = load_sentiment_model(settings, embedder)
    tuned = load_index(index_dir).query_embedder(embedder)
    texts = [q.text for q in load_queries(DATA / HELD_OUT["test"])]
    for text in texts[:10]:  # warm up
        batch = embedder.encode([text])
        sentiment.predict_encoded(batch, [0])  # type: ignore[attr-defined]
        tuned.embed_encoded(batch)  # type: ignore[attr-defined]
    timings, sentence, search, negative = [], [], [], []
    for text in texts:
        started = time.perf_counter()
        batch = embedder.encode([text])
        reading = sentiment.predict_encoded(batch, [0])[0]  # type: ignore[attr-defined]
        vector = tuned.embed_encoded(batch)[0]  # type: ignore[attr-defined]
        timings.append((time.perf_counter() - started) * 1000)
        sentence.append(batch.vectors[0])
        search.append(vector)
        negative.append(reading.scores["negative"])
    return {
        "timings": {
            "messages": len(texts),
            "p50_ms": round(percentile(timings, 50), 2),
            "p95_ms": round(percentile(timings, 95), 2),
        },
        "vectors": (np.array(sentence), np.array(search), np.array(negative)),
    }


def kb_quality(embedder: SentenceTransformerEmbedder, index_dir: Path) -> dict[str, Any]:
    index = load_index(index_dir)
    searcher = KnowledgeSearcher(index, embedder)
    results = {}
    for name, file in HELD_OUT.items():
        metrics = score(run_queries(searcher, load_queries(DATA / file)), index.search_config)
        results[name] = {key: metrics[key] for key in REPORTED}
    return results


def sentiment_quality(embedder: SentenceTransformerEmbedder) -> dict[str, Any]:
    _, heldout = dataset.split(dataset.load_folder(PROJECT / "data" / "sentiment"))
    model = load_sentiment_model(Settings.from_env(), embedder)
    metrics = evaluate(model, heldout, timed=False)
    return {key: metrics[key] for key in ("n", "accuracy", "negative_f1", "macro_f1")}


def nlu_quality(embedder: SentenceTransformerEmbedder) -> dict[str, Any]:
    texts, labels = training_examples()
    predicted, _ = cross_validated(embedder, texts, labels, char_weight=0.5)
    return {
        "examples": len(labels),
        "accuracy": round(float((predicted == np.array(labels)).mean()), 4),
    }


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    results: dict[str, Any] = {"auto_here": serving_precision("auto")}
    vectors = {}
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "index"
        supportbot_json("kb", "build", "--out", str(index_dir))  # float32, as kb build does
        for precision in PRECISIONS:
            embedder = SentenceTransformerEmbedder(
                resolve_model_path(None), threads=1, precision=precision
            )
            work = per_message(embedder, index_dir)
            vectors[precision] = work["vectors"]
            results[precision] = {
                "per_message": work["timings"],
                "knowledge_base": kb_quality(embedder, index_dir),
                "sentiment_heldout": sentiment_quality(embedder),
                "intents_cross_validated": nlu_quality(embedder),
            }
            print(precision, json.dumps(results[precision]), flush=True)
    sentence, search, negative = vectors["float32"]
    sentence16, search16, negative16 = vectors["bfloat16"]
    results["bfloat16_against_float32"] = {
        "sentence_cosine_min": round(float((sentence * sentence16).sum(axis=1).min()), 6),
        "search_cosine_min": round(float((search * search16).sum(axis=1).min()), 6),
        "negative_probability_max_change": round(float(np.abs(negative - negative16).max()), 4),
    }
    write_result(
        "encoder_precision",
        {
            "setup": "one process, one torch thread; the demo index built in float32 by "
            "`supportbot kb build`; per message: encode, sentiment branch, tuned search layers",
            **results,
        },
    )


if __name__ == "__main__":
    main()
