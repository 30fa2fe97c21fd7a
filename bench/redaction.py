"""Redaction quality on the planted set, through the public command ``supportbot redact``.

Per kind: recall (planted values masked with the right tag, and gone from the output) and
precision (tags of that kind that stand for a planted value). On the clean rows (our NLU
examples and product talk): how many came out changed (goal: none). Goals: recall >= 0.99
for the structured kinds (EMAIL, PHONE, CARD, IBAN, ORDER). Also the throughput.

Run: ``.venv/bin/python -m bench.redaction`` → ``bench/results/redaction.json``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from bench.common import PROJECT, write_result
from bench.redaction_set import OUT as DATA

STRUCTURED = ("EMAIL", "PHONE", "CARD", "IBAN", "ORDER")
KINDS = (*STRUCTURED, "ADDRESS", "NAME")


def redact(texts: list[str]) -> tuple[list[str], float]:
    command = [str(Path(sys.executable).parent / "supportbot"), "redact"]
    started = time.perf_counter()
    result = subprocess.run(
        command, input="\n".join(texts) + "\n", capture_output=True, text=True, check=True
    )
    return result.stdout.split("\n")[: len(texts)], time.perf_counter() - started


def score(rows: list[dict], outputs: list[str]) -> dict:
    found, planted, tagged = Counter(), Counter(), Counter()
    misses: dict[str, list[str]] = {kind: [] for kind in KINDS}
    changed_clean: list[dict[str, str]] = []
    for row, output in zip(rows, outputs, strict=True):
        tags = Counter({kind: output.count(f"[{kind}]") for kind in KINDS})
        tagged.update(tags)
        if row["set"] == "clean":
            if output != row["text"]:
                changed_clean.append({"text": row["text"], "output": output})
            continue
        wanted = Counter(plant["kind"] for plant in row["plants"])
        for plant in row["plants"]:
            kind = plant["kind"]
            planted[kind] += 1
            if plant["value"] not in output and tags[kind] >= wanted[kind]:
                found[kind] += 1
            elif len(misses[kind]) < 5:
                misses[kind].append(output)
    per_kind = {}
    for kind in KINDS:
        true_positive = min(found[kind], tagged[kind])
        per_kind[kind] = {
            "planted": planted[kind],
            "recall": round(found[kind] / planted[kind], 4) if planted[kind] else None,
            "precision": round(true_positive / tagged[kind], 4) if tagged[kind] else None,
            "examples_missed": misses[kind],
        }
    clean = sum(1 for row in rows if row["set"] == "clean")
    return {
        "per_kind": per_kind,
        "structured_recall_min": min(per_kind[k]["recall"] or 0 for k in STRUCTURED),
        "clean_messages": clean,
        "clean_changed": len(changed_clean),
        "clean_changed_examples": changed_clean[:10],
    }


def main() -> None:
    rows = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]
    outputs, seconds = redact([row["text"] for row in rows])
    result = score(rows, outputs)
    result.update(
        {
            "messages": len(rows),
            "seconds_including_start": round(seconds, 2),
            "messages_per_second": round(len(rows) / seconds, 1),
            "data": str(DATA.relative_to(PROJECT)),
            "goal": "recall >= 0.99 on EMAIL, PHONE, CARD, IBAN, ORDER; clean messages unchanged",
        }
    )
    write_result("redaction", result)
    print(json.dumps({k: v["recall"] for k, v in result["per_kind"].items()}))
    print("clean changed:", result["clean_changed"], "of", result["clean_messages"])


if __name__ == "__main__":
    main()
