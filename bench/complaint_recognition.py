"""Complaints recognised in one message's wording, on held-out messages.

Scores ``bot.escalation.complaint_signs.complaint_sign`` alone (no sentiment, no running
product) on ``bench/data/complaint_messages.yml``: precision and recall of "this message is a
complaint", recall per kind (demand, legal, regulator, report, public, chargeback, mixed), the
false alarms per kind of look-alike (calm refund and payment questions, the same words in
other senses, angry customers who are not complaining, praise), each miss and false alarm
with the reason given, and the time per message. The file is never used to choose patterns;
the detector's own cases are in tests/unit/test_complaint_signs.py.

That file and the patterns have one author, so its figures are an upper bound. A second
false-alarm figure comes from text written by others for another purpose: every query of the
knowledge base's labelled sets (``bench/data/kb_queries_*.csv``), shop questions none of which
is a complaint.

Run: ``.venv/bin/python -m bench.complaint_recognition`` →
``bench/results/complaint_recognition.json`` (a few seconds).
"""

from __future__ import annotations

import csv
import time
from typing import Any

import yaml

from bench.common import PROJECT, write_result
from bot.escalation.complaint_signs import complaint_sign

DATA = PROJECT / "bench" / "data" / "complaint_messages.yml"
SHOP_QUESTIONS = "kb_queries_*.csv"
SETS = ("complaint", "not_complaint")


def load() -> dict[str, dict[str, list[str]]]:
    """Both sets, each by kind."""
    raw: dict[str, dict[str, list[str]]] = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    for name in SETS:
        for kind, texts in raw[name].items():
            if not all(isinstance(text, str) for text in texts):
                raise ValueError(f"{DATA.name}: {name}/{kind}: quote what YAML reads as non-text")
    return {name: raw[name] for name in SETS}


def score(data: dict[str, dict[str, list[str]]]) -> dict[str, Any]:
    found: dict[str, list[tuple[str, str | None]]] = {}
    for name in SETS:
        for kind, texts in data[name].items():
            for text in texts:
                sign = complaint_sign(text)
                found.setdefault(f"{name}/{kind}", []).append((text, sign.reason if sign else None))
    complaints = [r for key, rows in found.items() if key.startswith("complaint/") for r in rows]
    others = [r for key, rows in found.items() if key.startswith("not_complaint/") for r in rows]
    true_positive = sum(reason is not None for _, reason in complaints)
    false_positive = sum(reason is not None for _, reason in others)
    precision = true_positive / (true_positive + false_positive) if true_positive else 0.0
    recall = true_positive / len(complaints)
    return {
        "complaints": len(complaints),
        "not_complaints": len(others),
        "recognised": true_positive,
        "false_alarms": false_positive,
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(2 * precision * recall / (precision + recall), 3) if true_positive else 0.0,
        "recall_by_kind": {
            key.split("/", 1)[1]: f"{sum(r is not None for _, r in rows)}/{len(rows)}"
            for key, rows in found.items()
            if key.startswith("complaint/")
        },
        "false_alarms_by_kind": {
            key.split("/", 1)[1]: f"{sum(r is not None for _, r in rows)}/{len(rows)}"
            for key, rows in found.items()
            if key.startswith("not_complaint/")
        },
        "missed": [
            f"{key.split('/', 1)[1]}: {text}"
            for key, rows in found.items()
            if key.startswith("complaint/")
            for text, reason in rows
            if reason is None
        ],
        "false_alarm_messages": [
            f"{key.split('/', 1)[1]}: {text} ({reason})"
            for key, rows in found.items()
            if key.startswith("not_complaint/")
            for text, reason in rows
            if reason is not None
        ],
        "reasons_given": _count(reason for _, reason in complaints if reason is not None),
    }


def _count(reasons: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for reason in reasons:
        counts[reason] = counts.get(reason, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


def time_per_message(data: dict[str, dict[str, list[str]]], rounds: int = 20) -> float:
    texts = [text for name in SETS for texts in data[name].values() for text in texts]
    started = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            complaint_sign(text)
    return (time.perf_counter() - started) / (rounds * len(texts)) * 1e6


def shop_question_false_alarms() -> dict[str, Any]:
    """Complaints "found" in the knowledge base's query sets (none is one)."""
    counted: dict[str, int] = {}
    alarms: list[str] = []
    for path in sorted((PROJECT / "bench" / "data").glob(SHOP_QUESTIONS)):
        with path.open(encoding="utf-8", newline="") as handle:
            texts = [row["text"] for row in csv.DictReader(handle)]
        counted[path.name] = len(texts)
        for text in texts:
            sign = complaint_sign(text)
            if sign is not None:
                alarms.append(f"{path.name}: {text} ({sign.reason})")
    return {"queries": counted, "false_alarms": len(alarms), "messages": alarms}


def main() -> None:
    data = load()
    result = score(data)
    result["shop_questions"] = shop_question_false_alarms()
    result["microseconds_per_message"] = round(time_per_message(data), 1)
    result["data"] = str(DATA.relative_to(PROJECT))
    print(
        f"complaints {result['recognised']}/{result['complaints']} recognised "
        f"(recall {result['recall']}), {result['false_alarms']}/{result['not_complaints']} "
        f"false alarms (precision {result['precision']}); shop questions: "
        f"{result['shop_questions']['false_alarms']} false alarms in "
        f"{sum(result['shop_questions']['queries'].values())}"
    )
    write_result("complaint_recognition", result)


if __name__ == "__main__":
    main()
