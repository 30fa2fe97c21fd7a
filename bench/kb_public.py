"""Knowledge-base search on public data the project was not written for, imported by CSV.

HWU64 (``bench/hwu64.py``) as a company's FAQ: each intent of the known domains is an article
whose question and variants are its first ``PHRASINGS`` training utterances (a help centre's
handful of phrasings) and whose answer names its topic (HWU64 has no answers); the held-out
domains' questions are the out-of-scope ones, questions of the same kind that the FAQ does
not answer. The FAQ is written as the CSV a company would import and indexed with
``supportbot kb build --source``.

Each configuration is calibrated on the validation split only and scored on the test split:

* plain nearest-neighbour search over the phrasings (the baseline);
* everything ``supportbot kb calibrate`` chooses (answer, word overlap, the classifier learned
  from the phrasings, the kind of answer asked for);
* the same parts calibrated from the articles alone (``--from-articles``), as on day one;
* all parts on an index whose encoder was tuned on the FAQ's phrasings (``tune_encoder``).

Each is read at the threshold calibration chooses, and at the issue's operating point: the
threshold that declines 80% of the validation split's out-of-scope questions.
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench import hwu64
from bench.common import supportbot_json, write_result
from bench.kb_eval import NONE, REPORTED, weights_of
from bot.embeddings import SentenceTransformerEmbedder, resolve_model_path
from bot.knowledge import KnowledgeSearcher, load_index
from bot.knowledge.calibration import WeightGrid, calibrate
from bot.knowledge.evaluation import (
    LabelledQuery,
    QueryCandidates,
    collect_candidates,
    outcomes_for,
    score,
)
from bot.knowledge.search_config import SearchConfig
from bot.knowledge.self_calibration import QUERIES_NAME, held_out_phrasings
from bot.knowledge.store import read_source

PHRASINGS = 8
ABSTAIN_RECALL_POINT = 0.80


def write_faq(path: Path, known: set[str]) -> int:
    texts, labels = hwu64.split("train")
    phrasings: dict[str, list[str]] = {}
    for text, label in zip(texts, labels, strict=True):
        if label not in known:
            continue
        kept = phrasings.setdefault(label, [])
        if len(kept) < PHRASINGS and text not in kept:
            kept.append(text)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "question", "answer", "category"])
        for label, questions in sorted(phrasings.items()):
            topic = label.replace("_", " ")
            for i, question in enumerate(questions):
                answer = f"Our help page about {topic}." if i == 0 else ""
                writer.writerow([label, question, answer, hwu64.domain(label)])
    return len(phrasings)


def queries(name: str, known: set[str]) -> list[LabelledQuery]:
    texts, labels = hwu64.split(name)
    return [
        LabelledQuery(text, label if label in known else None)
        for text, label in zip(texts, labels, strict=True)
    ]


def threshold_declining(collected: Sequence[QueryCandidates], config: SearchConfig) -> float:
    """The lowest threshold that declines ``ABSTAIN_RECALL_POINT`` of the out-of-scope ones."""
    tops = sorted(
        o.scores[0] if o.scores else float("-inf")
        for o in outcomes_for(collected, config)
        if o.query.expected_id is None
    )
    index = min(len(tops) - 1, int(ABSTAIN_RECALL_POINT * len(tops)))
    return tops[index]


def read(config: SearchConfig, valid: Any, test: Any) -> dict[str, Any]:
    at_point = replace(config, answer_threshold=threshold_declining(valid, config))
    calibrated = score(outcomes_for(test, config), config)
    point = score(outcomes_for(test, at_point), at_point)
    return {
        "weights": weights_of(config),
        "test_at_calibrated_threshold": {k: calibrated[k] for k in REPORTED},
        f"test_at_abstain_recall_{ABSTAIN_RECALL_POINT}_on_validation": {
            k: point[k] for k in REPORTED
        },
    }


def main() -> None:
    train_labels = set(hwu64.split("train")[1])
    unknown = hwu64.unknown_domains()
    known = {label for label in train_labels if hwu64.domain(label) not in unknown}
    embedder = SentenceTransformerEmbedder(resolve_model_path(None))
    with tempfile.TemporaryDirectory() as tmp:
        faq, index_dir = Path(tmp) / "faq.csv", Path(tmp) / "index"
        articles = write_faq(faq, known)
        supportbot_json("kb", "build", "--source", str(faq), "--out", str(index_dir))
        searcher = KnowledgeSearcher(load_index(index_dir), embedder)
        valid = collect_candidates(searcher, queries("valid", known))
        test = collect_candidates(searcher, queries("test", known))
        self_collected = held_out_phrasings(read_source(faq), embedder, base=SearchConfig())
        tuned_config, tuned_dir = Path(tmp) / "search.yml", Path(tmp) / "tuned"
        tuned_config.write_text("tune_encoder: true\n", encoding="utf-8")
        supportbot_json(
            "kb", "build", "--source", str(faq), "--out", str(tuned_dir),
            "--search-config", str(tuned_config),
        )  # fmt: skip
        tuned_searcher = KnowledgeSearcher(load_index(tuned_dir), embedder)
        tuned_valid = collect_candidates(tuned_searcher, queries("valid", known))
        tuned_test = collect_candidates(tuned_searcher, queries("test", known))
    base = SearchConfig()
    configs = {
        "plain nearest-neighbour search (phrasings only)": calibrate(
            valid,
            base=base,
            queries_name="validation",
            model_id=embedder.model_id,
            grid=WeightGrid(answer=NONE, lexical=NONE, classifier=NONE, kind=NONE),
        )[0],
        "all parts, calibrated on the validation split": calibrate(
            valid, base=base, queries_name="validation", model_id=embedder.model_id
        )[0],
        "all parts, calibrated from the articles alone": calibrate(
            self_collected, base=base, queries_name=QUERIES_NAME, model_id=embedder.model_id
        )[0],
    }
    results = {}
    for name, config in configs.items():
        results[name] = read(config, valid, test)
        print(name, json.dumps(results[name]))
    tuned = "all parts, the encoder tuned on the phrasings, calibrated on the validation split"
    tuned_chosen = calibrate(
        tuned_valid, base=base, queries_name="validation", model_id=embedder.model_id
    )[0]
    results[tuned] = read(tuned_chosen, tuned_valid, tuned_test)
    print(tuned, json.dumps(results[tuned]))
    write_result(
        "kb_public",
        {
            "data": "HWU64 (CC BY 4.0) as an FAQ imported by CSV: one article per intent of "
            f"the known domains, {PHRASINGS} phrasings each; the held-out domains' questions "
            "are out of scope",
            "unknown_domains": sorted(unknown),
            "articles": articles,
            "validation_queries": len(valid),
            "test_queries": len(test),
            "test_out_of_scope": sum(c.query.expected_id is None for c in test),
            "results": results,
        },
    )


if __name__ == "__main__":
    main()
