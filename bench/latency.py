"""End-to-end reply latency over Rasa's REST channel, the full pipeline running, side by side
with a bare ``rasa init`` bot served by the same Rasa in the same run.

First the bare bot: ``rasa init`` (Rasa's own demo project, trained once and kept in
``var/bench/bare-rasa-init/``) served by ``rasa run`` on a free port. Then the product with
``supportbot run`` on free ports (private data folder). Each gets the same load, one after the
other on an otherwise idle machine:
* one conversation at a time: p50 / p95 of the time from POST to full reply;
* 16 concurrent conversations: messages per second, p50 / p95;
* as a conversation grows: the reply time at turn 1, 20 and 100 of one conversation (5
  conversations of 100 different shop questions each, from the knowledge base's calibration
  queries; each figure is the median of the turns within 2 of it).
Messages mix what customers send: shop questions (knowledge-base answers), small talk,
unclear messages (fallback ladder) and requests for a person. The bare bot answers them with
its mood-bot replies; it is the baseline for speed, not for answers.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.common import PROJECT, percentile, running_product, write_result
from bot.runtime.ports import free_port

MESSAGES = [
    "how do I return an item?",
    "where is my order",
    "do you ship to germany",
    "hi",
    "can i pay with paypal",
    "my card was declined",
    "thanks!",
    "i forgot my password",
    "what's your phone number",
    "the zip on my jacket broke",
    "asdf qwerty",
    "can I talk to a person",
    "are the boots waterproof",
    "when will I get my refund",
    "yes",
    "do you have a student discount",
]
WARM_UP = 20
SEQUENTIAL = 300
CONCURRENT_CLIENTS = 16
CONCURRENT_PER_CLIENT = 25
GROWTH_CONVERSATIONS = 5
GROWTH_TURNS = 100
GROWTH_AT = (1, 20, 100)
GROWTH_QUERIES = PROJECT / "bench" / "data" / "kb_queries_calibration.csv"
BARE_BOT = PROJECT / "var" / "bench" / "bare-rasa-init"
RASA = Path(sys.executable).with_name("rasa")


def say(url: str, sender: str, text: str, *, reply_needed: bool = True) -> float:
    request = urllib.request.Request(
        url,
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        replies = json.loads(response.read())
    elapsed = (time.perf_counter() - started) * 1000
    if reply_needed and not replies:
        raise RuntimeError(f"no reply to {text!r}")
    return elapsed


def measure(url: str, *, reply_needed: bool = True) -> dict[str, Any]:
    """The two loads against one REST webhook."""
    sender = f"bench-{uuid.uuid4().hex[:8]}"
    for i in range(WARM_UP):
        say(url, sender, MESSAGES[i % len(MESSAGES)], reply_needed=reply_needed)
    sequential = []
    for i in range(SEQUENTIAL):
        # A new conversation every 8 messages, as real traffic has.
        if i % 8 == 0:
            sender = f"bench-{uuid.uuid4().hex[:8]}"
        sequential.append(say(url, sender, MESSAGES[i % len(MESSAGES)], reply_needed=reply_needed))

    concurrent: list[float] = []
    lock = threading.Lock()

    def client(index: int) -> None:
        own = f"bench-c{index}-{uuid.uuid4().hex[:6]}"
        for i in range(CONCURRENT_PER_CLIENT):
            text = MESSAGES[(i + index) % len(MESSAGES)]
            elapsed = say(url, own, text, reply_needed=reply_needed)
            with lock:
                concurrent.append(elapsed)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CONCURRENT_CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {
        "one_conversation_at_a_time": {
            "requests": len(sequential),
            "p50_ms": round(percentile(sequential, 50), 1),
            "p95_ms": round(percentile(sequential, 95), 1),
        },
        "concurrent": {
            "conversations": CONCURRENT_CLIENTS,
            "requests": len(concurrent),
            "messages_per_second": round(len(concurrent) / wall, 1),
            "p50_ms": round(percentile(concurrent, 50), 1),
            "p95_ms": round(percentile(concurrent, 95), 1),
        },
    }


def growth(url: str, *, reply_needed: bool = True) -> dict[str, Any]:
    """Reply time at turns 1, 20 and 100 of long conversations of different questions."""
    with GROWTH_QUERIES.open() as file:
        questions = [row["text"] for row in csv.DictReader(file) if row["expected_id"]]
    near: dict[int, list[float]] = {turn: [] for turn in GROWTH_AT}
    for conversation in range(GROWTH_CONVERSATIONS):
        sender = f"bench-long-{uuid.uuid4().hex[:8]}"
        for turn in range(1, GROWTH_TURNS + 1):
            text = questions[(conversation * GROWTH_TURNS + turn) % len(questions)]
            elapsed = say(url, sender, text, reply_needed=reply_needed)
            for at in GROWTH_AT:
                if abs(turn - at) <= 2:
                    near[at].append(elapsed)
    p50 = {f"turn_{at}_p50_ms": round(percentile(near[at], 50), 1) for at in GROWTH_AT}
    first, last = near[GROWTH_AT[0]], near[GROWTH_AT[-1]]
    return {
        "conversations": GROWTH_CONVERSATIONS,
        "turns": GROWTH_TURNS,
        **p50,
        "last_to_first": round(percentile(last, 50) / percentile(first, 50), 2),
    }


def bare_env() -> dict[str, str]:
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}


@contextlib.contextmanager
def bare_rasa_bot() -> Iterator[str]:
    """Rasa's own ``rasa init`` project, trained once, served by ``rasa run``: its REST URL."""
    if not any((BARE_BOT / "models").glob("*.tar.gz")):
        print(f"==> rasa init (trains Rasa's demo bot once, ~1-2 min) in {BARE_BOT}", flush=True)
        BARE_BOT.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [str(RASA), "init", "--no-prompt", "--init-dir", str(BARE_BOT)],
            cwd=BARE_BOT, env=bare_env(), check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    port = free_port()
    log_path = BARE_BOT / "run.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(RASA), "run", "--port", str(port), "--interface", "127.0.0.1"],
            cwd=BARE_BOT, env=bare_env(), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while not _answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(log_path.read_text()[-3000:])
            time.sleep(1)
        yield f"{url}/webhooks/rest/webhook"
    finally:
        process.terminate()
        process.wait(timeout=60)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except (urllib.error.URLError, OSError):
        return False


