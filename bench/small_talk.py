"""Hello, thanks, goodbye, yes and no typed in Italian or Lithuanian: does the bot understand?

Data: ``small_talk_heldout.csv`` (bench/data/README.md: 90 Italian and 90 Lithuanian messages
written by an AI helper that saw no code; never used to choose anything), each labelled
``greet``, ``thank``, ``goodbye``, ``affirm``, ``deny`` or ``other`` (near misses: "grazie ma
il pacco non è arrivato", "taip, bet dydis netinka").

Each message goes through what the NLU pipeline decides (``bench.person_requests.decisions``:
language identification, the English intent model with the pipeline's thresholds, then the
pipeline's last step, ``read_in_other_languages``); before, in the same run: the pipeline
without Italian and Lithuanian words (a message clearly in another language not understood,
any other given the English model's intent). Reported per language:

* each kind understood (the right intent), now and before;
* ``other`` messages taken for small talk (a question or complaint answered "you're welcome");
* the small talk whose language the bot then knows (identified, or told by words only that
  language uses), and any it took for the other language;
* the shop questions of ``kb_queries_it.csv`` / ``kb_queries_lt.csv`` taken for small talk;
* English: the held-out English questions (``kb_queries_test.csv``) and the English small talk
  of data/nlu whose intent the last step changed (none should be).

    PYTHONPATH=. .venv/bin/python -m bench.small_talk
"""

from __future__ import annotations

import csv
from collections import Counter
from typing import Any

from bench.common import write_result
from bench.nlu_eval import training_examples
from bench.person_requests import DATA, EnglishIntents, Row, decisions
from bot.intents.small_talk import PRECEDENCE, small_talk
from bot.language import FastTextLanguageIdentifier, confident

HELD_OUT = DATA / "small_talk_heldout.csv"
KINDS = tuple(sorted(PRECEDENCE))


def rows() -> list[Row]:
    with HELD_OUT.open(encoding="utf-8") as file:
        return [Row(r["text"], r["language"], r["kind"]) for r in csv.DictReader(file)]


def understood(data: list[Row], predicted: list[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for kind in KINDS:
        mine = [p for r, p in zip(data, predicted, strict=True) if r.label == kind]
        found[kind] = f"{sum(p == kind for p in mine)}/{len(mine)}"
    talk = [(r, p) for r, p in zip(data, predicted, strict=True) if r.label in KINDS]
    found["small_talk_understood"] = f"{sum(r.label == p for r, p in talk)}/{len(talk)}"
    found["small_talk_not_understood"] = f"{sum(p == 'nlu_fallback' for _, p in talk)}/{len(talk)}"
    others = [p for r, p in zip(data, predicted, strict=True) if r.label == "other"]
    found["other_taken_for_small_talk"] = f"{sum(p in KINDS for p in others)}/{len(others)}"
    return found


def languages_known(data: list[Row]) -> dict[str, str]:
    """Of the small talk, how many the bot knows the language of (identified clearly, or told
    by its words), and how many it took for another language."""
    identifier = FastTextLanguageIdentifier()
    right = wrong = 0
    talk = [r for r in data if r.label in KINDS]
    for row in talk:
        known = confident(identifier.identify(row.text), row.text)
        said = small_talk(row.text)
        if known is None and said is not None:
            known = said.language
        right += known == row.language
        wrong += known is not None and known != row.language
    return {"right": f"{right}/{len(talk)}", "another_language": f"{wrong}/{len(talk)}"}


def english_changed(english: EnglishIntents) -> dict[str, str]:
    """English messages whose intent the last step changed: held-out questions and the small
    talk the English model is trained on."""
    with (DATA / "kb_queries_test.csv").open(encoding="utf-8") as file:
        questions = [r["text"] for r in csv.DictReader(file)]
    texts, labels = training_examples()
    talk = [t for t, label in zip(texts, labels, strict=True) if label in KINDS]
    found = {}
    for name, asked in (("held_out_questions", questions), ("small_talk_examples", talk)):
        data = [Row(text, "en", "other") for text in asked]
        now, before, _ = decisions(data, english)
        found[name] = f"{sum(a != b for a, b in zip(now, before, strict=True))}/{len(data)}"
    return found


def shop_questions(english: EnglishIntents) -> dict[str, str]:
    found = {}
    for language in ("it", "lt"):
        with (DATA / f"kb_queries_{language}.csv").open(encoding="utf-8") as file:
            data = [Row(r["text"], language, "other") for r in csv.DictReader(file)]
        now, _, _ = decisions(data, english)
        found[language] = f"{sum(p in KINDS for p in now)}/{len(data)}"
    return found


def main() -> None:
    english = EnglishIntents()
    data = rows()
    result: dict[str, Any] = {"held_out": {}}
    for language in sorted({r.language for r in data}):
        mine = [r for r in data if r.language == language]
        now, before, flagged = decisions(mine, english)
        result["held_out"][language] = {
            "messages": len(mine),
            "labels": dict(Counter(r.label for r in mine)),
            "read_as_their_language": f"{flagged}/{len(mine)}",
            "now": understood(mine, now),
            "before (English intents only)": understood(mine, before),
            "language_known_after_small_talk": languages_known(mine),
        }
        print(language, result["held_out"][language])
    result["shop_questions_taken_for_small_talk"] = shop_questions(english)
    result["english_intents_changed"] = english_changed(english)
    print("shop questions taken for small talk", result["shop_questions_taken_for_small_talk"])
    print("English intents changed", result["english_intents_changed"])
    write_result("small_talk", result)


if __name__ == "__main__":
    main()
