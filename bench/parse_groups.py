"""What parsing messages together saves: the Rasa server's NLU, one group of messages at a time.

Loads the project's trained Rasa model in this process (the same NLU graph the Rasa server
runs: cleaner, language, MiniLM pass, tuned search layers, sentiment branch, intent classifier)
and parses the latency benchmark's messages in groups of 1, 2, 4, 8 and 16
(``bot.rasa_server.parse_batches.parse_together``), one torch thread as the servers run. For
each group size: the CPU time per message, and how many messages got another intent than
when parsed alone (should be none).
"""

from __future__ import annotations

import asyncio
import os
import time

from bench.common import PROJECT, write_result
from bench.latency import MESSAGES

SIZES = (1, 2, 4, 8, 16)
ROUNDS = 12


def main() -> None:
    os.environ["OMP_NUM_THREADS"] = "1"  # as the servers run (bot.settings)
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage

    import bot.rasa_server  # noqa: F401  (what the Rasa server loads first)
    from bot.rasa_server.parse_batches import parse_together
    from bot.runtime.training import ensure_trained
    from bot.settings import Settings

    settings = Settings.create(home=PROJECT)
    processor = Agent.load(str(ensure_trained(settings))).processor
    assert processor is not None
    texts = list(MESSAGES) * 2
    messages = [UserMessage(text, sender_id=f"bench-{i}") for i, text in enumerate(texts)]
    alone = [asyncio.run(processor.parse_message(m))["intent"]["name"] for m in messages]
    results = {}
    for size in SIZES:
        starts = range(0, len(messages), size)
        parse_together(processor, messages[:size])  # warm up this size
        changed = 0
        started = time.process_time()
        for _ in range(ROUNDS):
            for start in starts:
                parsed = parse_together(processor, messages[start : start + size])
                changed += sum(
                    p["intent"]["name"] != alone[start + k] for k, p in enumerate(parsed)
                )
        per_message = (time.process_time() - started) / (ROUNDS * len(messages)) * 1000
        results[str(size)] = {
            "cpu_ms_per_message": round(per_message, 2),
            "intents_changed": changed // ROUNDS,
        }
        print(f"groups of {size:2d}: {per_message:5.2f} ms of CPU a message", flush=True)
    write_result(
        "parse_groups",
        {
            "setup": "the project's trained Rasa model loaded in-process, the latency "
            "benchmark's 16 messages twice over, parsed in groups of each size "
            f"({ROUNDS} rounds), one torch/OpenMP thread",
            "model": str(processor.model_path.name) if processor.model_path else None,
            "by_group_size": results,
        },
    )


if __name__ == "__main__":
    main()
