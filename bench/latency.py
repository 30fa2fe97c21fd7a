"""End-to-end reply latency over Rasa's REST channel, the full pipeline running.

Starts the product with ``supportbot run`` on free ports (private data folder), then:
* one conversation at a time: p50 / p95 of the time from POST to full reply;
* 16 concurrent conversations: messages per second, p50 / p95.
Messages mix what customers send: shop questions (knowledge-base answers), small talk,
unclear messages (fallback ladder) and requests for a person.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
import uuid

from bench.common import percentile, running_product, write_result

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
    with running_product() as product:
        url = f"{product.rasa_url}/webhooks/rest/webhook"
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