def main() -> None:
    with bare_rasa_bot() as url:
        bare = measure(url, reply_needed=False)
        bare["as_a_conversation_grows"] = growth(url, reply_needed=False)
    with running_product() as product:
        ours = measure(f"{product.rasa_url}/webhooks/rest/webhook")
        ours["as_a_conversation_grows"] = growth(f"{product.rasa_url}/webhooks/rest/webhook")
    ratio = ours["concurrent"]["messages_per_second"] / bare["concurrent"]["messages_per_second"]
    write_result(
        "latency",
        {
            "setup": "REST channel on 127.0.0.1, the same messages and load for both, one after "
            "the other: a bare `rasa init` bot (`rasa run`, Rasa's default pipeline and "
            "policies, in-memory tracker store), then supportbot (`supportbot run`: Rasa "
            "server and action server, SQLite tracker store, the whole pipeline)",
            "messages": MESSAGES,
            "bare_rasa_init": bare,
            "supportbot": ours,
            "throughput_ratio_to_bare": round(ratio, 2),
            "goals": {
                "one_conversation_p50_ms": 35,
                "one_conversation_p95_ms": 60,
                "throughput_ratio_to_bare": 2.0,
                "concurrent_p95_ms": 400,
                "turn_100_within_of_turn_1": 1.1,
            },
        },
    )


if __name__ == "__main__":
    main()
