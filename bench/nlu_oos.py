"""Out-of-scope detection by the intent classifier: does it abstain on questions unlike anything
it was trained on, and what does that cost on the questions it should know?

Two measurements, each with the classifier of config.yml (``IntentModel``: the MiniLM embedding
and character n-grams, C and char_weight from config.yml) and FallbackClassifier's rule (top
confidence below 0.3, or the top two within 0.05):

* **public set** — HWU64 (assistant queries, 64 intents in 18 domains; ``../shared/data/hwu64``,
  CC BY 4.0). A seeded quarter of the domains is held out as unknown: the classifier trains on
  the other domains' training split, and the held-out domains' questions are the out-of-scope
  ones. ``unfamiliar_below`` is chosen on the validation split (known + unknown), the figures
  are on the test split. Training time is measured too.
* **the shop** — the demo's own intents (``data/nlu``). In-scope: 5-fold cross-validation of
  the training examples, and the frozen evaluation set (``evaluation/intents.yml``, never used
  for choosing). Unrelated questions: HWU64's validation split for choosing the threshold, its
  test split for the figures, leaving out the ``general`` domain (yes, no, thanks, jokes: the
  shop has intents for those), ``social_complaint`` and ``takeaway_query`` (a complaint or
  "where is my order" is in scope for a shop too). The unrelated questions only measure: the
  threshold is set by the in-scope budget below.

The threshold is the highest that costs at most ``ACCURACY_BUDGET`` of in-scope accuracy on
the choosing data (a message the classifier abstains on goes to the fallback ladder, whose
first step is the knowledge base: it is not lost, but it is not understood either);
config.yml's ``unfamiliar_below`` is this benchmark's shop choice.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import yaml

from bench import hwu64
from bench.common import PROJECT, write_result
from bench.nlu_eval import training_examples
from bot.embeddings import SentenceTransformerEmbedder, resolve_model_path
from bot.intents import IntentModel

FALLBACK_THRESHOLD = 0.3
AMBIGUITY_THRESHOLD = 0.05
THRESHOLDS = [round(0.2 + 0.01 * i, 2) for i in range(61)]
SEED = 19
ABSTAIN = {"nlu_fallback", "out_of_scope"}
NOT_UNRELATED_TO_A_SHOP = {"social_complaint", "takeaway_query"}
#: In-scope accuracy the threshold may cost on the choosing data.
ACCURACY_BUDGET = 0.02


def classifier_settings() -> dict[str, float]:
    config = yaml.safe_load((PROJECT / "config.yml").read_text())
    step = next(s for s in config["pipeline"] if s["name"].endswith("EmbeddingIntentClassifier"))
    return {"c": float(step["C"]), "char_weight": float(step["char_weight"])}


def predictions(model: IntentModel, texts: Sequence[str], vectors: Any) -> tuple[list[str], Any]:
    """What the pipeline's intent (after FallbackClassifier's rule) is, and each familiarity."""
    probabilities = model.predict_proba(texts, vectors)
    names = []
    for row in probabilities:
        top, second = np.sort(row)[::-1][:2]
        unsure = top < FALLBACK_THRESHOLD or top - second < AMBIGUITY_THRESHOLD
        names.append("nlu_fallback" if unsure else model.labels[int(np.argmax(row))])
    familiarity = np.array([model.familiarity(v) or 0.0 for v in vectors])
    return names, familiarity


def rates(
    in_scope: tuple[list[str], Any, list[str]],
    unrelated: tuple[list[str], Any],
    threshold: float,
) -> dict[str, float]:
    names, familiarity, expected = in_scope
    accuracy = np.mean(
        [n == e and f >= threshold for n, f, e in zip(names, familiarity, expected, strict=True)]
    )
    oos_names, oos_familiarity = unrelated
    recall = np.mean(
        [n in ABSTAIN or f < threshold for n, f in zip(oos_names, oos_familiarity, strict=True)]
    )
    return {"in_scope_accuracy": round(float(accuracy), 4), "oos_recall": round(float(recall), 4)}


def choose(in_scope: Any, unrelated: Any) -> float:
    """The highest threshold within the accuracy budget (0.0: never abstain)."""
    base = rates(in_scope, unrelated, 0.0)["in_scope_accuracy"]
    within = [
        t
        for t in THRESHOLDS
        if rates(in_scope, unrelated, t)["in_scope_accuracy"] >= base - ACCURACY_BUDGET
    ]
    return max(within, default=0.0)


def public_set(embedder: SentenceTransformerEmbedder, settings: dict[str, float]) -> dict[str, Any]:
    train, valid, test = hwu64.split("train"), hwu64.split("valid"), hwu64.split("test")
    unknown = hwu64.unknown_domains()

    def known(label: str) -> bool:
        return hwu64.domain(label) not in unknown

    train_texts = [t for t, label in zip(*train, strict=True) if known(label)]
    train_labels = [label for label in train[1] if known(label)]
    started = time.perf_counter()
    vectors = embedder.embed(train_texts)
    embedded = time.perf_counter() - started
    started = time.perf_counter()
    model = IntentModel.fit(train_texts, vectors, train_labels, **settings)
    fitted = time.perf_counter() - started

    def split(data: tuple[list[str], list[str]]) -> tuple[Any, Any]:
        texts, labels = data
        vectors = embedder.embed(texts)
        names, familiarity = predictions(model, texts, vectors)
        inside = [i for i, label in enumerate(labels) if known(label)]
        outside = [i for i, label in enumerate(labels) if not known(label)]
        in_scope = ([names[i] for i in inside], familiarity[inside], [labels[i] for i in inside])
        unrelated = ([names[i] for i in outside], familiarity[outside])
        return in_scope, unrelated

    valid_in, valid_out = split(valid)
    test_in, test_out = split(test)
    threshold = choose(valid_in, valid_out)
    return {
        "unknown_domains": sorted(unknown),
        "known_intents": len(set(train_labels)),
        "train_examples": len(train_texts),
        "test_in_scope": len(test_in[0]),
        "test_out_of_scope": len(test_out[0]),
        "training_seconds": {"embedding": round(embedded, 1), "classifier": round(fitted, 1)},
        "unfamiliar_below_chosen_on_validation": threshold,
        "validation_at_choice": rates(valid_in, valid_out, threshold),
        "test_without_abstaining": rates(test_in, test_out, 0.0),
        "test_with_abstaining": rates(test_in, test_out, threshold),
        # The trade-off, for reading only (nothing is chosen from it).
        "test_curve": {str(t): rates(test_in, test_out, t) for t in (0.4, 0.5, 0.6, 0.7)},
    }


def shop(embedder: SentenceTransformerEmbedder, settings: dict[str, float]) -> dict[str, Any]:
    texts, labels = training_examples()
    vectors = embedder.embed(texts)
    # In-scope for choosing: each training example predicted by a model of the other folds.
    folds = np.random.default_rng(SEED).permutation(len(texts)) % 5
    cv_names: list[str] = [""] * len(texts)
    cv_familiarity = np.zeros(len(texts))
    for fold in range(5):
        train = [i for i in range(len(texts)) if folds[i] != fold]
        held = [i for i in range(len(texts)) if folds[i] == fold]
        model = IntentModel.fit(
            [texts[i] for i in train], vectors[train], [labels[i] for i in train], **settings
        )
        names, familiarity = predictions(model, [texts[i] for i in held], vectors[held])
        for i, name, value in zip(held, names, familiarity, strict=True):
            cv_names[i], cv_familiarity[i] = name, value
    model = IntentModel.fit(texts, vectors, labels, **settings)

    def unrelated(split: str) -> tuple[list[str], Any]:
        hwu_texts, hwu_labels = hwu64.split(split)
        kept = [
            t
            for t, label in zip(hwu_texts, hwu_labels, strict=True)
            if not label.startswith("general_") and label not in NOT_UNRELATED_TO_A_SHOP
        ]
        return predictions(model, kept, embedder.embed(kept))

    evaluation = yaml.safe_load((PROJECT / "evaluation" / "intents.yml").read_text())["nlu"]
    eval_texts, eval_labels = [], []
    for block in evaluation:
        for line in block["examples"].splitlines():
            if line.strip():
                eval_texts.append(line.strip()[2:].strip())
                eval_labels.append(block["intent"])
    eval_names, eval_familiarity = predictions(model, eval_texts, embedder.embed(eval_texts))
    held_in = (eval_names, eval_familiarity, eval_labels)
    valid_out, test_out = unrelated("valid"), unrelated("test")
    cv_in = (cv_names, cv_familiarity, labels)
    threshold = choose(cv_in, valid_out)
    return {
        "training_examples": len(texts),
        "evaluation_messages": len(eval_texts),
        "unrelated_test_questions": len(test_out[0]),
        "unfamiliar_below_chosen": threshold,
        "cross_validation_at_choice": rates(
            (cv_names, cv_familiarity, labels), valid_out, threshold
        ),
        "held_out_without_abstaining": rates(held_in, test_out, 0.0),
        "held_out_with_abstaining": rates(held_in, test_out, threshold),
    }


def main() -> None:
    embedder = SentenceTransformerEmbedder(resolve_model_path(None))
    settings = classifier_settings()
    results = {"classifier": settings, "public_set": public_set(embedder, settings)}
    print("public set", json.dumps(results["public_set"]))
    results["shop"] = shop(embedder, settings)
    print("shop", json.dumps(results["shop"]))
    configured = yaml.safe_load((PROJECT / "config.yml").read_text())["pipeline"]
    step = next(s for s in configured if s["name"].endswith("EmbeddingIntentClassifier"))
    results["unfamiliar_below_in_config"] = step.get("unfamiliar_below", 0.0)
    write_result("nlu_oos", results)


if __name__ == "__main__":
    main()
