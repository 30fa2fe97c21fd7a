"""Sentiment model quality on the held-out split, a frozen-embedding baseline, and added latency.

1. Writes the held-out split of ``data/sentiment/`` to ``bench/data/sentiment_heldout.csv``
   and scores the model in use with the public command, ``supportbot sentiment eval --data``
   (goal: negative-class F1 >= 0.90).
2. Baseline on the same split: logistic regression on the frozen MiniLM sentence embedding
   (what fine-tuning has to beat).
3. Added latency per message: the sentiment branch alone, after the forward pass the NLU
   pipeline runs anyway (goal: p50 <= 10 ms), next to that forward pass's own time.
4. Other languages: the head on the multilingual encoder (``bot.sentiment.crosslingual``,
   trained on the same English messages) on ``bench/data/sentiment_other_languages.csv``
   (Italian, German, French and Spanish messages written for the project, held out), per
   language; beside it, the English model reading the same messages (what the bot does not do:
   it reads a message clearly in another language with the head), the head on the English
   held-out split, and its time per message.
"""

from __future__ import annotations

import statistics
import time

from bench.common import PROJECT, percentile, supportbot_json, write_result
from bot.sentiment import dataset
from bot.sentiment.evaluation import evaluate
from bot.sentiment.training import embedder_for, load_sentiment_model
from bot.settings import Settings

HELDOUT_CSV = PROJECT / "bench" / "data" / "sentiment_heldout.csv"
OTHER_LANGUAGES_CSV = PROJECT / "bench" / "data" / "sentiment_other_languages.csv"


def baseline(train: list[dataset.Example], heldout: list[dataset.Example]) -> dict[str, float]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score

    embedder = embedder_for(Settings.from_env(), threads=2)
    features = embedder.embed([e.text for e in train])
    model = LogisticRegression(C=0.5, max_iter=3000).fit(features, [e.label for e in train])
    predicted = model.predict(embedder.embed([e.text for e in heldout]))
    gold = [e.label for e in heldout]
    return {
        "accuracy": round(float(accuracy_score(gold, predicted)), 4),
        "negative_f1": round(
            float(f1_score(gold, predicted, labels=["negative"], average="macro")), 4
        ),
    }


def added_latency(heldout: list[dataset.Example]) -> dict[str, float]:
    settings = Settings.from_env()
    embedder = embedder_for(settings, threads=1)  # as in the Rasa server
    model = load_sentiment_model(settings, embedder)
    texts = [e.text for e in heldout[:400]]
    forward, branch = [], []
    for text in texts:
        started = time.perf_counter()
        encoded = embedder.encode([text])
        middle = time.perf_counter()
        model.predict_encoded(encoded, [0])  # type: ignore[attr-defined]
        forward.append((middle - started) * 1000)
        branch.append((time.perf_counter() - middle) * 1000)
    return {
        "messages": len(texts),
        "sentiment_p50_ms": round(statistics.median(branch), 2),
        "sentiment_p95_ms": round(percentile(branch, 95), 2),
        "shared_forward_pass_p50_ms": round(statistics.median(forward), 2),
    }


def other_languages(heldout: list[dataset.Example]) -> dict[str, object]:
    import csv

    from bot.embeddings.multilingual import UniversalSentenceEncoder
    from bot.sentiment.crosslingual import CrossLingualSentiment

    settings = Settings.from_env()
    head = CrossLingualSentiment.load(settings.sentiment_dir, UniversalSentenceEncoder())
    if head is None:
        raise SystemExit("no head for other languages: run `supportbot sentiment train`")
    english = load_sentiment_model(settings, embedder_for(settings, threads=1))
    with OTHER_LANGUAGES_CSV.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    found: dict[str, object] = {}
    for language in sorted({r["language"] for r in rows}):
        mine = [
            dataset.Example(r["text"], r["label"], language)
            for r in rows
            if r["language"] == language
        ]
        found[language] = {
            "multilingual_head": _brief(evaluate(head, mine, timed=False)),
            "english_model_reading_it": _brief(evaluate(english, mine, timed=False)),
        }
    found["english_heldout_multilingual_head"] = _brief(evaluate(head, heldout, timed=False))
    timings = []
    for row in rows:
        started = time.perf_counter()
        head.predict([row["text"]])
        timings.append((time.perf_counter() - started) * 1000)
    found["ms_per_message_p50"] = round(statistics.median(timings), 2)
    found["ms_per_message_p95"] = round(percentile(timings, 95), 2)
    return found


def _brief(metrics: dict[str, object]) -> dict[str, object]:
    keys = ("n", "accuracy", "negative_precision", "negative_recall", "negative_f1", "macro_f1")
    return {key: metrics[key] for key in keys}


def main() -> None:
    examples = dataset.load_folder(PROJECT / "data" / "sentiment")
    train, heldout = dataset.split(examples)
    dataset.write_csv(heldout, HELDOUT_CSV)
    write_result(
        "sentiment_eval",
        {
            "setup": "held-out split of data/sentiment (1 in 5 by text hash); "
            "model trained on the rest by `supportbot sentiment train`",
            "heldout": {
                "n": len(heldout),
                "from_shop_messages": sum(e.source == "shop_messages.csv" for e in heldout),
            },
            "model": supportbot_json("sentiment", "eval", "--data", str(HELDOUT_CSV)),
            "baseline_logreg_on_frozen_embedding": baseline(train, heldout),
            "added_latency": added_latency(heldout),
            "other_languages": other_languages(heldout),
        },
    )


if __name__ == "__main__":
    main()
