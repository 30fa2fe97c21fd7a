"""Where a message's time goes in the running servers: py-spy on Rasa and the action server.

Starts the product with ``supportbot run`` (as ``latency.py`` does), keeps 16 REST
conversations busy, and samples the Rasa server and the action server with py-spy for
``--seconds``. Each sample is put in one bucket (the first matching rule of ``BUCKETS``: a
pipeline component, a policy, the tracker store, the action call), and the JSON gives each
bucket's share of the samples, the busiest functions, and the messages per second while
profiling (py-spy's sampling slows the servers a little, so use ``latency.py`` for speed).

py-spy is a developer's tool, not a dependency of the product:
    pip install --target /tmp/pyspy py-spy && PY_SPY=/tmp/pyspy/bin/py-spy python -m bench.profile
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from bench.common import product_processes, running_product, write_result
from bench.latency import MESSAGES, say

CLIENTS = 16
# (bucket, a frame that puts a sample in it): the first match wins, so inner parts come first.
BUCKETS = {
    "rasa": [
        ("nlu: sentence embedding (MiniLM forward pass)", "SentenceEmbeddingFeaturizer.process"),
        ("nlu: sentiment (the fine-tuned top layers)", "SentimentAnalyzer.process"),
        ("nlu: knowledge-base search vector (tuned layers)", "KnowledgeQueryEncoder.process"),
        ("nlu: intent classifier", "EmbeddingIntentClassifier.process"),
        ("nlu: cleaner, tokenizer, fallback, graph", "_parse_message_with_graph"),
        ("action call: response check (jsonschema)", "validate_action_result"),
        ("action call: HTTP and events", "RemoteAction.run"),
        ("tracker store: read", "get_or_create_tracker"),
        ("tracker store: save", "save_tracker"),
        ("policy: HandoffPolicy", "HandoffPolicy"),
        ("policy: SurveyPolicy", "SurveyPolicy"),
        ("policy: FrustrationPolicy", "FrustrationPolicy"),
        ("policies: Memoization, Rule and the ensemble", "_predict_next_with_tracker"),
        ("dialogue: running actions, events", "_run_prediction_loop"),
        ("channel (REST, never_silent)", "never_silent"),
        ("HTTP server", "connection_task"),
        ("jsonschema (stack too deep for py-spy)", "jsonschema"),
    ],
    "actions": [
        ("knowledge base search", "KnowledgeSearcher.search"),
        ("services and settings", "SupportAction.services"),
        ("reading the conversation's events", "turns_from_events"),
        ("actions: other", "SupportAction.run"),
        ("HTTP server", "connection_task"),
    ],
}


def read_samples(path: Path) -> Samples:
    """py-spy's raw output: one ``frame;frame;... count`` line per distinct stack."""
    samples = []
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack:
            frames = [re.sub(r":\d+\)$", ")", frame) for frame in stack.split(";")]
            samples.append((frames, int(count)))
    return samples


Samples = list[tuple[list[str], int]]


def summarise(samples: Samples, buckets: list[tuple[str, str]]) -> dict[str, Any]:
    total = sum(count for _, count in samples)
    shares: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    for frames, count in samples:
        stack = ";".join(frames)
        bucket = next((name for name, frame in buckets if frame in stack), "other")
        shares[bucket] += count
        for frame in set(frames):
            inclusive[frame] += count
    return {
        "samples": total,
        "share_by_part": {
            name: round(shares[name] / total, 3)
            for name in [name for name, _ in buckets] + ["other"]
            if shares[name]
        },
        "busiest_functions": {
            frame: round(count / total, 3)
            for frame, count in inclusive.most_common(40)
            if count / total >= 0.03
        },
    }


def record(
    py_spy: str, pid: int, args: argparse.Namespace, output: Path
) -> subprocess.Popen[bytes]:
    """py-spy sampling one process in the background (idle threads are not sampled)."""
    command = [py_spy, "record", "--pid", str(pid), "--duration", str(int(args.seconds))]
    command += [
        "--rate",
        str(args.rate),
        "--format",
        "raw",
        "--nonblocking",
        "--output",
        str(output),
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=35)
    parser.add_argument("--rate", type=int, default=40, help="py-spy samples per second")
    args = parser.parse_args()
    py_spy = os.environ.get("PY_SPY") or shutil.which("py-spy")
    if not py_spy:
        raise SystemExit(
            "py-spy not found: pip install --target /tmp/pyspy py-spy, "
            "then PY_SPY=/tmp/pyspy/bin/py-spy python -m bench.profile"
        )
    with running_product() as product, tempfile.TemporaryDirectory() as folder:
        url = f"{product.rasa_url}/webhooks/rest/webhook"
        for i in range(20):
            say(url, "bench-warm-up", MESSAGES[i % len(MESSAGES)])
        pids = {
            role: pid
            for role, pid in product_processes(product.data_dir).items()
            if role in BUCKETS
        }
        answered: list[float] = []
        stop = threading.Event()

        def client(index: int) -> None:
            sender, sent = "", 0
            while not stop.is_set():
                if sent % 8 == 0:  # a new conversation every 8 messages, as latency.py
                    sender = f"bench-p{index}-{uuid.uuid4().hex[:6]}"
                answered.append(say(url, sender, MESSAGES[(sent + index) % len(MESSAGES)]))
                sent += 1

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        time.sleep(5)  # the load settles before sampling starts
        before = len(answered)
        started = time.monotonic()
        spies = {
            role: record(py_spy, pid, args, Path(folder) / f"{role}.txt")
            for role, pid in pids.items()
        }
        for spy in spies.values():
            spy.wait()
        rate = (len(answered) - before) / (time.monotonic() - started)
        stop.set()
        for thread in threads:
            thread.join()
        parts = {
            role: summarise(read_samples(Path(folder) / f"{role}.txt"), BUCKETS[role])
            for role in spies
        }
    write_result(
        "profile",
        {
            "setup": f"supportbot run, {CLIENTS} REST conversations at once, the latency "
            f"benchmark's messages; py-spy {args.rate} samples/s for {args.seconds:.0f} s",
            "messages_per_second_while_sampled": round(rate, 1),
            "possible_samples_per_process": int(args.rate * args.seconds),
            "processes": parts,
        },
    )


if __name__ == "__main__":
    main()
