"""Requests for a person and complaints typed in Italian or Lithuanian: does the bot see them?

Data (bench/data/README.md): ``person_requests_tuning.csv`` (80 messages, the word lists of
``bot.intents.in_other_languages`` were checked on it) and ``person_requests_heldout.csv``
(140, written apart, never used to choose anything). Each message is labelled
``request_human``, ``complaint`` or ``other`` (near misses: "the courier was a kind person").

For each message, what the NLU pipeline decides, as configured in config.yml:
* its language is identified (fastText ``lid.176``); a message clearly in another language
  (``bot.language.other_language``) is read by the words of that language only;
* any other message goes to the English intent model (``IntentModel`` on MiniLM and character
  n-grams, trained on data/nlu, with the pipeline's abstention and fallback thresholds); where
  it is unsure (``nlu_fallback``), by the words of either language; small talk in words only
  those languages use replaces its intent (the pipeline's last step,
  ``read_in_other_languages``).

Baseline, in the same run: the pipeline before (a message in another language is not
understood; any other gets the English model's intent). And the shop questions of
``kb_queries_it.csv`` / ``kb_queries_lt.csv`` (held out for ``bench/multilingual.py``; here
only counted): how many of those that ask for no person are taken for a request for one.

    PYTHONPATH=. .venv/bin/python -m bench.person_requests
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from bench.common import PROJECT, write_result
from bench.nlu_eval import training_examples
from bot.language import FastTextLanguageIdentifier, other_language
from bot.rasa_server.nlu.unusable_message_classifier import read_in_other_languages
from bot.text import inspect_message

DATA = PROJECT / "bench" / "data"
SETS = {
    "tuning": DATA / "person_requests_tuning.csv",
    "held_out": DATA / "person_requests_heldout.csv",
}
FALLBACK = "nlu_fallback"
LABELS = ("request_human", "complaint")


@dataclass(frozen=True)
class Row:
    text: str
    language: str
    label: str


def rows(path: Path) -> list[Row]:
    with path.open(encoding="utf-8") as file:
        return [Row(r["text"], r["language"], r["label"]) for r in csv.DictReader(file)]


class EnglishIntents:
    """The English intent model with the pipeline's thresholds (config.yml)."""

    def __init__(self) -> None:
        from bot.embeddings import SentenceTransformerEmbedder, resolve_model_path
        from bot.intents import IntentModel

        config = yaml.safe_load((PROJECT / "config.yml").read_text())["pipeline"]
        classifier = next(c for c in config if c["name"].endswith("EmbeddingIntentClassifier"))
        fallback = next(c for c in config if c["name"] == "FallbackClassifier")
        self.unfamiliar_below = float(classifier["unfamiliar_below"])
        self.threshold = float(fallback["threshold"])
        self.ambiguity = float(fallback["ambiguity_threshold"])
        self.embedder = SentenceTransformerEmbedder(resolve_model_path(None))
        texts, labels = training_examples()
        cleaned = [inspect_message(t).cleaned for t in texts]
        self.model = IntentModel.fit(
            cleaned,
            self.embedder.embed(cleaned),
            labels,
            c=float(classifier["C"]),
            char_weight=float(classifier["char_weight"]),
        )

    def intent(self, text: str) -> str:
        cleaned = inspect_message(text).cleaned
        vector = self.embedder.embed([cleaned])
        familiarity = self.model.familiarity(vector[0])
        if familiarity is not None and familiarity < self.unfamiliar_below:
            return FALLBACK
        probabilities = self.model.predict_proba([cleaned], vector)[0]
        first, second = np.sort(probabilities)[::-1][:2]
        if first < self.threshold or first - second < self.ambiguity:
            return FALLBACK
        return self.model.labels[int(np.argmax(probabilities))]


def decisions(data: list[Row], english: EnglishIntents) -> tuple[list[str], list[str], int]:
    """The intent now and before for each message, and how many were read as their language.
    Now: the pipeline's last step (``read_in_other_languages``) over the English intent."""
    identifier = FastTextLanguageIdentifier()
    now, before, flagged = [], [], 0
    for row in data:
        identified = identifier.identify(row.text)
        clear = other_language(identified, row.text) is not None
        flagged += clear
        intent = FALLBACK if clear else english.intent(row.text)
        before.append(intent)
        read = read_in_other_languages(row.text, identified, intent, other_language=clear)
        now.append(read[0] if read is not None else intent)
    return now, before, flagged


def scored(data: list[Row], predicted: list[str]) -> dict[str, Any]:
    """Recall of each label, and the ``other`` messages taken for a person or a complaint."""
    found: dict[str, Any] = {}
    for label in LABELS:
        mine = [p for r, p in zip(data, predicted, strict=True) if r.label == label]
        found[f"{label}_recall"] = round(sum(p == label for p in mine) / len(mine), 3)
        found[f"{label}_right"] = f"{sum(p == label for p in mine)}/{len(mine)}"
    others = [p for r, p in zip(data, predicted, strict=True) if r.label == "other"]
    wrong = sum(p in LABELS for p in others)
    found["other_taken_for_a_person_or_complaint"] = f"{wrong}/{len(others)}"
    asked = [p for r, p in zip(data, predicted, strict=True) if r.label in LABELS]
    found["person_or_complaint_reached"] = f"{sum(p in LABELS for p in asked)}/{len(asked)}"
    return found


def shop_questions(english: EnglishIntents) -> dict[str, str]:
    """The shop questions in each language taken for a request for a person or a complaint."""
    found = {}
    for language in ("it", "lt"):
        with (DATA / f"kb_queries_{language}.csv").open(encoding="utf-8") as file:
            asked = [r["text"] for r in csv.DictReader(file) if r["intent"] not in LABELS]
        data = [Row(text, language, "other") for text in asked]
        now, _, _ = decisions(data, english)
        found[language] = f"{sum(p in LABELS for p in now)}/{len(data)}"
    return found


def main() -> None:
    english = EnglishIntents()
    result: dict[str, Any] = {"sets": {}, "shop_questions_taken_for_one": shop_questions(english)}
    print("shop questions taken for a person or complaint", result["shop_questions_taken_for_one"])
    for name, path in SETS.items():
        data = rows(path)
        result["sets"][name] = {}
        for language in sorted({r.language for r in data}):
            mine = [r for r in data if r.language == language]
            now, before, flagged = decisions(mine, english)
            result["sets"][name][language] = {
                "messages": len(mine),
                "labels": dict(Counter(r.label for r in mine)),
                "read_as_their_language": f"{flagged}/{len(mine)}",
                "now": scored(mine, now),
                "before (English intents only)": scored(mine, before),
            }
            print(name, language, result["sets"][name][language])
    write_result("person_requests", result)


if __name__ == "__main__":
    main()
