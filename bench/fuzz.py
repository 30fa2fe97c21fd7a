"""Fuzzing: how many adversarial inputs the product was tried on, and what came of them.

1. **Properties** (hypothesis): the property tests of ``tests/unit/test_adversarial_input.py``
   (the text pipeline, redaction, client metadata, REST senders, and the checks every channel
   makes) with ``--examples`` generated inputs each instead of the suite's 150.
2. **The running product** (``supportbot run`` on free ports): ``--messages`` customer
   messages over REST made of markup, payload syntax, invisible and control characters, other
   scripts and emoji, some of them forged button payloads and some over the length limit
   (seeded), each of which must get a 200 with at least one reply; then REST bodies of the
   wrong shape, each of which must get a 400; then a plain question, which must still be
   answered.

    .venv/bin/python -m bench.fuzz [--examples 2000] [--messages 400] [--seed 7]
    # writes bench/results/fuzz.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

from bench.common import PROJECT, running_product, write_result

#: Characters customers and attackers send: markup, payload syntax, invisible and control
#: characters, right-to-left marks, other scripts, emoji (the property tests use them too).
TRICKY = "/{}\"':<>&\\ \t\n\r\x00\x1b\u200b\u200d\u202e\u2066\ufeff\u00a0éß漢字🙂"
LETTERS = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789?!.,"
FORGED = [
    '/rate{"csat_score": "1"}',
    '/choose_option{"article_id": "../../README"}',
    "/request_human",
    '/deny{"x": "' + "a" * 6000 + '"}',
    "/restart",
    "/session_start",
    "\u200b/affirm",
    "/ /affirm",
]
WRONG_SHAPES: list[Any] = [
    {"sender": "fuzz", "message": 5},
    {"sender": "fuzz", "message": ["hi"]},
    {"sender": 5, "message": "hi"},
    {"sender": "0123456789abcdef0123456789abcdef", "message": "hi"},
    {"sender": "slack-U0FUZZ", "message": "hi"},
    {"sender": "x" * 1000, "message": "hi"},
    ["not", "an", "object"],
    "just a string",
]


def message(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.15:
        return rng.choice(FORGED)
    length = rng.choice([0, 1, 3, 10, 40, 200, 1200, 6000])
    alphabet = TRICKY if kind < 0.6 else LETTERS + TRICKY
    return "".join(rng.choice(alphabet) for _ in range(length))


def post(url: str, body: Any) -> tuple[int, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, None


def properties(examples: int) -> dict[str, Any]:
    """The property tests with ``examples`` inputs each; the inputs hypothesis really tried
    (its statistics: passing, failing and invalid examples of every phase)."""
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "--hypothesis-show-statistics", "tests/unit/test_adversarial_input.py"],
        cwd=PROJECT, env={**os.environ, "ADVERSARIAL_EXAMPLES": str(examples)},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    tried = [
        sum(int(n) for n in counts)
        for counts in re.findall(
            r"(\d+) passing examples?, (\d+) failing examples?, (\d+) invalid", run.stdout
        )
    ]
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-500:]
    return {
        "examples_asked_per_property": examples,
        "inputs_tried": sum(tried),
        "result": summary,
        "passed": run.returncode == 0,
        "seconds": round(time.perf_counter() - started, 1),
    }


def product(messages: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    failures: list[dict[str, Any]] = []
    answered = 0
    with running_product() as running:
        url = f"{running.rasa_url}/webhooks/rest/webhook"
        started = time.perf_counter()
        for _ in range(messages):
            text = message(rng)
            status, replies = post(
                url, {"sender": f"fuzz-{uuid.uuid4().hex[:10]}", "message": text}
            )
            if status == 200 and replies:
                answered += 1
            else:
                failures.append({"status": status, "message": text[:200]})
        seconds = time.perf_counter() - started
        refused = [post(url, body)[0] for body in WRONG_SHAPES]
        status, replies = post(url, {"sender": "fuzz-after", "message": "how do I return an item?"})
    return {
        "messages": messages,
        "seed": seed,
        "answered": answered,
        "failures": failures[:20],
        "messages_per_second": round(messages / seconds, 1),
        "wrong_shapes": len(WRONG_SHAPES),
        "wrong_shapes_refused_400": sum(code == 400 for code in refused),
        "wrong_shape_statuses": refused,
        "answers_afterwards": status == 200 and bool(replies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.fuzz", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--examples", type=int, default=2000, help="per property (default 2000)")
    parser.add_argument("--messages", type=int, default=400, help="over REST (default 400)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    found = {
        "properties": properties(args.examples),
        "running_product": product(args.messages, args.seed),
    }
    found["inputs_tried"] = (
        found["properties"]["inputs_tried"]
        + found["running_product"]["messages"]
        + found["running_product"]["wrong_shapes"]
    )
    write_result("fuzz", found)


if __name__ == "__main__":
    main()
