"""End-to-end reply latency over Rasa's REST channel, the full pipeline running.

Starts the product with ``supportbot run`` on free ports (private data folder), then:
* one conversation at a time: p50 / p95 of the time from POST to full reply;
* 16 concurrent conversations: messages per second, p50 / p95.
Messages mix what customers send: shop questions (knowledge-base answers), small talk,
unclear messages (fallback ladder) and requests for a person.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

from bench.common import PROJECT, percentile, write_result

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def say(url: str, sender: str, text: str) -> float:
    request = urllib.request.Request(
        url,
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        replies = json.loads(response.read())
    elapsed = (time.perf_counter() - started) * 1000
    if not replies:
        raise RuntimeError(f"no reply to {text!r}")
    return elapsed


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="supportbot-latency-"))
    rasa_port, actions_port = free_port(), free_port()
    env = {
        **os.environ,
        "SUPPORTBOT_RASA_PORT": str(rasa_port),
        "SUPPORTBOT_ACTIONS_PORT": str(actions_port),
        "SUPPORTBOT_KB_INDEX_DIR": str(root / "kb_index"),
        "SUPPORTBOT_DATA_DIR": str(root / "var"),
    }
    log = (root / "run.log").open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("supportbot")), "run"],
        cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
    try:
        deadline = time.monotonic() + 600
        while "supportbot is running" not in (root / "run.log").read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((root / "run.log").read_text()[-3000:])
            time.sleep(1)

        sender = f"bench-{uuid.uuid4().hex[:8]}"
        for i in range(WARM_UP):
            say(url, sender, MESSAGES[i % len(MESSAGES)])
        sequential = []
        for i in range(SEQUENTIAL):
            # A new conversation every 8 messages, as real traffic has.
            if i % 8 == 0:
                sender = f"bench-{uuid.uuid4().hex[:8]}"
            sequential.append(say(url, sender, MESSAGES[i % len(MESSAGES)]))

        concurrent: list[float] = []
        lock = threading.Lock()

        def client(index: int) -> None:
            own = f"bench-c{index}-{uuid.uuid4().hex[:6]}"
            for i in range(CONCURRENT_PER_CLIENT):
                elapsed = say(url, own, MESSAGES[(i + index) % len(MESSAGES)])
                with lock:
                    concurrent.append(elapsed)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CONCURRENT_CLIENTS)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=120)
        shutil.rmtree(root, ignore_errors=True)

    write_result(
        "latency",
        {
            "setup": "supportbot run (Rasa server + action server, SQLite tracker store), "
            "REST channel, 127.0.0.1",
            "messages": MESSAGES,
            "one_conversation_at_a_time": {
                "requests": len(sequential),
                "p50_ms": round(percentile(sequential, 50), 1),
                "p95_ms": round(percentile(sequential, 95), 1),
                "goal": {"p50_ms": 60, "p95_ms": 150},
            },
            "concurrent": {
                "conversations": CONCURRENT_CLIENTS,
                "requests": len(concurrent),
                "messages_per_second": round(len(concurrent) / wall, 1),
                "p50_ms": round(percentile(concurrent, 50), 1),
                "p95_ms": round(percentile(concurrent, 95), 1),
                "reference": "bare `rasa init` bot on this machine kind: 23.6 msg/s (platform.md)",
            },
        },
    )


if __name__ == "__main__":
    main()
